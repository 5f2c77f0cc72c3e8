"""Issue 12, items 1-3 on the tag job: no input destroyed, no row lost, no directory tagged as text."""

import json
import os

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import ExitCode, app, run_tag
from feedback_nlp.errors import InvalidInputError

runner = CliRunner()
SURROGATE_LINE = '{"id": "bad", "text": "\\udc80abc"}'  # a valid JSON escape, not valid Unicode


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def in_jsonl(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"物流太慢了{i}"}, ensure_ascii=False) + "\n" for i in range(5)),
                    encoding="utf-8")
    return path


# ------------------------------------------------------------ item 1: outputs never destroy an input


@pytest.mark.parametrize("flag", ["--errors", "--output"])
def test_output_that_is_the_input_is_refused_and_the_input_kept(tiny_model_dir, in_jsonl, tmp_path, flag):
    before = in_jsonl.read_bytes()
    other = "--output" if flag == "--errors" else "--errors"
    result = invoke("tag", in_jsonl, flag, in_jsonl, other, tmp_path / "other.jsonl", "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"{flag} " in result.stderr and "is the input file" in result.stderr
    assert in_jsonl.read_bytes() == before


def test_output_and_errors_on_one_file_are_refused(tiny_model_dir, in_jsonl, tmp_path):
    same = tmp_path / "x.jsonl"
    result = invoke("tag", in_jsonl, "-o", same, "--errors", same, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.USAGE
    assert "--errors" in result.stderr and "--output" in result.stderr
    assert not same.exists()


def test_default_errors_path_that_is_the_input_is_refused(tiny_model_dir, tmp_path):
    src = tmp_path / "tags.errors.jsonl"  # the default errors file of -o tags.jsonl
    src.write_text('{"text": "太甜了"}\n', encoding="utf-8")
    result = invoke("tag", src, "-o", tmp_path / "tags.jsonl", "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.USAGE
    assert src.read_text(encoding="utf-8") == '{"text": "太甜了"}\n'


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "dotdot"])
def test_links_to_the_input_are_resolved(tiny_model_dir, in_jsonl, tmp_path, kind):
    before = in_jsonl.read_bytes()
    if kind == "symlink":
        alias = tmp_path / "alias.jsonl"
        alias.symlink_to(in_jsonl)
    elif kind == "hardlink":
        alias = tmp_path / "hard.jsonl"
        os.link(in_jsonl, alias)
    else:
        (tmp_path / "sub").mkdir()
        alias = tmp_path / "sub" / ".." / "in.jsonl"
    with pytest.raises(InvalidInputError, match="would destroy the input"):
        run_tag([str(in_jsonl)], model=tiny_model_dir, output=alias)
    assert in_jsonl.read_bytes() == before


def test_interrupted_run_keeps_the_previous_output(tiny_model_dir, in_jsonl, tmp_path, monkeypatch):
    out = tmp_path / "tags.jsonl"
    run_tag([str(in_jsonl)], model=tiny_model_dir, output=out)
    good = out.read_bytes()
    import feedback_nlp.tagging.tag_job as tag_job

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tag_job, "_row_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_tag([str(in_jsonl)], model=tiny_model_dir, output=out)
    assert out.read_bytes() == good  # the good file is still there, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "tags.errors.jsonl", "tags.jsonl"]  # no temp left


def test_output_file_permissions_are_those_of_a_plain_open(tiny_model_dir, in_jsonl, tmp_path):
    out = tmp_path / "tags.jsonl"
    run_tag([str(in_jsonl)], model=tiny_model_dir, output=out)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# ------------------------------------------------------------ item 2: one bad row never aborts the run


def test_lone_surrogate_row_is_an_error_and_every_other_row_is_tagged(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": f"太甜了{i}"}) for i in range(700)]
    lines.insert(600, SURROGATE_LINE)  # line 601, past the first 512-row chunk
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    result = invoke("tag", src, "-o", out, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.ROW_ERRORS, result.output
    assert "read 701, tagged 700, errors 1" in result.stderr
    assert [r["id"] for r in jsonl(out)] == list(range(700))
    (error,) = jsonl(tmp_path / "tags.errors.jsonl")
    assert error["line"] == 601 and "lone surrogate U+DC80 at character 0" in error["reason"]


@pytest.mark.parametrize("field", ["context", "id"])
def test_lone_surrogate_in_context_or_id_is_a_row_error(tiny_model_dir, tmp_path, field):
    src = tmp_path / "in.jsonl"
    bad = '{"text": "太甜了", "%s": "x\\ud800"}' % field
    src.write_text('{"text": "好"}\n' + bad + "\n", encoding="utf-8")
    summary = run_tag([str(src)], model=tiny_model_dir, output=tmp_path / "o.jsonl")
    assert (summary.read, summary.tagged, summary.errors) == (2, 1, 1)
    assert f"field '{field}'" in jsonl(tmp_path / "o.errors.jsonl")[0]["reason"]


def test_undecodable_argument_is_a_row_error(tiny_model_dir, tmp_path):
    # bytes that are not UTF-8 reach sys.argv as lone surrogates (surrogateescape)
    summary = run_tag(["ok", b"bad\xff".decode("utf-8", "surrogateescape")], model=tiny_model_dir,
                      output=tmp_path / "o.jsonl")
    assert (summary.read, summary.tagged, summary.errors) == (2, 1, 1)
    (error,) = jsonl(tmp_path / "o.errors.jsonl")
    assert error["line"] == 2 and error["raw"] == "bad\\udcff"


def test_a_refused_chunk_is_retagged_row_by_row(tiny_model_dir, tmp_path, monkeypatch):
    """Whatever the tagger refuses, only the refused rows become errors."""
    from feedback_nlp.tagging.onnx_tagger import OnnxTagger

    real = OnnxTagger.tag

    def picky(self, texts, contexts=None):
        if any("坏" in t for t in texts):
            raise InvalidInputError("texts[0] refused")
        return real(self, texts, contexts)

    monkeypatch.setattr(OnnxTagger, "tag", picky)
    summary = run_tag(["好", "坏", "好吃"], model=tiny_model_dir, output=tmp_path / "o.jsonl")
    assert (summary.read, summary.tagged, summary.errors) == (3, 2, 1)
    assert [r["id"] for r in jsonl(tmp_path / "o.jsonl")] == [1, 3]
    assert jsonl(tmp_path / "o.errors.jsonl")[0] == {"line": 2, "reason": "text refused", "raw": "坏"}


# ------------------------------------------------------------ item 3: a directory is not a text


@pytest.mark.parametrize("name", ["adir", "data.jsonl"])
def test_directory_as_input_is_a_usage_error(tiny_model_dir, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir()
    result = invoke("tag", name, "-m", tiny_model_dir)
    assert result.exit_code == ExitCode.USAGE
    assert "is a directory" in result.stderr and result.stdout == ""
