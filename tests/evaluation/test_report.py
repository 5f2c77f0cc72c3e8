"""The harness end to end on the tiny fixture model: report files, HTML, determinism, CLI exit codes."""

import base64
import csv
import json
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

import feedback_nlp
from feedback_nlp.cli import ExitCode, app
from feedback_nlp.errors import InvalidInputError, ModelDirectoryError

GOLD = [
    ("质量太差了，用了两天就坏了", ["quality"], "plain_complaint"),
    ("尺码偏大，按尺码表买的还是大", ["size"], "plain_complaint"),
    ("颜色和图片不一样，色差很严重", ["color", "mismatch"], "multi_tag"),
    ("太甜了，有点腻", ["taste"], "plain_complaint"),
    ("物流太慢了，一个星期才到", ["logistics"], "plain_complaint"),
    ("客服态度很差，半天不回消息", ["service"], "plain_complaint"),
    ("太差了，再也不买了", ["other"], "other_dissatisfaction"),
    ("虾太大了，好吃到停不下来", [], "praise_in_complaint_words"),
    ("没有色差，尺码一点都不小", [], "negation"),
    ("请问这个偏大吗？明天能发货吗？", [], "question_request"),
    ("面料舒服，颜色也正，好评", [], "neutral_fact"),
    ("这个价格还可以，性价比一般", [], "lukewarm"),
]


def _write_gold(path, bad_lines=True):
    lines = [json.dumps({"id": f"g{i}", "text": t, "labels": labels, "kind": kind,
                         "channel": "im" if i % 3 == 0 else "review"}, ensure_ascii=False)
             for i, (t, labels, kind) in enumerate(GOLD)]
    if bad_lines:
        lines.insert(2, '{"id": "broken", "text": ')  # line 3
        lines.append(json.dumps({"id": "u", "text": "太酸了", "labels": ["sour"]}, ensure_ascii=False))  # line 14
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gold_file(tmp_path_factory):
    return _write_gold(tmp_path_factory.mktemp("gold") / "gold.jsonl")


@pytest.fixture(scope="module")
def report(tiny_model_dir, gold_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = feedback_nlp.evaluate(gold_file, tiny_model_dir, n_boot=100, seed=1, sample=5, out=out,
                                   threads=1, command="test")
    return result, out


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.ids, self.external = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if "id" in a:
            self.ids.append(a["id"])
        if tag in ("script", "link") or (tag == "img" and not a.get("src", "").startswith("data:")):
            self.external.append(tag)


def test_report_files(report):
    result, out = report
    for name in ("report.json", "report.md", "report.html", "errors.csv", "sample.csv"):
        assert (out / name).is_file(), name
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["audit"]["rows_read"] == 14 and data["audit"]["rows_valid"] == 12
    assert [(s["line"], s["reason"].split(":")[0]) for s in data["skipped"]] == [(3, "invalid JSON"), (14, "unknown tag")]
    assert data["model"]["micro"]["f1"] == json.loads(json.dumps(data["model"]["micro"]["f1"]))
    assert data["baseline"]["name"] == "keyword"
    assert "micro.f1" in data["differences"] and "slice.trap=true.fpr_no_gold" in data["differences"]
    assert data["slice_fields"] == ["kind", "channel", "trap"]
    audit = data["audit"]
    assert set(audit["model_files"]) >= {"model.onnx", "tokenizer.json", "tagger_config.json", "README.md"}
    config = json.loads((result.audit.model_dir and open(f"{result.audit.model_dir}/tagger_config.json").read()))
    assert audit["model_files"]["model.onnx"] == config["onnx_sha256"]
    assert len(audit["model_dir_sha256"]) == 64 and len(audit["data_sha256"]) == 64
    assert audit["command"] == "test" and "numpy" in audit["versions"]
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Summary", "## CCR impact", "## Per tag", "## Slices", "## Calibration", "## Skipped rows",
                    "## Audit trail"):
        assert heading in md
    assert "False-positive rate on trap texts" in md


def test_html_is_self_contained_with_plots(report):
    pytest.importorskip("matplotlib", reason="plots need the [eval] extra")
    _, out = report
    parser = _Collector()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    parser.close()
    assert parser.external == []
    assert len(parser.images) >= 5  # f1, slices, ccr impact, reliability, pr curves
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"summary", "ccr", "tags", "slices", "calibration", "errors", "sample", "skipped", "audit"} <= set(parser.ids)


def test_errors_csv_lists_every_error_most_confident_first(report):
    result, out = report
    with open(out / "errors.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.errors) > 0
    n_fp = sum(result.model.tag(t).fp for t in result.labels)
    n_fn = sum(result.model.tag(t).fn for t in result.labels)
    assert sum(r["error"] == "false_positive" for r in rows) == n_fp
    assert sum(r["error"] == "false_negative" for r in rows) == n_fn
    conf = [float(r["confidence"]) for r in rows]
    assert conf == sorted(conf, reverse=True)
    assert {"kind", "channel", "trap"} <= set(rows[0])


def test_sample_is_stratified(report):
    result, _ = report
    assert len(result.sample) == 5
    assert len({s.id for s in result.sample}) == 5
    strata = {s.stratum for s in result.sample}
    gd = result.gold.any(1)
    present = {"true_positive" if g and p else "false_positive" if p else "false_negative" if g else "true_negative"
               for g, p in zip(gd, (result.scores >= 0.5).any(1))}
    assert strata == present or len(present) > 5


def test_ccr_impact_and_api_numbers(report):
    result, _ = report
    c = result.ccr_impact
    assert c.gold_rate.value == pytest.approx(7 / 12)
    assert c.model_rate.value == result.model.flagged_rate.value
    assert c.inflation.value == pytest.approx(result.baseline.flagged_rate.value - result.model.flagged_rate.value)
    trap = result.baseline.slice("trap", "true")
    assert trap.n == 5 and trap.fpr_no_gold.value == 1.0  # the keyword baseline fires on every trap here


def test_deterministic_except_timestamp(report, tiny_model_dir, gold_file):
    result, _ = report
    again = feedback_nlp.evaluate(gold_file, tiny_model_dir, n_boot=100, seed=1, sample=5, threads=1, command="test")
    a, b = result.to_dict(), again.to_dict()
    a["audit"].pop("generated_at")
    b["audit"].pop("generated_at")
    assert a == b


def test_api_errors(tmp_path, tiny_model_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no valid labeled row"):
        feedback_nlp.evaluate(bad, tiny_model_dir)
    with pytest.raises(ModelDirectoryError):
        feedback_nlp.evaluate(_write_gold(tmp_path / "g.jsonl"), tmp_path / "no-model", n_boot=0)
    with pytest.raises(InvalidInputError, match="n_boot"):
        feedback_nlp.evaluate(bad, tiny_model_dir, n_boot=-1)


runner = CliRunner()


def test_cli_eval(tiny_model_dir, tmp_path):
    clean = _write_gold(tmp_path / "clean.jsonl", bad_lines=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["eval", str(clean), "--model", str(tiny_model_dir), "--out", str(out),
                                 "--n-boot", "50", "--sample", "3", "--baseline", "keyword"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "rows: read 12, evaluated 12, skipped 0" in result.stdout
    assert "FPR on traps: model" in result.stdout and "keyword" in result.stdout
    assert (out / "report.html").is_file() and (out / "errors.csv").is_file()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["audit"]["command"].startswith("feedback-nlp")


def test_cli_eval_exit_codes(tiny_model_dir, tmp_path, gold_file):
    out = tmp_path / "out"
    # some rows skipped: reports written, exit 1 (as for `tag`), the skipped rows named
    result = runner.invoke(app, ["eval", str(gold_file), "-m", str(tiny_model_dir), "--out", str(out),
                                 "--n-boot", "0", "--sample", "0", "--baseline", "none"])
    assert result.exit_code == ExitCode.ROW_ERRORS, result.output
    assert "2 row(s) skipped" in result.stderr and (out / "report.json").is_file()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": ""}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", str(bad), "-m", str(tiny_model_dir), "--out", str(out)])
    assert result.exit_code == ExitCode.USAGE and "no valid labeled row" in result.stderr
    result = runner.invoke(app, ["eval", str(tmp_path / "missing.jsonl"), "--out", str(out)])
    assert result.exit_code == ExitCode.USAGE and "does not exist" in result.stderr
    result = runner.invoke(app, ["eval", str(gold_file), "-m", str(tmp_path / "nowhere"), "--out", str(out)])
    assert result.exit_code == ExitCode.MODEL and "model error" in result.stderr
    result = runner.invoke(app, ["eval", str(gold_file), "-m", str(tiny_model_dir), "--out", str(out),
                                 "--baseline", "bert"])
    assert result.exit_code == ExitCode.USAGE and "--baseline must be keyword or none" in result.stderr


@pytest.mark.slow
def test_keyword_baseline_on_written_hard_cases(tmp_path):
    """The keyword baseline as the evaluated system on the written gold cases (no model needed)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "training" / "data" / "written"
    files = sorted(root.glob("hard_cases_*.jsonl"))
    if not files:
        pytest.skip("no written hard cases")
    gold = tmp_path / "hard.jsonl"
    gold.write_bytes(b"".join(f.read_bytes() for f in files))
    result = feedback_nlp.evaluate(gold, "keyword", baseline=None, out=tmp_path / "out")
    assert result.audit.rows_skipped == 0
    assert result.model.slice("trap", "true").fpr_no_gold.value > 0.2  # the crude approach fires on traps
