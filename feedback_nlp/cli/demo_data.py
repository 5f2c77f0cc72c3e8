"""``feedback-nlp demo-data``: a thin wrapper over :func:`feedback_nlp.scoring.demo_data.generate_demo_data`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.errors import InvalidInputError

__all__ = ["demo_data_cmd"]


def demo_data_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the demo tables to.", file_okay=False)],
    orders: Annotated[int, typer.Option("--orders", min=100, help="Number of orders (feedback, after-sales, chats in proportion).")] = 20000,
    end: Annotated[str, typer.Option("--end", help="Export day: every timestamp lies before it (use it as --as-of).")] = "2024-06-30",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    with_tags: Annotated[bool, typer.Option("--with-tags", help="Write the gold tags column (else the tagger computes tags).")] = False,
) -> None:
    """Generate realistic demo shops, orders, logistics, after-sales, chats and feedback texts."""
    from feedback_nlp.scoring.demo_data import generate_demo_data

    with exit_on_error():
        try:
            paths = generate_demo_data(out, orders, end=end, seed=seed, fmt=fmt, with_tags=with_tags)
        except ValueError as e:
            raise InvalidInputError(str(e)) from None
    typer.echo("wrote " + ", ".join(str(p) for p in paths.values()), err=True)
