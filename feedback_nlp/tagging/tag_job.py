"""A tag run: texts, a ``.txt`` / ``.jsonl`` / ``.csv`` file or stdin → JSONL results and error rows.

What ``feedback-nlp tag`` does, as a plain function (:func:`run_tag`) that services and
tests call directly. Every row is accounted for: ``read == tagged + errors``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.rows import Row, RowError, format_from_suffix, read_rows
from feedback_nlp.safe_output import atomic_output, check_distinct_paths
from feedback_nlp.tagging.onnx_tagger import OnnxTagger, TagResult, load_tagger
from feedback_nlp.text_validity import unencodable

__all__ = ["TagSummary", "run_tag", "default_errors_path"]

_CHUNK_ROWS = 512  # rows tagged per call; output is written after each chunk
_SCORE_DIGITS = 4


@dataclass(frozen=True)
class TagSummary:
    """Counts of one ``tag`` run: ``read == tagged + errors``."""

    read: int
    tagged: int
    errors: int
    output: Path | None = None
    errors_path: Path | None = None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROW_ERRORS if self.errors else ExitCode.OK

    def line(self) -> str:
        return f"read {self.read}, tagged {self.tagged}, errors {self.errors}"


def default_errors_path(output: Path) -> Path:
    """``out/tags.jsonl`` -> ``out/tags.errors.jsonl``."""
    return output.with_name(f"{output.stem}.errors.jsonl")


# ---------------------------------------------------------------------- tag


def _plan_source(inputs: list[str], fmt: str) -> tuple[str, Path | None, str]:
    """(kind, file path, format): kind is "texts", "stdin" or "file"."""
    if not inputs:
        raise InvalidInputError("nothing to tag: give texts, a .txt/.jsonl/.csv file, or - to read stdin")
    if inputs == ["-"]:
        return "stdin", None, "txt" if fmt == "auto" else fmt
    if len(inputs) == 1:
        candidate = inputs[0]
        by_suffix = format_from_suffix(candidate)
        try:
            exists, is_dir = Path(candidate).is_file(), Path(candidate).is_dir()
        except (OSError, ValueError):  # a long text is not a valid file name
            exists = is_dir = False
        if is_dir:
            raise InvalidInputError(
                f"{candidate!r} is a directory; give a .txt/.jsonl/.csv file, or quote a text that is not a path"
            )
        if by_suffix is not None or exists:
            if not exists:
                raise InvalidInputError(f"input file {candidate!r} does not exist")
            chosen = by_suffix if fmt == "auto" else fmt
            if chosen is None:
                raise InvalidInputError(
                    f"cannot tell the format of {candidate!r} from its name; pass --format txt, jsonl or csv"
                )
            return "file", Path(candidate), chosen
    if fmt != "auto":
        raise InvalidInputError("--format applies to a file or stdin, not to texts given as arguments")
    return "texts", None, "txt"


@contextmanager
def _progress(total: int | None, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (bytes of the input), or a no-op."""
    if not enabled or not total:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("tagging"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:
        task = progress.add_task("tag", total=total)
        yield lambda done: progress.update(task, completed=done)


def _row_record(row: Row, result: Any, explanation: Any = None) -> dict[str, Any]:
    record = {
        "id": row.id,
        "text": row.text,
        "tags": result.tags,
        "scores": {label: round(score, _SCORE_DIGITS) for label, score in result.scores.items()},
        "status": result.status,
    }
    if explanation is not None:
        record["evidence"] = explanation.to_dict()
    return record


def _argument_rows(texts: list[str]) -> Iterator[Row | RowError]:
    """Texts given as arguments; bytes that are not UTF-8 reach ``sys.argv`` as lone surrogates."""
    for i, text in enumerate(texts, start=1):
        problem = unencodable(text)
        if problem is None:
            yield Row(i, i, text)
        else:
            yield RowError(i, f"argument is not valid Unicode text: it holds {problem}", _raw(text))


def _tag_chunk(tagger: OnnxTagger, chunk: list[Row], pass_context: bool) -> list[tuple[Row, TagResult | RowError]]:
    """Tag a chunk; when the tagger refuses it, tag row by row so only the bad rows become errors."""
    if not chunk:
        return []
    texts = [r.text for r in chunk]
    contexts = [r.context for r in chunk] if pass_context else None
    try:
        return list(zip(chunk, tagger.tag(texts, contexts)))
    except InvalidInputError:
        pass
    out: list[tuple[Row, TagResult | RowError]] = []
    for row in chunk:
        try:
            out.append((row, tagger.tag([row.text], [row.context] if pass_context else None)[0]))
        except InvalidInputError as e:
            out.append((row, RowError(row.line, str(e).replace("texts[0]", "text").replace("contexts[0]", "context"),
                                      _raw(row.text))))
    return out


def _raw(text: str | None) -> str:
    return (text or "").encode("utf-8", errors="backslashreplace").decode("utf-8")[:200]


def _binary(stream: Any) -> IO[bytes]:
    """The byte stream under a text stream (JSONL is UTF-8 whatever the terminal's encoding)."""
    return getattr(stream, "buffer", stream)


def _write_jsonl(stream: IO[bytes], record: dict[str, Any]) -> None:
    stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")


def run_tag(
    inputs: list[str],
    *,
    model: str | Path | OnnxTagger | None = None,
    output: Path | None = None,
    errors: Path | None = None,
    input_format: str = "auto",
    batch_size: int = 64,
    threads: int | None = None,
    show_progress: bool | None = None,
    explain: bool = False,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    stderr: IO[str] | None = None,
) -> TagSummary:
    """Tag texts, a file or stdin; write JSONL results and the malformed rows.

    ``model`` is a shipped model's name, a model directory, or an already loaded
    :class:`OnnxTagger` (then ``batch_size`` and ``threads`` are its own).

    Results go to ``output`` (``stdout`` when ``None``); malformed rows go to ``errors``,
    which defaults to ``<output stem>.errors.jsonl`` next to the output, or to ``stderr``
    when writing to stdout. ``explain`` adds ``evidence`` to each record (the spans that
    drive each emitted tag and its margin: :mod:`feedback_nlp.tagging.explain`). Output files are written to a
    temporary file and renamed at the end. Raises :class:`InvalidInputError` for unusable arguments, input files and
    outputs that would overwrite an input or each other, and :class:`ModelDirectoryError` / :class:`UnknownTagError` for model
    problems; returns counts otherwise.
    """
    kind, path, fmt = _plan_source(inputs, input_format)
    if errors is None and output is not None:
        errors = default_errors_path(output)
    check_distinct_paths({"input file": path}, {"--output": output, "--errors": errors})
    stderr = stderr if stderr is not None else sys.stderr

    if isinstance(model, OnnxTagger):  # a service keeps one loaded tagger for many runs
        tagger = model
    else:
        tagger = load_tagger(model, intra_op_threads=threads, batch_size=batch_size)
    pass_context = tagger.use_context

    with contextlib.ExitStack() as stack:
        if kind == "file":
            assert path is not None
            source: IO[bytes] = stack.enter_context(open(path, "rb"))
            size = path.stat().st_size
        elif kind == "stdin":
            source = stdin if stdin is not None else _binary(sys.stdin)
            size = None
        else:
            source = None  # type: ignore[assignment]
            size = None
        rows: Iterator[Row | RowError] = _argument_rows(inputs) if source is None else read_rows(source, fmt)
        # files appear under their names only when the run completes (an interrupted run keeps old ones)
        if output is not None:
            out_stream: IO[bytes] = stack.enter_context(atomic_output(output))
        else:
            out_stream = stdout if stdout is not None else _binary(sys.stdout)
        err_stream: IO[bytes] | None = None
        if errors is not None:
            err_stream = stack.enter_context(atomic_output(errors))

        if show_progress is None:
            show_progress = kind == "file" and sys.stderr.isatty()
        tagged = n_errors = 0
        with _progress(size, show_progress) as advance:
            chunk: list[Row] = []

            def report(error: RowError) -> None:
                nonlocal n_errors
                n_errors += 1
                if err_stream is not None:
                    _write_jsonl(err_stream, error.to_dict())
                else:
                    stderr.write(f"line {error.line}: {error.reason}\n")

            def flush() -> None:
                nonlocal tagged
                tagged_rows = _tag_chunk(tagger, chunk, pass_context)
                ok = [(row, result) for row, result in tagged_rows if not isinstance(result, RowError)]
                explanations = (tagger.explain([r.text for r, _ in ok], [r.context for r, _ in ok] if pass_context else None)
                                if explain and ok else [None] * len(ok))
                evidence = {id(row): e for (row, _), e in zip(ok, explanations)}
                for row, result in tagged_rows:
                    if isinstance(result, RowError):
                        report(result)
                    else:
                        _write_jsonl(out_stream, _row_record(row, result, evidence[id(row)]))
                        tagged += 1
                chunk.clear()
                out_stream.flush()
                if source is not None and kind == "file":
                    advance(source.tell())

            for item in rows:
                if isinstance(item, RowError):
                    report(item)
                    continue
                chunk.append(item)
                if len(chunk) >= _CHUNK_ROWS:
                    flush()
            flush()

    return TagSummary(tagged + n_errors, tagged, n_errors, output=output, errors_path=errors)
