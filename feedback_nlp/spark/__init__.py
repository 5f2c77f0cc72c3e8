"""The Spark engine (``pip install 'feedback-nlp[spark]'``, Java 17): the same tagging and scoring on a cluster.

- :func:`tag_dataframe` — add ``tags`` / ``scores`` / ``status`` to a Spark DataFrame
  (one :class:`~feedback_nlp.OnnxTagger` per Python worker, through ``mapInPandas``);
- :func:`run_tag_spark` — ``feedback-nlp tag --engine spark``: files in, Parquet out;
- :func:`score_spark` — ``feedback-nlp score --engine spark``: the scoring SQL files,
  translated to Spark SQL, over the validated input tables.

Importing this package needs neither pyspark nor sqlglot; using it does, and a missing one
raises :class:`~feedback_nlp.errors.MissingDependencyError` with the pip command.
"""

from __future__ import annotations

from typing import Any

__all__ = ["tag_dataframe", "run_tag_spark", "score_spark", "get_spark"]

_WHERE = {
    "tag_dataframe": "feedback_nlp.spark.tagging",
    "run_tag_spark": "feedback_nlp.spark.tag_job",
    "score_spark": "feedback_nlp.spark.scoring",
    "get_spark": "feedback_nlp.spark.session",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'feedback_nlp.spark' has no attribute {name!r}")
    import importlib

    from feedback_nlp.spark.session import require_pyspark

    require_pyspark()
    return getattr(importlib.import_module(_WHERE[name]), name)
