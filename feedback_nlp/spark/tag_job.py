"""``feedback-nlp tag --engine spark``: a file or directory Spark reads → a Parquet dataset of tags.

Input: ``.jsonl`` / ``.txt`` (read as lines, parsed by the rules of :mod:`feedback_nlp.rows`,
so the same line gets the same error reason as with the local engine), ``.csv`` (header with a
``text`` column) or ``.parquet`` (a string ``text`` column); optional ``id`` and ``context``.
A directory is read whole; its format comes from its files' suffix.

Output: ``OUTPUT`` (Parquet: id, text, context, tags, scores, status) and the errors dataset
(Parquet: file, line, reason, raw). Every row read is in one of them: read = tagged + errors.
Rows without an id get their 1-based line (txt/jsonl) or data-row (csv/parquet) number in the
input (counted across the files of a directory in name order).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.rows import Row, read_lines
from feedback_nlp.spark.tagging import tag_dataframe
from feedback_nlp.tagging.tag_job import TagSummary

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["run_tag_spark", "read_feedback", "SPARK_FORMATS", "default_spark_errors_path"]

SPARK_FORMATS = ("jsonl", "txt", "csv", "parquet")
_PARSED_SCHEMA = "line long, id string, text string, context string, reason string, raw string"


def default_spark_errors_path(output: str) -> str:
    """``out/tags.parquet`` → ``out/tags.errors.parquet``; ``out/tags`` → ``out/tags.errors``."""
    base, dot, ext = output.rstrip("/").rpartition(".")
    return f"{base}.errors.{ext}" if dot and "/" not in ext else f"{output.rstrip('/')}.errors"


def _format_of(path: str, fmt: str) -> str:
    if fmt != "auto":
        if fmt not in SPARK_FORMATS:
            raise InvalidInputError(f"format {fmt!r} is not one of {', '.join(SPARK_FORMATS)}")
        return fmt
    local = Path(path)
    names = sorted(p.name for p in local.iterdir() if not p.name.startswith(("_", "."))) if local.is_dir() else [path]
    found = {ext for name in names for ext in SPARK_FORMATS if name.lower().endswith("." + ext)}
    if len(found) != 1:
        raise InvalidInputError(
            f"cannot tell the format of {path!r} from its file names ({', '.join(sorted(found)) or 'no known suffix'}); "
            f"pass --format ({', '.join(SPARK_FORMATS)})"
        )
    return found.pop()


def _numbered(df: DataFrame) -> DataFrame:
    """``df`` with ``_n``: the 1-based position of each row in file order, whatever the partitioning."""
    from pyspark.sql.types import LongType, StructField, StructType

    schema = StructType([*df.schema.fields, StructField("_n", LongType(), False)])
    return df.sparkSession.createDataFrame(df.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1] + 1)), schema)


def _parse_lines(fmt: str):
    def parse(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        for batch in batches:
            out = []
            for item in read_lines(zip(batch["_n"].tolist(), batch["value"].tolist()), fmt):
                if isinstance(item, Row):
                    out.append((item.line, str(item.id), item.text, item.context, None, None))
                else:
                    out.append((item.line, None, None, None, item.reason, item.raw))
            yield pd.DataFrame(out, columns=["line", "id", "text", "context", "reason", "raw"])

    return parse


def read_feedback(spark: SparkSession, path: str, fmt: str = "auto") -> DataFrame:
    """Rows of ``path`` as (line, id, text, context, reason, raw); ``reason`` is set for malformed rows."""
    from pyspark.sql import functions as F

    fmt = _format_of(path, fmt)
    if fmt in ("jsonl", "txt"):
        lines = _numbered(spark.read.text(path))
        return lines.mapInPandas(_parse_lines(fmt), _PARSED_SCHEMA)
    if fmt == "csv":
        raw = spark.read.option("header", True).option("multiLine", True).csv(path)
    else:
        raw = spark.read.parquet(path)
    if "text" not in raw.columns:
        raise InvalidInputError(f"{path!r} has no 'text' column (columns: {', '.join(raw.columns)}); id and context are optional")
    if dict(raw.dtypes)["text"] != "string":
        raise InvalidInputError(f"column 'text' of {path!r} is {dict(raw.dtypes)['text']}, expected a string")
    numbered = _numbered(raw.select(*[c for c in ("id", "text", "context") if c in raw.columns]))
    cols = numbered.columns
    row_id = F.col("id").cast("string") if "id" in cols else F.lit(None).cast("string")
    return numbered.select(
        F.col("_n").alias("line"),
        F.coalesce(F.when(row_id != "", row_id), F.col("_n").cast("string")).alias("id"),
        F.col("text"),
        (F.col("context").cast("string") if "context" in cols else F.lit(None).cast("string")).alias("context"),
        F.lit(None).cast("string").alias("reason"),
        F.lit(None).cast("string").alias("raw"),
    )


def run_tag_spark(
    input_path: str,
    output: str,
    *,
    errors: str | None = None,
    model: str | None = None,
    input_format: str = "auto",
    master: str | None = None,
    spark: SparkSession | None = None,
    batch_size: int = 64,
    threads: int = 1,
    ship: bool | None = None,
) -> TagSummary:
    """Tag every row of ``input_path`` on Spark; write ``output`` and the errors dataset (Parquet, overwritten).

    Returns the counts (``read == tagged + errors``). Raises :class:`InvalidInputError` for an
    unusable input and the model errors of :func:`feedback_nlp.load_tagger`.
    """
    from pyspark.sql import functions as F

    from feedback_nlp.spark.session import get_spark

    spark = spark or get_spark(master)
    if Path(output).resolve() == Path(input_path).resolve():
        raise InvalidInputError(f"the output {output!r} is the input; choose another path")
    errors = errors or default_spark_errors_path(output)
    parsed = read_feedback(spark, input_path, input_format).cache()
    try:
        good = parsed.where(F.col("reason").isNull()).select("id", "text", "context")
        tagged = tag_dataframe(good, model, text_col="text", context_col="context", threads=threads,
                               batch_size=batch_size, ship=ship)
        tagged.write.mode("overwrite").parquet(output)
        bad = parsed.where(F.col("reason").isNotNull()).select(
            F.lit(input_path).alias("file"), "line", "reason", "raw"
        )
        bad.orderBy("line").write.mode("overwrite").parquet(errors)
        n_read, n_errors = parsed.select(F.count(F.lit(1)), F.count("reason")).first()
        n_tagged = spark.read.parquet(output).count()
    finally:
        parsed.unpersist()
    if n_tagged + n_errors != n_read:  # a broken invariant, not a user error
        raise RuntimeError(f"read {n_read} rows but wrote {n_tagged} + {n_errors} errors")
    return TagSummary(n_read, n_tagged, n_errors, output=Path(output), errors_path=Path(errors))
