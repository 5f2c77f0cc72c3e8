"""``feedback-nlp eval``: a thin wrapper over :func:`feedback_nlp.evaluation.evaluate`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import ModelOption
from feedback_nlp.errors import InvalidInputError
from feedback_nlp.evaluation import evaluate
from feedback_nlp.evaluation.summary import summary_lines
from feedback_nlp.exit_codes import ExitCode

__all__ = ["run_eval", "eval_cmd"]


def run_eval(
    data: Path,
    *,
    model: str | Path | None = None,
    baseline: str = "keyword",
    out: Path,
    sample: int = 50,
    n_boot: int = 1000,
    seed: int = 0,
    bins: int = 10,
    batch_size: int = 64,
    threads: int | None = None,
    command: str | None = None,
) -> Any:
    """Evaluate a model (and the keyword baseline) on labeled JSONL; write the reports into ``out``.

    Returns the :class:`~feedback_nlp.evaluation.EvaluationResult`. Raises :class:`InvalidInputError`
    for an unreadable data file or one with no valid row, :class:`ModelDirectoryError`
    for a bad model directory.
    """
    if baseline not in ("keyword", "none"):
        raise InvalidInputError(f"--baseline must be keyword or none, got {baseline!r}")
    return evaluate(
        data, model, baseline=baseline, n_boot=n_boot, seed=seed, sample=sample, n_bins=bins, out=out,
        batch_size=batch_size, threads=threads, command=command,
    )


def eval_cmd(
    data: Annotated[Path, typer.Argument(
        help="Labeled JSONL: id, text, labels (tag ids, [] for none), optional context; other fields "
             "(kind, channel, domain, ...) become slices.", dir_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Directory for report.json, report.md, report.html, "
                                                    "errors.csv, sample.csv.", file_okay=False)],
    model: ModelOption = None,
    baseline: Annotated[str, typer.Option("--baseline", help="Compare with: keyword or none.")] = "keyword",
    sample: Annotated[int, typer.Option("--sample", min=0, help="Texts drawn (stratified) for human re-check.")] = 50,
    n_boot: Annotated[int, typer.Option("--n-boot", min=0, help="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap and the sample.")] = 0,
    bins: Annotated[int, typer.Option("--bins", min=1, help="Reliability-diagram bins.")] = 10,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per forward pass.")] = 64,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="ONNX Runtime threads.")] = None,
) -> None:
    """Measure a model on labeled data: precision/recall/F1 with 95% CIs, keyword baseline, calibration, errors.

    Exit codes: 0 ok; 1 reports written, some rows skipped (listed in the report); 2 bad input; 3 model error.
    """
    with exit_on_error():
        result = run_eval(
            data, model=model, baseline=baseline, out=out, sample=sample, n_boot=n_boot, seed=seed, bins=bins,
            batch_size=batch_size, threads=threads, command=shlex.join(["feedback-nlp", *sys.argv[1:]]),
        )
    for line in summary_lines(result):
        typer.echo(line)
    typer.echo(f"reports -> {out}/report.html, report.md, report.json, errors.csv")
    skipped = result.audit.rows_skipped
    if skipped:
        typer.echo(f"{skipped} row(s) skipped; see the 'Skipped rows' section of the report", err=True)
        raise typer.Exit(ExitCode.ROW_ERRORS)
