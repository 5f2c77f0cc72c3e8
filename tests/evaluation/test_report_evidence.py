"""The eval report highlights evidence in its false-positive and false-negative lists."""

import csv

import pytest

import feedback_nlp

from tests.evaluation.test_report import _write_gold


@pytest.fixture(scope="module")
def result(tiny_model_dir, tmp_path_factory):
    gold = _write_gold(tmp_path_factory.mktemp("gold") / "gold.jsonl", bad_lines=False)
    out = tmp_path_factory.mktemp("report")
    return feedback_nlp.evaluate(gold, tiny_model_dir, n_boot=20, seed=1, sample=0, out=out, threads=1), out


def test_every_error_carries_evidence_for_its_tag(result):
    r, _ = result
    assert r.errors
    for e in r.errors:
        (ev,) = e.evidence
        assert ev["tag"] == e.tag
        for s in ev["spans"]:
            assert e.text[s["start"]:s["end"]] == s["text"] and s["weight"] > 0
    assert any(e.evidence[0]["spans"] for e in r.errors if e.error == "false_positive")
    assert any(e.evidence[0]["spans"] for e in r.errors if e.error == "false_negative")


def test_html_and_csv_show_the_evidence(result):
    r, out = result
    page = (out / "report.html").read_text(encoding="utf-8")
    marked = [s["text"] for e in r.errors for s in e.evidence[0]["spans"]]
    assert page.count("<mark") >= 1 and f">{marked[0]}</mark>" in page
    with open(out / "errors.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all("evidence" in row for row in rows)
    assert any(f"{marked[0]}[" in row["evidence"] for row in rows)


def test_evidence_can_be_switched_off(tiny_model_dir, tmp_path):
    gold = _write_gold(tmp_path / "gold.jsonl", bad_lines=False)
    r = feedback_nlp.evaluate(gold, tiny_model_dir, n_boot=0, sample=0, evidence=False)
    assert r.errors and all(e.evidence == [] for e in r.errors)
    kw = feedback_nlp.evaluate(gold, "keyword", baseline=None, n_boot=0, sample=0)  # no explain: no evidence
    assert all(e.evidence == [] for e in kw.errors)
