"""``feedback-nlp score``: a thin wrapper over :func:`feedback_nlp.scoring.score.score` (and what-if)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import Engine, EngineOption, MasterOption, ModelOption
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.scoring.feedback_tagger import LazyTagger

__all__ = ["score_cmd"]


def score_cmd(
    data: Annotated[Path, typer.Option("--data", help="Directory with orders, feedback[, after_sales, im_sessions] as .csv or .parquet.",
                                       file_okay=False)],
    as_of: Annotated[str, typer.Option("--as-of", help="Score as of this day (YYYY-MM-DD); data up to the day before counts.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory for shop_scores.csv/.json and reports/.", file_okay=False)],
    policy: Annotated[str, typer.Option("--policy", help="Policy name (seed004, seed002) or path to a .toml file.")] = "seed004",
    tagger: Annotated[str, typer.Option("--tagger", help="Tagger used when feedback has no tags: model or keyword.")] = "model",
    model: ModelOption = None,
    reports: Annotated[bool, typer.Option("--reports/--no-reports", help="Write one HTML report per shop.")] = True,
    memory_limit: Annotated[Optional[str], typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 4GB.")] = None,
    tag_cache: Annotated[Optional[Path], typer.Option("--tag-cache", dir_okay=False,
                                                      help="Tag cache file (Parquet), reused by the next run with the same "
                                                           "model. Default: OUT/tag_cache.parquet.")] = None,
    flagship: Annotated[bool, typer.Option("--flagship/--no-flagship", help="Also run the flagship-store assessment (seed 002) "
                                           "for the flagship shops of the shops table (shops.csv/.parquet: shop_id, shop_type, "
                                           "opened_at, first_assessed_at): every month end from the first assessment to --as-of "
                                           "-> flagship.csv and a section in each report.")] = False,
    what_if: Annotated[bool, typer.Option("--what-if/--no-what-if", help="Also score with the keyword baseline's tags "
                                          "and write whatif.csv: per shop, how much CCR and the experience score move "
                                          "(B = keyword minus A = model).")] = False,
    exclude_misordered: Annotated[bool, typer.Option(
        "--exclude-misordered", help="Rows whose timestamps are in an impossible order (pickup before payment, "
        "signature before pickup, agreement before request, reply before the chat, feedback before payment) are "
        "excluded as abnormal and counted in shop_scores.json and the reports. Default: stop with exit code 2 "
        "listing them.")] = False,
    engine: EngineOption = Engine.local,
    master: MasterOption = None,
) -> None:
    """Score shops: CCR and experience score per shop -> shop_scores.csv, shop_scores.json, reports/."""
    from feedback_nlp.scoring.score import score
    from feedback_nlp.scoring.whatif import whatif, write_whatif

    if tagger not in ("model", "keyword"):
        typer.echo(f"usage error: --tagger must be model or keyword, got {tagger!r}", err=True)
        raise typer.Exit(ExitCode.USAGE)
    if engine is Engine.spark and what_if:
        typer.echo("usage error: --what-if runs on --engine local only", err=True)
        raise typer.Exit(ExitCode.USAGE)
    if engine is Engine.spark:
        with exit_on_error():
            from feedback_nlp.spark.session import require_pyspark

            require_pyspark()
            from feedback_nlp.spark.scoring import score_spark

            score = partial(score_spark, master=master)  # the same metric SQL, run on Spark
    with exit_on_error():
        order = "exclude" if exclude_misordered else "error"
        result = score(data, as_of, policy, out, tagger=LazyTagger(tagger, model), reports=reports, flagship=flagship,
                       tag_cache=tag_cache, memory_limit=memory_limit, timestamp_order=order)
        if what_if:
            table = whatif(data, as_of, policy, tagger=LazyTagger("model", model), timestamp_order=order)
            typer.echo(write_whatif(table, out / "whatif.csv"), err=True)
    if result.inputs.tagging is not None:
        typer.echo(f"tagging: {result.inputs.tagging}", err=True)
    n_scored = int(result.shops["experience_score"].notna().sum())
    typer.echo(f"scored {len(result.shops)} shops ({n_scored} with an experience score) as of {result.as_of} "
               f"with policy {result.policy.label} -> {out}", err=True)
    if result.inputs.excluded:
        typer.echo(f"excluded as abnormal (impossible timestamp order): {result.inputs.excluded}", err=True)
    if result.flagship is not None:
        fl = result.flagship
        typer.echo(f"flagship: {fl['shop_id'].nunique()} shops, {len(fl)} shop-months, "
                   f"{int((fl['action'] == 'downgrade').sum())} downgrades -> {out / 'flagship.csv'}", err=True)
