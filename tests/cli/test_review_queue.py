"""``feedback-nlp review-queue``: deterministic for a seed, deduplicated, annotation records, exit codes."""

import json

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import ExitCode, app
from feedback_nlp.tagging.review_queue import REASONS, SOURCE, dedup_key, run_review_queue, select_for_review

from tests.conftest import SENTENCES

runner = CliRunner()


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def feedback_file(tmp_path):
    lines = [json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(SENTENCES)]
    lines += [json.dumps({"id": "dup1", "text": " " + SENTENCES[0].replace("，", " ，") + " "}, ensure_ascii=False),
              json.dumps({"id": "dup2", "text": "ａｂｃ牌子"}, ensure_ascii=False),
              json.dumps({"id": "dup3", "text": "ABC牌子"}, ensure_ascii=False),
              json.dumps({"id": "blank", "text": "  "}), '{"id": "bad", "text": ']
    path = tmp_path / "feedback.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dedup_key():
    assert dedup_key("ＡＢＣ 牌子") == dedup_key("abc牌子") == dedup_key(" ABC\t牌子 ")
    assert dedup_key("尺码偏大") != dedup_key("尺码偏小")


def test_deterministic_for_a_seed(tiny_model_dir, feedback_file, tmp_path):
    kw = dict(model=str(tiny_model_dir), compare_with="none", budget=12)
    a = run_review_queue(feedback_file, tmp_path / "a.jsonl", seed=5, **kw)
    run_review_queue(feedback_file, tmp_path / "b.jsonl", seed=5, **kw)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    others = [run_review_queue(feedback_file, tmp_path / f"s{s}.jsonl", seed=s, **kw) for s in range(4)]
    files = {(tmp_path / f"s{s}.jsonl").read_bytes() for s in range(4)}
    assert len(files) > 1  # ties and the random share follow the seed
    assert a.selected == 12 and all(o.selected == 12 for o in others)


def test_records_dedup_and_counts(tiny_model_dir, feedback_file, tmp_path):
    out = tmp_path / "queue.jsonl"
    s = run_review_queue(feedback_file, out, model=str(tiny_model_dir), compare_with="none", budget=1000)
    recs = _records(out)
    assert (s.read, s.errors, s.blank, s.duplicates) == (len(SENTENCES) + 5, 1, 1, 2)
    assert s.candidates == len(SENTENCES) + 1 == s.selected == len(recs)  # budget above the candidates: all of them
    assert len({dedup_key(r["text"]) for r in recs}) == len(recs)
    assert {r["id"] for r in recs} >= {"r0", "dup2"} and "dup1" not in {r["id"] for r in recs}
    for r in recs:
        assert r["labels"] is None and r["source"] == SOURCE and r["origin"]["file"] == "feedback.jsonl"
        assert r["selection"]["reason"] in (*REASONS, "random") and r["selection"]["seed"] == 0
    assert s.exit_code == ExitCode.ROW_ERRORS
    (err,) = _records(s.errors_path)
    assert err["line"] == len(SENTENCES) + 5


def test_priorities(tiny_model_dir, tagger):
    picked = select_for_review(SENTENCES, tagger, None, budget=10, seed=0, random_share=0.0)
    assert len(picked) == 10 and len({i for i, _ in picked}) == 10
    near = [w for _, w in picked if w["reason"] == "near_threshold"]
    assert near and abs(near[0]["logit_margin"]) <= min(abs(w["logit_margin"]) for w in near)
    assert {w["reason"] for _, w in picked} <= set(REASONS)
    same = select_for_review(SENTENCES, tagger, tagger, budget=10, seed=0, random_share=0.0)
    assert all(w["reason"] != "disagreement" for _, w in same)  # a model agrees with itself


def test_disagreement_with_a_second_model(tagger, tiny_model_dir):
    import feedback_nlp

    shipped = feedback_nlp.load_tagger("default")
    picked = select_for_review(SENTENCES, tagger, shipped, budget=len(SENTENCES), seed=0, random_share=0.0)
    assert any(w["reason"] == "disagreement" for _, w in picked)


def test_cli(tiny_model_dir, feedback_file, tmp_path):
    out = tmp_path / "q.jsonl"
    r = runner.invoke(app, ["review-queue", str(feedback_file), "--out", str(out), "--budget", "5",
                            "--model", str(tiny_model_dir), "--compare-with", "none"])
    assert r.exit_code == ExitCode.ROW_ERRORS, r.output
    assert "selected 5" in r.output and len(_records(out)) == 5
    r = runner.invoke(app, ["review-queue", str(tmp_path / "missing.jsonl"), "--out", str(out)])
    assert r.exit_code == ExitCode.USAGE and "does not exist" in r.output
    r = runner.invoke(app, ["review-queue", str(feedback_file), "--out", str(out), "--model", str(tmp_path)])
    assert r.exit_code == ExitCode.MODEL
