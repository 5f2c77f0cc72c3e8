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
from feedback_nlp.tagging.onnx_tagger import load_tagger

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
            exists = Path(candidate).is_file()
        except (OSError, ValueError):  # a long text is not a valid file name
            exists = False
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


def _binary(stream: Any) -> IO[bytes]:
    """The byte stream under a text stream (JSONL is UTF-8 whatever the terminal's encoding)."""
    return getattr(stream, "buffer", stream)


def _write_jsonl(stream: IO[bytes], record: dict[str, Any]) -> None:
    stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")


def run_tag(
    inputs: list[str],
    *,
    model: str | Path | None = None,
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

    Results go to ``output`` (``stdout`` when ``None``); malformed rows go to ``errors``,
    which defaults to ``<output stem>.errors.jsonl`` next to the output, or to ``stderr``
    when writing to stdout. ``explain`` adds ``evidence`` to each record (the spans that
    drive each emitted tag and its margin: :mod:`feedback_nlp.tagging.explain`). Raises :class:`InvalidInputError` for unusable arguments or
    input files and :class:`ModelDirectoryError` / :class:`UnknownTagError` for model
    problems; returns counts otherwise.
    """
    kind, path, fmt = _plan_source(inputs, input_format)
    if output is not None and path is not None and output.resolve() == path.resolve():
        raise InvalidInputError(f"--output {str(output)!r} is the input file; choose another path")
    if errors is None and output is not None:
        errors = default_errors_path(output)
    stderr = stderr if stderr is not None else sys.stderr

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
        rows: Iterator[Row | RowError] = (
            (Row(i, i, text) for i, text in enumerate(inputs, start=1)) if source is None else read_rows(source, fmt)
        )
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            out_stream: IO[bytes] = stack.enter_context(open(output, "wb"))
        else:
            out_stream = stdout if stdout is not None else _binary(sys.stdout)
        err_stream: IO[bytes] | None = None
        if errors is not None:
            errors.parent.mkdir(parents=True, exist_ok=True)
            err_stream = stack.enter_context(open(errors, "wb"))

        if show_progress is None:
            show_progress = kind == "file" and sys.stderr.isatty()
        tagged = n_errors = 0
        with _progress(size, show_progress) as advance:
            chunk: list[Row] = []

            def flush() -> None:
                nonlocal tagged
                if not chunk:
                    return
                contexts = [r.context for r in chunk] if pass_context else None
                results = tagger.tag([r.text for r in chunk], contexts)
                explanations = tagger.explain([r.text for r in chunk], contexts) if explain else [None] * len(chunk)
                for row, result, explanation in zip(chunk, results, explanations):
                    _write_jsonl(out_stream, _row_record(row, result, explanation))
                tagged += len(chunk)
                chunk.clear()
                out_stream.flush()
                if source is not None and kind == "file":
                    advance(source.tell())

            for item in rows:
                if isinstance(item, RowError):
                    n_errors += 1
                    if err_stream is not None:
                        _write_jsonl(err_stream, item.to_dict())
                    else:
                        stderr.write(f"line {item.line}: {item.reason}\n")
                    continue
                chunk.append(item)
                if len(chunk) >= _CHUNK_ROWS:
                    flush()
            flush()

    return TagSummary(tagged + n_errors, tagged, n_errors, output=output, errors_path=errors)
