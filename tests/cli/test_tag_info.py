import json

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import ExitCode, app, run_info, run_tag
from feedback_nlp.errors import InvalidInputError, ModelDirectoryError
from feedback_nlp.taxonomy import TAG_IDS

runner = CliRunner()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def invoke(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def bad_jsonl(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "a", "text": "质量太差了，用了两天就坏了"}\n'
        '{"id": "b", "text": "物流太慢了"\n'  # line 2: bad JSON
        '\n'
        '{"id": "c"}\n'  # line 4: no text
        '{"id": "d", "text": 42}\n'  # line 5: not a string
        '{"text": "   "}\n'  # line 6: blank text -> empty, not an error
        '{"id": "f", "text": "包装破损，瓶子都漏了", "context": "洗发水"}\n',
        encoding="utf-8",
    )
    return path


def test_no_args_shows_help():
    result = invoke()
    assert "Usage" in result.output and "tag" in result.output and "info" in result.output


def test_texts_as_arguments(tiny_model_dir):
    result = invoke("tag", "太甜了", "", "物流太慢了", "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.OK, result.output
    records = jsonl(result.stdout)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert [r["status"] for r in records] == ["ok", "empty", "ok"]
    assert set(records[0]) == {"id", "text", "tags", "scores", "status"}
    assert list(records[0]["scores"]) == list(TAG_IDS)
    assert "read 3, tagged 3, errors 0" in result.stderr


def test_jsonl_file_with_errors(tiny_model_dir, bad_jsonl, tmp_path):
    out = tmp_path / "out" / "tags.jsonl"
    result = invoke("tag", bad_jsonl, "--output", out, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.ROW_ERRORS, result.output
    assert result.stdout == ""
    records = jsonl(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == ["a", 6, "f"]
    assert [r["status"] for r in records] == ["ok", "empty", "ok"]
    errors = jsonl((tmp_path / "out" / "tags.errors.jsonl").read_text(encoding="utf-8"))
    assert [(e["line"], e["reason"]) for e in errors] == [
        (2, errors[0]["reason"]),
        (4, "missing field 'text'"),
        (5, "field 'text' is number, expected a string"),
    ]
    assert errors[0]["reason"].startswith("invalid JSON") and errors[0]["raw"].startswith('{"id": "b"')
    assert "read 6, tagged 3, errors 3" in result.stderr  # N = M + E; blank lines are not rows
    assert "tags.errors.jsonl" in result.stderr


def test_explicit_errors_path_and_clean_run(tiny_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("太甜了\n\n物流太慢了\n", encoding="utf-8")
    out, err = tmp_path / "o.jsonl", tmp_path / "e.jsonl"
    result = invoke("tag", src, "-o", out, "--errors", err, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.OK
    assert [r["id"] for r in jsonl(out.read_text())] == [1, 3]  # txt ids are line numbers
    assert err.read_text() == ""
    assert "read 2, tagged 2, errors 0" in result.stderr


def test_csv_file(tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,text,context\nx1,太甜了,巧克力\nx2,"物流,太慢了",\nx3,too,many,fields\n', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = invoke("tag", src, "-o", out, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.ROW_ERRORS
    assert [(r["id"], r["text"]) for r in jsonl(out.read_text())] == [("x1", "太甜了"), ("x2", "物流,太慢了")]
    (error,) = jsonl((tmp_path / "o.errors.jsonl").read_text())
    assert error["line"] == 4 and "4 fields" in error["reason"]
    assert "read 3, tagged 2, errors 1" in result.stderr


def test_stdin_txt_and_jsonl(tiny_model_dir):
    result = invoke("tag", "-", "-m", tiny_model_dir, input="太甜了\n物流太慢了\n")
    assert result.exit_code == ExitCode.OK
    assert [r["text"] for r in jsonl(result.stdout)] == ["太甜了", "物流太慢了"]
    result = invoke("tag", "-", "--format", "jsonl", "-m", tiny_model_dir, input='{"text": "太甜了"}\nnot json\n')
    assert result.exit_code == ExitCode.ROW_ERRORS
    assert [r["text"] for r in jsonl(result.stdout)] == ["太甜了"]
    assert "line 2: invalid JSON" in result.stderr  # no --output: errors go to stderr
    assert "read 2, tagged 1, errors 1" in result.stderr


def test_usage_errors_exit_2(tiny_model_dir, tmp_path):
    assert invoke("tag", "-m", tiny_model_dir).exit_code == ExitCode.USAGE  # nothing to tag
    missing = invoke("tag", tmp_path / "missing.jsonl", "-m", tiny_model_dir)
    assert missing.exit_code == ExitCode.USAGE and "does not exist" in missing.stderr
    no_text = tmp_path / "in.csv"
    no_text.write_text("id,comment\n1,x\n")
    result = invoke("tag", no_text, "-o", tmp_path / "o.jsonl", "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.USAGE and "no 'text' column" in result.stderr
    assert invoke("tag", "太甜了", "--format", "csv", "-m", tiny_model_dir).exit_code == ExitCode.USAGE
    assert invoke("tag", "太甜了", "--batch-size", "0", "-m", tiny_model_dir).exit_code == ExitCode.USAGE
    same = tmp_path / "same.txt"
    same.write_text("x\n")
    assert invoke("tag", same, "-o", same, "-m", tiny_model_dir).exit_code == ExitCode.USAGE
    assert same.read_text() == "x\n"


def test_model_errors_exit_3(model_copy, tmp_path, monkeypatch):
    (model_copy / "model.onnx").write_bytes(b"tampered")
    result = invoke("tag", "太甜了", "-m", model_copy)
    assert result.exit_code == ExitCode.MODEL and "sha256" in result.stderr
    assert invoke("info", "-m", model_copy).exit_code == ExitCode.MODEL
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", str(tmp_path / "nowhere"))
    result = invoke("tag", "太甜了")
    assert result.exit_code == ExitCode.MODEL and "FEEDBACK_NLP_MODEL" in result.stderr


def test_info(tiny_model_dir):
    result = invoke("info", "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.OK, result.output
    assert "售后" in result.stdout and "after_sales" in result.stdout and "0.500" in result.stdout
    data = json.loads(invoke("info", "-m", tiny_model_dir, "--json").stdout)
    assert [x["tag"] for x in data["labels"]] == list(TAG_IDS)
    assert data["labels"][0] == {"tag": "quality", "name_zh": "质量", "dimension": "product", "threshold": 0.5}
    assert len(data["onnx_sha256"]) == 64 and "onnxruntime" in data["versions"]


def test_plain_functions(tiny_model_dir, bad_jsonl, tmp_path):
    summary = run_tag([str(bad_jsonl)], model=tiny_model_dir, output=tmp_path / "o.jsonl", show_progress=True)
    assert (summary.read, summary.tagged, summary.errors) == (6, 3, 3)
    assert summary.exit_code == ExitCode.ROW_ERRORS and summary.line() == "read 6, tagged 3, errors 3"
    assert run_info(tiny_model_dir)["labels"][9]["name_zh"] == "物流"
    with pytest.raises(InvalidInputError):
        run_tag([], model=tiny_model_dir)
    with pytest.raises(ModelDirectoryError):
        run_info(tmp_path / "nowhere")


def test_many_rows_cross_chunks(tiny_model_dir, tmp_path):
    src = tmp_path / "many.txt"
    src.write_text("\n".join(f"第{i}条：物流太慢了" for i in range(1200)) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = invoke("tag", src, "-o", out, "-m", tiny_model_dir, "--batch-size", "128", "--threads", "1")
    assert result.exit_code == ExitCode.OK
    assert [r["id"] for r in jsonl(out.read_text())] == list(range(1, 1201))
    assert "read 1200, tagged 1200, errors 0" in result.stderr
