"""The shipped models (default, accurate): load, their cards match their files, the mission's examples hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import feedback_nlp
from feedback_nlp.model_dir import TaggerConfig, resolve_model_dir, sha256_file

MODELS = Path(__file__).resolve().parents[2] / "feedback_nlp" / "models"
MODEL_DIR = MODELS / "default"
SHIPPED = ["default", "accurate"]
# praise that sounds like a complaint: the demo data's most frequent texts wrongly flagged by v1, and the mission's examples
PRAISE = ["虾太大了", "不是一般的好吃", "没有色差", "虾太大了，个头比想象中大多了", "物流不慢，第二天就到了", "做工很好，线头都没有",
          "衣服不错，颜色偏黑，正好是我要的黑色"]


@pytest.fixture(scope="module", params=SHIPPED)
def tagger(request):
    return feedback_nlp.load_tagger(request.param)


def test_load_tagger_without_path_is_the_shipped_default(monkeypatch):
    monkeypatch.delenv("FEEDBACK_NLP_MODEL", raising=False)
    tagger = feedback_nlp.load_tagger()
    assert resolve_model_dir().resolve() == MODEL_DIR.resolve() == tagger.model_dir.resolve()
    assert set(SHIPPED) <= set(feedback_nlp.available_models())


def test_shipped_models_are_batch_independent_int8(tagger):
    assert tagger.labels == feedback_nlp.TAG_IDS
    assert tagger.config.quantization == "int8-weights"
    assert (tagger.model_dir / "model.onnx").stat().st_size < 60 * 2**20
    texts = PRAISE + ["挺好吃的，就是太甜了", "送得太慢，饭都凉了，量还少", "请问这个偏大吗？"] * 3
    together = tagger.predict_proba(texts)
    alone = [tagger.predict_proba([t])[0] for t in texts[:6]]
    assert abs(together[:6] - alone).max() < 1e-4  # a text's scores do not depend on its batch neighbours


@pytest.mark.parametrize("name", SHIPPED)
def test_card_matches_files(name):
    config = TaggerConfig.load(MODELS / name)
    card = (MODELS / name / "README.md").read_text(encoding="utf-8")
    assert config.onnx_sha256 == sha256_file(MODELS / name / "model.onnx")
    assert config.onnx_sha256 in card
    for label, threshold in config.thresholds.items():
        assert re.search(rf"\| `{label}` \|.*\| {threshold:.3f} \|", card), f"threshold of {label} missing from the card"
    assert "Frozen **test split**" in card and "keyword baseline" in card
    parity = config.extra["parity"]
    assert parity["onnx_int8"]["agreement"] >= parity["min_agreement"]


# measured misses of the shipped models (strict: the test fails once they are fixed, so this list stays true)
KNOWN_MISSES = {("default", "不是一般的好吃"): "taste 0.93", ("default", "物流不慢，第二天就到了"): "logistics 0.97",
                ("accurate", "不是一般的好吃"): "taste 0.95", ("accurate", "虾太大了，个头比想象中大多了"): "size 0.82"}


@pytest.mark.parametrize("name,text", [
    pytest.param(n, t, marks=pytest.mark.xfail(strict=True, reason=f"known false positive: {KNOWN_MISSES[(n, t)]}"))
    if (n, t) in KNOWN_MISSES else (n, t) for n in SHIPPED for t in PRAISE])
def test_praise_in_complaint_words_gets_no_tag(name, text):
    tagger = feedback_nlp.load_tagger(name)
    assert tagger.predict(text) == []


def test_complaint_wrapped_in_praise_scores_far_above_praise(tagger):
    wrapped, praise = tagger.predict_proba(["挺好吃的，就是太甜了", "甜到心里，好吃到停不下来"])[:, tagger.labels.index("taste")]
    assert wrapped > 0.5 > praise and wrapped > 10 * praise  # calibrated: more likely a complaint than not


@pytest.mark.xfail(strict=False, reason="known recall limit: the precision-first taste threshold (dev) sits above this "
                                        "complaint's calibrated probability (0.83 default, 0.91 accurate); see the cards")
def test_complaint_wrapped_in_praise_is_tagged(tagger):
    assert tagger.predict("挺好吃的，就是太甜了") == ["taste"]


@pytest.mark.parametrize("name", SHIPPED)
def test_card_numbers_come_from_an_eval_report(name):
    """The card quotes the eval report's audit line (data sha256) rather than typed numbers."""
    card = (MODELS / name / "README.md").read_text(encoding="utf-8")
    assert re.search(r"Data file sha256 `[0-9a-f]{16}…`", card)
    assert "Held-out test-v2" in card and "Operating points" in card
    assert json.loads((MODELS / name / "tagger_config.json").read_text())["format_version"] == 2


@pytest.mark.parametrize("name", SHIPPED)
def test_card_quotes_the_published_report(name):
    """eval/reports/<name> (make eval) and the card carry the same test-split numbers."""
    report = json.loads((Path(__file__).resolve().parents[2] / "eval" / "reports" / name / "report.json").read_text())
    card = (MODELS / name / "README.md").read_text(encoding="utf-8")
    micro = report["model"]["micro"]
    assert f"| micro precision | {micro['precision']['value']:.3f} [" in card
    assert f"| micro recall | {micro['recall']['value']:.3f} [" in card
    assert report["audit"]["data_sha256"][:16] in card
