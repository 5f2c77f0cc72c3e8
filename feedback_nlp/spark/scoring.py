"""``score`` on Spark: the same SQL files, the same Python, the joins and aggregations on Spark.

1. The input tables are read and validated by :func:`feedback_nlp.scoring.tables.load_inputs`
   (DuckDB, on the driver): one validator, so an invalid table fails with the same
   :class:`~feedback_nlp.errors.InputValidationError`, word for word, on both engines.
2. Every typed table of that connection moves to Spark as a materialized temporary view
   (Arrow batches; no shared filesystem needed).
3. :func:`feedback_nlp.scoring.score.score_inputs` runs unchanged over a
   :class:`~feedback_nlp.spark.connection.SparkConnection`: each statement of
   ``feedback_nlp/scoring/sql/*.sql`` is translated to Spark SQL and run there.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from feedback_nlp.scoring.policy import Policy, load_policy
from feedback_nlp.scoring.score import ScoreResult, score_inputs, write_outputs
from feedback_nlp.scoring.tables import Inputs, Tagger, load_inputs
from feedback_nlp.scoring.tag_cache import CACHE_FILE
from feedback_nlp.spark.connection import SparkConnection, duckdb_semantics

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

__all__ = ["score_spark", "score_inputs_spark", "duckdb_tables", "to_spark"]


def duckdb_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the connection (the typed inputs and whatever else the loader made)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def to_spark(inputs: Inputs, spark: SparkSession) -> Inputs:
    """The same inputs with every table of ``inputs.con`` copied into Spark (call under duckdb_semantics)."""
    con = SparkConnection(spark)
    for name in duckdb_tables(inputs.con):
        con.put_view(name, con.spark_frame(inputs.con.table(name).arrow()))
    return dataclasses.replace(inputs, con=con)


def score_inputs_spark(inputs: Inputs, as_of: str | date, policy: str | Policy | None, spark: SparkSession,
                       *, flagship: bool = False) -> ScoreResult:
    """:func:`~feedback_nlp.scoring.score.score_inputs` with the SQL on Spark; ``inputs`` from ``load_inputs``."""
    with duckdb_semantics(spark):
        spark_inputs = to_spark(inputs, spark)
        try:
            return score_inputs(spark_inputs, as_of, policy, flagship=flagship)
        finally:
            spark_inputs.con.close()


def score_spark(
    data: str | Path | Mapping[str, Any],
    as_of: str | date,
    policy: str | Policy | None = None,
    out: str | Path | None = None,
    *,
    spark: SparkSession | None = None,
    master: str | None = None,
    tagger: Tagger | None = None,
    reports: bool = True,
    flagship: bool = False,
    tag_cache: str | Path | None = None,
    memory_limit: str | None = None,
    timestamp_order: str = "error",
) -> ScoreResult:
    """Score every shop of ``data`` as of ``as_of`` with the metric SQL running on Spark.

    ``spark``: a session to use (default: the active one, or a new one on ``master``).
    Arguments and result are those of :func:`feedback_nlp.scoring.score.score` (``memory_limit``
    bounds the DuckDB validation on the driver).
    """
    from feedback_nlp.spark.session import get_spark

    policy = load_policy(policy)
    if tag_cache is None and out is not None:
        tag_cache = Path(out) / CACHE_FILE
    # validation, timestamp order and tagging (with its cache) run on the driver exactly as on DuckDB
    inputs = load_inputs(data, policy, tagger=tagger, memory_limit=memory_limit, timestamp_order=timestamp_order,
                         tag_cache=tag_cache)
    result = score_inputs_spark(inputs, as_of, policy, spark or get_spark(master), flagship=flagship)
    if out is not None:
        write_outputs(result, out, reports=reports)
    return result
