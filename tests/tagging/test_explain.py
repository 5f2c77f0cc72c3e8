"""Evidence per tag (occlusion): offsets, batching, the shipped model's evidence, faithfulness, ``tag --explain``."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import feedback_nlp
from feedback_nlp.cli import app
from feedback_nlp.errors import InvalidInputError, UnknownTagError
from feedback_nlp.evaluation.faithfulness import Rate, measure_faithfulness
from feedback_nlp.extras import has_module
from feedback_nlp.model_dir.card import set_card_section
from feedback_nlp.tagging.doubt import logit_margin
from feedback_nlp.tagging.explain import MIN_LOGIT_DROP, Explanation, highlight_html, text_units

from tests.conftest import SENTENCES

UNITS = ["tokens"] + (["jieba"] if has_module("jieba") else [])
ODD = ["ＡＢＣ牌子的耳机😀，音质🙁一般般", "𠮷野家的饭太咸了👍🏽", "  前后有空格　全角空格  ", "ｅｍｏｊｉ😀😀😀很多"]


@pytest.fixture(scope="module")
def shipped():
    return feedback_nlp.load_tagger("default")


def _all_tags(tagger, texts):
    return [list(tagger.labels) for _ in texts]  # explain every label: spans exist even on a random model


@pytest.mark.parametrize("units", UNITS)
def test_spans_are_valid_offsets_into_the_original_text(tagger, units):
    texts = SENTENCES + ODD
    for ex in tagger.explain(texts, tags=_all_tags(tagger, texts), units=units, max_spans=20):
        assert ex.units == units and ex.evidence
        for ev in ex.evidence:
            for s in ev.spans:
                assert 0 <= s.start < s.end <= len(ex.text)
                assert ex.text[s.start:s.end] == s.text and s.text.strip()
                assert s.weight > 0 and logit_margin(ev.probability, s.probability_without) >= MIN_LOGIT_DROP - 0.01


@pytest.mark.parametrize("units", UNITS)
def test_units_cover_emoji_and_full_width(tiny_tokenizer, units):
    text = "ＡＢＣ😀好"
    spans = text_units(text, units, tiny_tokenizer)
    covered = "".join(text[s:e] for s, e in spans)
    assert "😀" in covered and "好" in covered and "Ａ" in covered


def test_evidence_is_consistent_with_scores(tagger):
    for ex in tagger.explain(SENTENCES, tags=_all_tags(tagger, SENTENCES), max_spans=50):
        result = tagger.tag(ex.text)
        assert ex.tags == result.tags
        for ev in ex.evidence:
            assert ev.probability == pytest.approx(result.scores[ev.tag], abs=1e-4)
            assert ev.margin == pytest.approx(ev.probability - ev.threshold, abs=2e-4)
            assert ev.emitted == (ev.tag in result.tags)
            weights = [s.weight for s in ev.spans]
            assert weights == sorted(weights, reverse=True)
            for s in ev.spans:  # the weight is what removing the span costs, measured on that very text
                without = tagger.predict_proba(ex.text[:s.start] + ex.text[s.end:])[tagger.labels.index(ev.tag)]
                assert s.probability_without == pytest.approx(without, abs=1e-3)


def test_default_explains_the_emitted_tags_only(tagger):
    for ex in tagger.explain(SENTENCES):
        assert [ev.tag for ev in ex.evidence] == ex.tags
        assert all(ev.emitted and ev.margin >= 0 for ev in ex.evidence)


def test_result_does_not_depend_on_batching(tagger):
    together = tagger.explain(SENTENCES, tags=_all_tags(tagger, SENTENCES))
    alone = [tagger.explain(t, tags=list(tagger.labels)) for t in SENTENCES]
    for a, b in zip(together, alone):
        assert [(e.tag, [(s.start, s.end) for s in e.spans]) for e in a.evidence] == \
               [(e.tag, [(s.start, s.end) for s in e.spans]) for e in b.evidence]
        for ea, eb in zip(a.evidence, b.evidence):
            np.testing.assert_allclose([s.weight for s in ea.spans], [s.weight for s in eb.spans], atol=1e-3)


def test_single_blank_and_truncated(tagger):
    ex = tagger.explain(SENTENCES[0])
    assert isinstance(ex, Explanation) and ex.text == SENTENCES[0]
    blank = tagger.explain([None, "", "  "], tags=[["size"], ["size"], ["size"]])
    assert [e.evidence for e in blank] == [[], [], []] and {e.status for e in blank} == {"empty"}
    long = "质量太差了" * 20  # far beyond the tiny model's 24 tokens
    ex = tagger.explain(long, tags=list(tagger.labels), max_spans=100)
    assert ex.status == "truncated"
    assert all(s.start < 30 for ev in ex.evidence for s in ev.spans)  # only what the model reads


def test_argument_errors(tagger):
    with pytest.raises(UnknownTagError, match="sour"):
        tagger.explain(["太酸了"], tags=[["sour"]])
    with pytest.raises(InvalidInputError, match="one list of tags per text"):
        tagger.explain(["a", "b"], tags=[["size"]])
    with pytest.raises(InvalidInputError, match="single text"):
        tagger.explain("太酸了", tags="taste")
    with pytest.raises(InvalidInputError, match="units"):
        tagger.explain("太酸了", units="chars")
    with pytest.raises(InvalidInputError, match="max_spans"):
        tagger.explain("太酸了", max_spans=0)
    with pytest.raises(InvalidInputError, match=r"texts\[1\]"):
        tagger.explain(["a", 3])


def test_shipped_model_size_evidence_covers_pian_xiao(shipped):
    pytest.importorskip("jieba", reason="word units need jieba (the explain extra)")
    ex = shipped.explain("尺码偏小了一码", tags=["size"], units="jieba")
    (ev,) = ex.evidence
    assert ev.tag == "size" and ev.spans
    top = ev.spans[0]
    assert (top.start, top.end, top.text) == (2, 4, "偏小")
    assert top.probability_without < ev.threshold  # without 偏小 the size score collapses


def test_shipped_model_no_tag_no_evidence(shipped):
    for text in ("请问有货吗？", "面料舒服，颜色也正，好评"):
        ex = shipped.explain(text)
        assert ex.tags == [] and ex.evidence == [] and ex.to_dict() == []


def test_shipped_model_trap_evidence_points_at_the_trap_words(shipped):
    pytest.importorskip("jieba", reason="word units need jieba (the explain extra)")
    ex = shipped.explain("物流不慢，第二天就到了", units="jieba")
    assert ex.tags == ["logistics"]  # a known false positive of the shipped model
    assert "物流" in {s.text for s in ex.evidence[0].spans}
    # a tag that was not emitted can be explained too: what pushes it up
    ex = shipped.explain("做工很好，线头都没有", units="jieba", tags=["quality"])
    assert ex.tags == [] and {"线头", "没有"} <= {s.text for s in ex.evidence[0].spans}


def test_highlight_html_escapes_and_marks():
    html = highlight_html("<b>偏小</b>了", [{"tag": "size", "spans": [
        {"start": 3, "end": 5, "text": "偏小", "weight": 0.8, "probability_without": 0.1}]}])
    assert html.startswith("&lt;b&gt;<mark") and "偏小</mark>&lt;/b&gt;了" in html and "size: −0.80" in html


def test_faithfulness_counts(tagger):
    result = measure_faithfulness(tagger, SENTENCES, seed=3)
    pairs = sum(len(t) for t in tagger.predict(SENTENCES))
    assert result.top_span.n == result.random_span.n == pairs > 0
    assert 0 <= result.top_span.k <= pairs and result.n_texts == len(SENTENCES)
    assert measure_faithfulness(tagger, SENTENCES, seed=3).to_dict() == result.to_dict()  # seeded
    assert sum(d["n"] for d in result.per_tag.values()) == pairs
    md = result.to_markdown("python -m eval faithfulness")
    assert "top evidence span" in md and "Reproduce" in md


def test_rate_wilson_interval():
    r = Rate.of(8, 10)
    assert r.value == 0.8 and r.ci_low < 0.8 < r.ci_high and 0 <= r.ci_low and r.ci_high <= 1
    assert Rate.of(0, 0).value is None and str(Rate.of(0, 0)) == "n/a"


def test_set_card_section_replaces_or_inserts():
    card = "# card\n\n## Evaluation\n\nx\n\n## Files\n\n- a\n"
    once = set_card_section(card, "Evidence faithfulness", "first")
    assert once.index("## Evidence faithfulness") < once.index("## Files") and "first" in once
    twice = set_card_section(once, "Evidence faithfulness", "second")
    assert "first" not in twice and twice.count("## Evidence faithfulness") == 1 and twice.endswith("- a\n")


def test_cli_tag_explain(tiny_model_dir):
    result = CliRunner().invoke(app, ["tag", SENTENCES[0], "", "--explain", "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == 2
    assert [e["tag"] for e in rows[0]["evidence"]] == rows[0]["tags"]
    for e in rows[0]["evidence"]:
        assert set(e) == {"tag", "probability", "threshold", "margin", "emitted", "spans"}
        assert all(SENTENCES[0][s["start"]:s["end"]] == s["text"] for s in e["spans"])
    assert rows[1]["evidence"] == [] and rows[1]["status"] == "empty"
    plain = CliRunner().invoke(app, ["tag", SENTENCES[0], "--model", str(tiny_model_dir)])
    assert "evidence" not in plain.stdout
