"""Tag a Spark DataFrame: one :class:`~feedback_nlp.OnnxTagger` per Python worker, fed through ``mapInPandas``.

- The model directory is resolved on the driver. Where executors cannot read that path
  (any master but ``local``), it is zipped once and shipped with ``SparkContext.addArchive``;
  each executor unpacks it and the tagger verifies every file against ``manifest.json``.
- Each Python worker loads the tagger once and keeps it for every later task (Spark reuses
  its Python workers); a batch of rows is tagged as its distinct (text, context) pairs, and
  a per-partition memo tags a repeated text once per partition.
- Results equal ``feedback-nlp tag`` row for row: same tags, scores rounded the same way,
  same status; they do not depend on how the rows are partitioned.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.model_dir.shipped import resolve_model_dir
from feedback_nlp.tagging.onnx_tagger import OnnxTagger
from feedback_nlp.tagging.tag_job import _SCORE_DIGITS

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["ModelRef", "ship_model", "tag_dataframe", "TAG_COLUMNS"]

#: the columns :func:`tag_dataframe` adds
TAG_COLUMNS = ("tags", "scores", "status")
_TAG_SCHEMA = "tags array<string>, scores map<string, double>, status string"

_TAGGERS: dict[tuple[str, int, int], Any] = {}  # per Python worker: (model dir, threads, batch size) -> OnnxTagger
_SHIPPED: set[tuple[int, str]] = set()  # (id of the SparkContext, archive name) already added on the driver


@dataclass(frozen=True)
class ModelRef:
    """Where a worker finds the model: a path it can read, or the name of a shipped archive."""

    path: str | None = None
    archive: str | None = None

    def local_dir(self) -> str:
        if self.archive is None:
            assert self.path is not None
            return self.path
        from pyspark import SparkFiles

        root = Path(SparkFiles.get(self.archive))
        # the archive holds one top-level directory, the model's
        inner = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
        return str(inner[0] if len(inner) == 1 and not (root / "manifest.json").exists() else root)


def _is_local_master(spark: SparkSession) -> bool:
    return spark.sparkContext.master.startswith("local")


def ship_model(spark: SparkSession, model_dir: str | PathLike[str]) -> ModelRef:
    """Zip ``model_dir`` and add it to the job with ``addArchive`` (once per SparkContext and model)."""
    model_dir = Path(model_dir)
    digest = hashlib.sha256((model_dir / "manifest.json").read_bytes()).hexdigest()[:16]
    name = f"feedback_nlp_model_{digest}.zip"
    key = (id(spark.sparkContext), name)
    if key not in _SHIPPED:
        stage = Path(tempfile.mkdtemp(prefix="feedback-nlp-model-"))
        archive = shutil.make_archive(str(stage / name[: -len(".zip")]), "zip", root_dir=model_dir.parent, base_dir=model_dir.name)
        spark.sparkContext.addArchive(archive)
        _SHIPPED.add(key)
    return ModelRef(archive=name)


def worker_tagger(ref: ModelRef, threads: int, batch_size: int) -> Any:
    """The tagger of this Python worker, loaded on first use and kept for every later task."""
    key = (ref.local_dir(), threads, batch_size)
    if key not in _TAGGERS:
        _TAGGERS[key] = OnnxTagger.from_pretrained(key[0], intra_op_threads=threads, batch_size=batch_size)
    return _TAGGERS[key]


def _tag_partition(
    batches: Iterator[pd.DataFrame], ref: ModelRef, text_col: str, context_col: str | None, threads: int, batch_size: int
) -> Iterator[pd.DataFrame]:
    import pandas as pd

    tagger = worker_tagger(ref, threads, batch_size)
    use_context = context_col is not None and tagger.use_context
    memo: dict[tuple[Any, Any], tuple[list[str], dict[str, float], str]] = {}  # distinct texts of this partition
    for batch in batches:
        texts = batch[text_col].tolist()
        contexts = batch[context_col].tolist() if use_context else [None] * len(texts)
        keys = [(_none(t), _none(c)) for t, c in zip(texts, contexts)]
        todo = list(dict.fromkeys(k for k in keys if k not in memo))
        if todo:
            results = tagger.tag([k[0] for k in todo], [k[1] for k in todo] if use_context else None)
            for k, r in zip(todo, results):
                memo[k] = (r.tags, {label: round(s, _SCORE_DIGITS) for label, s in r.scores.items()}, r.status)
        done = [memo[k] for k in keys]
        yield batch.assign(
            tags=pd.Series([d[0] for d in done], index=batch.index, dtype=object),
            scores=pd.Series([d[1] for d in done], index=batch.index, dtype=object),
            status=pd.Series([d[2] for d in done], index=batch.index, dtype=object),
        )


def _none(value: Any) -> Any:
    """pandas gives NaN / None for SQL NULL; the tagger wants None."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def tag_dataframe(
    df: DataFrame,
    model: str | PathLike[str] | None = None,
    *,
    text_col: str = "text",
    context_col: str | None = None,
    threads: int = 1,
    batch_size: int = 64,
    ship: bool | None = None,
) -> DataFrame:
    """``df`` with the columns ``tags`` (array<string>), ``scores`` (map label → probability) and ``status``.

    ``model``: a shipped model's name or a model directory (default: ``$FEEDBACK_NLP_MODEL``,
    else ``default``). ``context_col``: product context, used by models trained with it.
    ``threads``: ONNX Runtime threads per task (match ``spark.task.cpus``). ``ship``: send the
    model to the executors with ``addArchive`` — by default whenever the master is not ``local``
    (pass ``False`` when the directory is on a filesystem every executor mounts).
    Lazy, like every transformation: nothing runs until the result is written or collected.
    """
    columns = set(df.columns)
    for role, col in (("text_col", text_col), ("context_col", context_col)):
        if col is not None and col not in columns:
            raise InvalidInputError(f"{role}={col!r} is not a column; columns: {', '.join(df.columns)}")
    clash = [c for c in TAG_COLUMNS if c in columns]
    if clash:
        raise InvalidInputError(f"the input already has column(s) {clash}; rename them before tagging")
    model_dir = resolve_model_dir(model)
    OnnxTagger.from_pretrained(model_dir)  # fail here, with the model error, not inside a Spark task
    spark = df.sparkSession
    if ship is None:
        ship = not _is_local_master(spark)
    ref = ship_model(spark, model_dir) if ship else ModelRef(path=os.fspath(model_dir.resolve()))
    from pyspark.sql.types import StructType

    out_schema = StructType(list(df.schema.fields) + list(StructType.fromDDL(_TAG_SCHEMA).fields))

    def tag_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _tag_partition(batches, ref, text_col, context_col, threads, batch_size)

    return df.mapInPandas(tag_partition, out_schema)
