"""``feedback-nlp appeal``: a thin wrapper over :func:`feedback_nlp.scoring.appeal.build_appeal`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import ModelOption

__all__ = ["appeal_cmd"]


def appeal_cmd(
    data: Annotated[Path, typer.Option("--data", help="Directory with orders, feedback[, after_sales, im_sessions] "
                                       "as .csv or .parquet (the input of `feedback-nlp score`).", file_okay=False)],
    shop: Annotated[str, typer.Option("--shop", help="The shop_id whose CCR is disputed.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The CCR's date (YYYY-MM-DD); data up to the day before counts.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory for appeal_<shop>.html/.csv/.json.",
                                      file_okay=False)],
    policy: Annotated[str, typer.Option("--policy", help="Policy name (seed004, seed002) or a .toml file.")] = "seed004",
    model: ModelOption = None,
    compare_with: Annotated[Optional[str], typer.Option(
        "--compare-with", metavar="NAME|DIR|none",
        help="Second model that double-checks each tag (default: the shipped 'accurate'; the page says so when it "
             "is not shipped). 'none' switches the comparison off.")] = "accurate",
) -> None:
    """Write one shop's appeal pack: every order behind its CCR with the evidence of each tag, doubtful orders
    first, and the CCR without them and under the keyword baseline (HTML that opens offline, CSV, JSON)."""
    from feedback_nlp.scoring.appeal import build_appeal, write_appeal

    with exit_on_error():
        pack = build_appeal(data, shop, as_of, policy, model=model, compare_with=compare_with)
        paths = write_appeal(pack, out)
    for note in [pack.second_note, *pack.notes]:
        typer.echo(f"note: {note}", err=True)
    pct = lambda x: "n/a" if x is None else f"{100 * x:.2f}%"  # noqa: E731
    typer.echo(f"shop {pack.shop_id}: CCR {pct(pack.ccr)} ({pack.ccr_neg_orders}/{pack.ccr_orders} orders), "
               f"{pack.doubtful_orders} doubtful -> without them {pct(pack.ccr_without_doubtful)}, keyword baseline "
               f"{pct(pack.ccr_keyword)} -> {paths['html']}", err=True)
