"""A DuckDB-connection look-alike over a SparkSession, so the scoring code runs unchanged on Spark.

The scoring modules talk to ``inputs.con`` with a handful of calls (``execute`` with
``$name`` parameters, ``executemany`` for small inserts, ``register`` / ``unregister`` of
pandas frames, then ``.df()`` / ``.fetchall()`` / ``.fetchone()``). :class:`SparkConnection`
answers the same calls: every statement is translated by :mod:`feedback_nlp.spark.transpile`
and run with ``spark.sql``; a ``CREATE TABLE … AS`` becomes a materialized temporary view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from feedback_nlp.spark.transpile import Transpiler, sql_literal

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkConnection", "DUCKDB_SEMANTICS", "duckdb_semantics"]

#: session settings under which Spark SQL computes what DuckDB computes
DUCKDB_SEMANTICS = {
    "spark.sql.ansi.enabled": "false",  # x / 0 is NULL, as in DuckDB
    "spark.sql.session.timeZone": "UTC",  # timestamps are wall-clock (TIMESTAMP_NTZ); no DST shifts in date_trunc
    "spark.sql.timeType.enabled": "true",  # CAST(… AS TIME) in the IM reply-rate window
    "spark.sql.execution.arrow.pyspark.enabled": "true",  # results come back as Arrow, not pickled rows
}
_POSITIONAL = re.compile(r"\?")
_ROWS_PER_BLOB = 50_000


@contextmanager
def duckdb_semantics(spark: SparkSession) -> Iterator[None]:
    """Set :data:`DUCKDB_SEMANTICS` on the session for the duration; restore the previous values."""
    previous = {key: spark.conf.get(key, None) for key in DUCKDB_SEMANTICS}
    for key, value in DUCKDB_SEMANTICS.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


class SparkConnection:
    """The subset of ``duckdb.DuckDBPyConnection`` that the scoring code uses, run on Spark.

    Tables live as temporary views of ``spark``; names created here are dropped by :meth:`close`.
    Call it under :func:`duckdb_semantics`.
    """

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self.transpiler = Transpiler()
        self.views: dict[str, DataFrame] = {}
        self._last: DataFrame | None = None

    # -- tables -------------------------------------------------------------
    def put_view(self, name: str, frame: DataFrame) -> None:
        """Make ``frame`` the table ``name``, materialized like a DuckDB table.

        ``localCheckpoint`` computes it once and cuts its lineage: the scoring SQL reads each table
        many times, and each query then plans over a small scan instead of the whole history.
        """
        old = self.views.pop(name, None)
        frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self.views[name] = frame
        if old is not None:
            old.unpersist()

    def spark_frame(self, frame: Any) -> DataFrame:
        """A pandas or pyarrow frame as a Spark DataFrame (columns that are all null become strings).

        The rows travel as Arrow IPC blobs in a parallelized collection, decoded by ``mapInArrow``:
        ``createDataFrame`` would inline every row into the query plan, which Spark then analyses
        for minutes at a few ten thousand rows.
        """
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_schema

        if isinstance(frame, pa.RecordBatchReader):
            frame = frame.read_all()
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        for i, field in enumerate(table.schema):
            if pa.types.is_null(field.type):
                table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
        blobs = [(_to_ipc(batch),) for batch in table.to_batches(max_chunksize=_ROWS_PER_BLOB)]
        rdd = self.spark.sparkContext.parallelize(blobs, max(1, len(blobs)))
        schema = from_arrow_schema(table.schema, prefer_timestamp_ntz=True)
        return self.spark.createDataFrame(rdd, "blob binary").mapInArrow(_from_ipc, schema)

    def register(self, name: str, frame: Any) -> SparkConnection:
        """A pandas or pyarrow frame as table ``name``."""
        self.put_view(name, self.spark_frame(frame))
        return self

    def unregister(self, name: str) -> SparkConnection:
        self._drop(name)
        return self

    def _drop(self, name: str) -> None:
        frame = self.views.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)

    # -- statements ---------------------------------------------------------
    def execute(self, sql: str, parameters: Any = None) -> SparkConnection:
        """Run one DuckDB statement; ``parameters``: a dict for ``$name`` or a sequence for ``?``."""
        if isinstance(parameters, (list, tuple)):
            sql, parameters = _bind_positional(sql, parameters), None
        st = self.transpiler.translate(sql, parameters)
        self._last = None
        if st.kind == "query":
            self._last = self.spark.sql(st.sql)
        elif st.kind in ("create_as", "create_empty"):
            self.put_view(st.name, self.spark.sql(st.sql))
        elif st.kind == "insert":
            target = self.views[st.name]
            rows = self.spark.sql(st.sql).toDF(*target.columns)
            rows = rows.select(*[rows[f.name].cast(f.dataType) for f in target.schema])
            self.put_view(st.name, target.unionByName(rows))
        elif st.kind == "drop":
            self._drop(st.name)
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> SparkConnection:
        """An ``INSERT … VALUES (?, …)`` for many rows, sent as one multi-row statement."""
        rows = list(rows)
        if not rows:
            return self
        head, sep, tail = sql.partition("VALUES")
        if not sep:
            raise NotImplementedError(f"executemany supports INSERT … VALUES only, got {sql!r}")
        return self.execute(head + "VALUES " + ", ".join(_bind_positional(tail.strip(), r) for r in rows))

    # -- results ------------------------------------------------------------
    def _result(self) -> DataFrame:
        if self._last is None:
            raise RuntimeError("the last statement returned no rows")
        return self._last

    def df(self) -> pd.DataFrame:
        return self._result().toPandas()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._result().collect()]

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._result().take(1)
        return tuple(rows[0]) if rows else None

    def close(self) -> None:
        for name in list(self.views):
            self._drop(name)


def _to_ipc(batch: Any) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _from_ipc(batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        for blob in batch.column(0).to_pylist():
            yield from pa.ipc.open_stream(blob).read_all().to_batches()


def _bind_positional(sql: str, values: Sequence[Any]) -> str:
    values = list(values)
    if sql.count("?") != len(values):
        raise TypeError(f"{sql!r} has {sql.count('?')} placeholder(s), got {len(values)} value(s)")
    it = iter(values)
    return _POSITIONAL.sub(lambda _: sql_literal(next(it)), sql)
