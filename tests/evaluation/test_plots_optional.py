"""Without the ``eval`` extra (matplotlib) the reports keep every number and say how to get the plots."""

from __future__ import annotations

import json

import pytest

import feedback_nlp
from feedback_nlp.evaluation import plots

ROWS = [
    {"id": "a", "text": "送得太慢，饭都凉了", "labels": ["logistics"]},
    {"id": "b", "text": "虾太大了，好吃到停不下来", "labels": []},
    {"id": "c", "text": "尺码偏大，按尺码表买的还是大", "labels": ["size"]},
]


def test_report_degrades_to_tables_with_the_pip_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(plots, "has_module", lambda name: False)
    data = tmp_path / "gold.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"pip install 'feedback-nlp\[eval\]'"):
        result = feedback_nlp.evaluate(data, "default", n_boot=20, sample=2, out=tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<img" not in html and "pip install &#x27;feedback-nlp[eval]&#x27;" in html
    assert "Per tag" in html and result.audit.rows_valid == 3
    assert json.loads((tmp_path / "out" / "report.json").read_text())["model"]["micro"]["f1"]["value"] is not None
