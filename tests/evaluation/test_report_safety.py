"""Issue 12 on eval: a bad row never aborts it (item 2), its files are safe to open (item 7)."""

import csv
import json

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import ExitCode, app
from feedback_nlp.taxonomy import TAG_IDS

INJECTED_ID = '=HYPERLINK("http://evil","x")'
SCRIPT = "<script>alert(1)</script>"


def _gold(path):
    rows = [
        # every tag as gold: the tiny model misses some, so the row is surely in errors.csv
        {"id": INJECTED_ID, "text": "质量太差了，用了两天就坏了", "labels": list(TAG_IDS), "channel": SCRIPT},
        {"id": "+plus", "text": "=1+1 尺码偏大", "labels": ["size"], "channel": "review"},
        {"id": "-minus", "text": "@SUM(A1) 太甜了", "labels": ["taste"], "channel": "im", "context": "\t=cmd"},
        {"id": "n", "text": "虾太大了，好吃到停不下来", "labels": ["quality", "color"], "channel": "review"},
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(2, '{"id": "bad", "text": "\\udc80abc", "labels": []}')  # line 3: a lone surrogate
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cells(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [c for row in csv.reader(f) for c in row]


@pytest.fixture(scope="module")
def audit(tiny_model_dir, tmp_path_factory):
    """One ``feedback-nlp eval`` run over the hostile file: (exit code, output directory)."""
    tmp = tmp_path_factory.mktemp("hostile")
    out = tmp / "audit"
    result = CliRunner().invoke(app, ["eval", str(_gold(tmp / "g.jsonl")), "--model", str(tiny_model_dir),
                                      "--out", str(out), "--n-boot", "20", "--sample", "4", "--threads", "1"])
    return result, out


def test_lone_surrogate_row_is_skipped_not_fatal(audit):
    result, out = audit
    assert result.exit_code == ExitCode.ROW_ERRORS, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["audit"]["rows_read"] == 5 and data["audit"]["rows_valid"] == 4
    (skipped,) = data["skipped"]
    assert skipped["line"] == 3 and skipped["reason"].startswith("not Unicode:") and "U+DC80" in skipped["reason"]


def test_csv_cells_cannot_run_as_formulas(audit):
    _, out = audit
    for name in ("errors.csv", "sample.csv"):
        cells = _cells(out / name)
        dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert dangerous == [], (name, dangerous)
        assert "'" + INJECTED_ID in cells, name  # neutralised, not dropped
    assert "'@SUM(A1) 太甜了" in _cells(out / "sample.csv")
    assert "'\t=cmd" in _cells(out / "sample.csv")


def test_markdown_report_escapes_html(audit):
    _, out = audit
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md  # the slice value, shown as text
    html = (out / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in html


def test_report_files_never_overwrite_the_data_file(tiny_model_dir, tmp_path):
    data = _gold(tmp_path / "errors.csv")  # a labeled JSONL file that happens to be called errors.csv
    before = data.read_bytes()
    result = CliRunner().invoke(app, ["eval", str(data), "--model", str(tiny_model_dir), "--out", str(tmp_path),
                                      "--n-boot", "0"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "errors.csv" in result.output and "would destroy the input" in result.output
    assert data.read_bytes() == before
