"""``feedback-nlp review-queue``: a thin wrapper over :func:`feedback_nlp.tagging.review_queue.run_review_queue`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import ModelOption
from feedback_nlp.cli.tag import InputFormatOption

__all__ = ["review_queue_cmd"]


def review_queue_cmd(
    input: Annotated[Path, typer.Argument(help="Feedback to choose from: .txt (a text per line), .jsonl (field text; "
                                          "optional id, context) or .csv (column text).", dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL of annotation records to fill in (labels: null).",
                                      dir_okay=False)],
    budget: Annotated[int, typer.Option("--budget", min=1, help="How many texts to select.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of ties and of the random share: same seed, same file.")] = 0,
    random_share: Annotated[float, typer.Option("--random-share", min=0.0, max=1.0,
                                                help="Share of the budget drawn uniformly at random.")] = 0.1,
    input_format: Annotated[InputFormatOption, typer.Option("--format", "-f", help="Input format; auto uses the "
                                                            "file suffix.")] = InputFormatOption.auto,
    model: ModelOption = None,
    compare_with: Annotated[Optional[str], typer.Option(
        "--compare-with", metavar="NAME|DIR|none",
        help="Second model whose disagreements are worth a label (default: the shipped 'accurate', when shipped). "
             "'none' switches it off.")] = "accurate",
) -> None:
    """Pick the texts most worth a human label: near a threshold, where two models disagree, rare tags (plus a random
    share); deduplicated; written as annotation records with source 'review-queue'.

    Ends with 'read N, errors E, ... selected K' on stderr. Exit code 1 when E > 0 malformed rows.
    """
    from feedback_nlp.tagging.review_queue import run_review_queue

    with exit_on_error():
        summary = run_review_queue(input, out, model=model, compare_with=compare_with, budget=budget, seed=seed,
                                   random_share=random_share, input_format=input_format.value)
    typer.echo(f"note: {summary.second_note}", err=True)
    errs = f" (see {summary.errors_path})" if summary.errors_path else ""
    typer.echo(f"{summary.line()} -> {summary.output}{errs}", err=True)
    raise typer.Exit(summary.exit_code)
