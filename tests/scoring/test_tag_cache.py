"""Tagging for scoring: each distinct (text, context) once, and a cache keyed by the model."""

from __future__ import annotations

import duckdb

from feedback_nlp.scoring.feedback_tagger import LazyTagger
from feedback_nlp.scoring.score import score
from feedback_nlp.scoring.tables import load_inputs
from feedback_nlp.scoring.tag_cache import tagger_fingerprint

from .helpers import FakeTagger, fb, make_data, policy

AS_OF = "2024-03-31"
TEXTS = ["好评", "好评", "质量很差 #quality", "好评", "质量很差 #quality", "客服不回 #service", "好评", "一周才到 #logistics"]


class RecordingTagger(FakeTagger):
    """FakeTagger that records every (text, context) it was asked about."""

    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, str | None]] = []

    def predict(self, texts, contexts=None):
        self.seen += list(zip(texts, contexts or [None] * len(texts)))
        return super().predict(texts, contexts)


def _data(tmp_path, contexts=None):
    orders = [dict(order_id=f"o{i}", shop_id="S", paid_at=f"2024-03-1{i} 10:00:00") for i in range(len(TEXTS))]
    feedback = [fb(f"f{i}", f"o{i}", "S", "im", f"2024-03-2{i} 10:00:00", text=t) for i, t in enumerate(TEXTS)]
    d = make_data(tmp_path, orders, feedback, tags_column=False)
    if contexts is not None:
        import csv

        rows = list(csv.DictReader((d / "feedback.csv").open(encoding="utf-8")))
        for r, c in zip(rows, contexts):
            r["context"] = c
        from .helpers import write_table

        write_table(d / "feedback.csv", rows)
    return d


def _tags(con) -> dict[str, str | None]:
    return dict(con.execute("SELECT feedback_id, tags FROM feedback").fetchall())


def test_each_distinct_text_is_tagged_once_and_every_row_gets_its_tags(tmp_path):
    t = RecordingTagger()
    inputs = load_inputs(_data(tmp_path), policy(), tagger=t)
    assert sorted(x for x, _ in t.seen) == sorted(set(TEXTS))  # 4 distinct texts, each asked once
    s = inputs.tagging
    assert (s.feedback_rows, s.distinct_texts, s.cache_hits, s.tagged, s.cache) == (8, 4, 0, 4, None)
    tags = _tags(inputs.con)
    assert tags == {f"f{i}": ({"#quality": "quality", "#service": "service", "#logistics": "logistics"}.get(x.split()[-1]) if "#" in x else None)
                    for i, x in enumerate(TEXTS)}
    assert inputs.con.execute("SELECT count(*) FROM feedback_tags").fetchone()[0] == 4


def test_the_same_text_with_another_context_is_tagged_again(tmp_path):
    t = RecordingTagger()
    contexts = ["连衣裙", "手机壳", "", "", "", "", "", ""]
    inputs = load_inputs(_data(tmp_path, contexts), policy(), tagger=t)
    assert inputs.tagging.distinct_texts == 6  # 好评 with 连衣裙, with 手机壳, without context; 3 other texts
    assert ("好评", "连衣裙") in t.seen and ("好评", "手机壳") in t.seen and ("好评", None) in t.seen


def test_cache_is_reused_by_the_next_run_with_the_same_model(tmp_path, tiny_model_dir):
    data, out = _data(tmp_path), tmp_path / "out"
    first = score(data, AS_OF, policy(), out, tagger=LazyTagger("model", tiny_model_dir), reports=False)
    assert (out / "tag_cache.parquet").is_file()
    assert (first.inputs.tagging.cache_hits, first.inputs.tagging.tagged) == (0, 4)
    second = score(data, AS_OF, policy(), out, tagger=LazyTagger("model", tiny_model_dir), reports=False)
    assert (second.inputs.tagging.cache_hits, second.inputs.tagging.tagged) == (4, 0)
    assert _tags(first.inputs.con) == _tags(second.inputs.con)
    assert first.shops["ccr"].tolist() == second.shops["ccr"].tolist()
    key = tagger_fingerprint(LazyTagger("model", tiny_model_dir))
    rows = duckdb.sql(f"SELECT model_key, count(*) FROM '{out / 'tag_cache.parquet'}' GROUP BY 1").fetchall()
    assert rows == [(key, 4)]
    # the model's sha256 starts the key; the decision config (thresholds ...) is part of it
    from feedback_nlp.model_dir import TaggerConfig

    assert key.startswith(TaggerConfig.load(tiny_model_dir).onnx_sha256 + ":")


def test_another_model_does_not_reuse_the_cache(tmp_path, tiny_model_dir, tiny_context_model_dir):
    data, out = _data(tmp_path), tmp_path / "out"
    score(data, AS_OF, policy(), out, tagger=LazyTagger("model", tiny_model_dir), reports=False)
    other = score(data, AS_OF, policy(), out, tagger=LazyTagger("model", tiny_context_model_dir), reports=False)
    assert (other.inputs.tagging.cache_hits, other.inputs.tagging.tagged) == (0, 4)  # same ONNX file, other config
    keys = duckdb.sql(f"SELECT count(DISTINCT model_key), count(*) FROM '{out / 'tag_cache.parquet'}'").fetchall()[0]
    assert keys == (2, 8)  # both models' rows are kept


def test_tagger_without_fingerprint_writes_no_cache(tmp_path):
    out = tmp_path / "out"
    r = score(_data(tmp_path), AS_OF, policy(), out, tagger=FakeTagger(), reports=False)
    assert r.inputs.tagging.cache is None and not (out / "tag_cache.parquet").exists()
    assert r.shop("S")["ccr_neg_orders"] == 4
