"""``feedback-nlp tag``: a thin wrapper over :func:`feedback_nlp.tagging.tag_job.run_tag`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import Engine, EngineOption, MasterOption, ModelOption
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.tagging.tag_job import run_tag

__all__ = ["tag_cmd"]


class InputFormatOption(str, Enum):
    auto = "auto"
    txt = "txt"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"  # --engine spark only


def tag_cmd(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        help="Texts to tag; or ONE .txt (a text per line), .jsonl (field text; optional id, context) or .csv "
             "(column text; optional id, context) file; or - to read stdin.",
        show_default=False,
    )] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write JSONL results here instead of stdout (--engine spark: a Parquet dataset, required).")] = None,
    errors: Annotated[Optional[Path], typer.Option(
        "--errors", help="Write malformed rows (line, reason, raw) here. Default: OUTPUT-stem.errors.jsonl next to "
                         "--output, or stderr when writing to stdout.", dir_okay=False)] = None,
    input_format: Annotated[InputFormatOption, typer.Option(
        "--format", "-f", help="Input format; auto uses the file suffix, and txt for stdin. parquet: --engine spark only.")] = InputFormatOption.auto,
    model: ModelOption = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per forward pass.")] = 64,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", min=1, help="ONNX Runtime threads (default: one per physical core; --engine spark: 1 per task).")] = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Add 'evidence' to each row: for every emitted tag, the words that drive it (character "
                          "offsets, weight) and the margin to its threshold. One extra forward pass per text.")] = False,
    engine: EngineOption = Engine.local,
    master: MasterOption = None,
) -> None:
    """Tag feedback; write one JSON line per row: id, text, tags, scores, status.

    Ends with 'read N, tagged M, errors E' on stderr. Exit code 1 when E > 0.
    With --engine spark: INPUT is one file or directory Spark reads (.jsonl, .txt, .csv, .parquet),
    -o a Parquet dataset (id, text, context, tags, scores, status), --errors the errors dataset.
    """
    if engine is Engine.spark:
        _tag_on_spark(inputs or [], output, errors, input_format.value, model, batch_size, threads, master)
    with exit_on_error():
        summary = run_tag(
            inputs or [], model=model, output=output, errors=errors, input_format=input_format.value,
            batch_size=batch_size, threads=threads, explain=explain,
        )
    where = f" -> {summary.output}" if summary.output else ""
    errs = f" (see {summary.errors_path})" if summary.errors and summary.errors_path else ""
    typer.echo(summary.line() + where + errs, err=True)
    raise typer.Exit(summary.exit_code)


def _tag_on_spark(inputs: list[str], output: Optional[Path], errors: Optional[Path], fmt: str, model: Optional[str],
                  batch_size: int, threads: Optional[int], master: Optional[str]) -> None:
    if len(inputs) != 1 or output is None:
        typer.echo("usage error: --engine spark tags ONE input file or directory into -o OUTPUT (a Parquet dataset)", err=True)
        raise typer.Exit(ExitCode.USAGE)
    with exit_on_error():
        from feedback_nlp.spark.session import require_pyspark

        require_pyspark()
        from feedback_nlp.spark.tag_job import run_tag_spark

        summary = run_tag_spark(inputs[0], str(output), errors=None if errors is None else str(errors), model=model,
                                input_format=fmt, master=master, batch_size=batch_size, threads=threads or 1)
    typer.echo(f"{summary.line()} -> {summary.output} (errors: {summary.errors_path})", err=True)
    raise typer.Exit(summary.exit_code)
