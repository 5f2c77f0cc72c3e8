"""The shipped default model: loads, its card matches its files, and the mission's examples hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import feedback_nlp
from feedback_nlp.model_dir import TaggerConfig, resolve_model_dir, sha256_file

MODEL_DIR = Path(__file__).resolve().parents[2] / "feedback_nlp" / "models" / "default"


@pytest.fixture(scope="module")
def tagger():
    return feedback_nlp.load_tagger()


def test_load_tagger_without_path_is_the_shipped_model(tagger, monkeypatch):
    monkeypatch.delenv("FEEDBACK_NLP_MODEL", raising=False)
    assert resolve_model_dir().resolve() == MODEL_DIR.resolve() == tagger.model_dir.resolve()
    assert tagger.labels == feedback_nlp.TAG_IDS
    assert tagger.config.quantization == "int8-dynamic"
    assert (MODEL_DIR / "model.onnx").stat().st_size < 30 * 2**20


def test_card_matches_files():
    config = TaggerConfig.load(MODEL_DIR)
    card = (MODEL_DIR / "README.md").read_text(encoding="utf-8")
    assert config.onnx_sha256 == sha256_file(MODEL_DIR / "model.onnx")
    assert config.onnx_sha256 in card
    for label, threshold in config.thresholds.items():
        assert re.search(rf"\| `{label}` \|.*\| {threshold:.3f} \|", card), f"threshold of {label} missing from the card"
    assert "Frozen **test split**" in card and "keyword baseline" in card
    parity = config.extra["parity"]
    assert parity["onnx_int8"]["agreement"] >= parity["min_agreement"]


@pytest.mark.parametrize("text", ["虾太大了", "不是一般的好吃", "没有色差"])
def test_praise_in_complaint_words_gets_no_tag(tagger, text):
    assert tagger.predict(text) == []


def test_complaint_wrapped_in_praise_is_tagged(tagger):
    assert tagger.predict("挺好吃的，就是太甜了") == ["taste"]


def test_card_numbers_come_from_an_eval_report():
    """The card quotes the eval report's audit line (data sha256) rather than typed numbers."""
    card = (MODEL_DIR / "README.md").read_text(encoding="utf-8")
    assert re.search(r"Data file sha256 `[0-9a-f]{16}…`", card)
    assert json.loads((MODEL_DIR / "tagger_config.json").read_text())["format_version"] == 2


def test_card_quotes_the_published_report():
    """eval/reports/default (make eval) and the card carry the same test-split numbers."""
    report = json.loads((Path(__file__).resolve().parents[2] / "eval" / "reports" / "default" / "report.json").read_text())
    card = (MODEL_DIR / "README.md").read_text(encoding="utf-8")
    micro = report["model"]["micro"]
    assert f"| micro precision | {micro['precision']['value']:.3f} [" in card
    assert f"| micro recall | {micro['recall']['value']:.3f} [" in card
    assert report["audit"]["data_sha256"][:16] in card
