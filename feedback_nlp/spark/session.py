"""The SparkSession the ``--engine spark`` commands use, and the check that Spark can run here."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from feedback_nlp.errors import MissingDependencyError
from feedback_nlp.extras import require

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["get_spark", "require_pyspark"]

APP_NAME = "feedback-nlp"


def require_pyspark():
    """The ``pyspark`` module (and sqlglot, the SQL translator), or :class:`MissingDependencyError`
    with the pip hint of the ``spark`` extra."""
    require("sqlglot", "spark", "the Spark engine")
    return require("pyspark", "spark", "the Spark engine")


def get_spark(master: str | None = None) -> SparkSession:
    """The active session when there is one (``spark-submit``, a notebook), else a new one.

    ``master``: ``local[4]``, ``yarn``, ``k8s://https://host:443``, ``spark://host:7077``; without
    it Spark's own default applies (what ``spark-submit --master`` or ``spark-defaults.conf`` set,
    else ``local[*]``).
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder.appName(APP_NAME)
    if master:
        builder = builder.master(master)
    from pyspark import SparkConf

    if (master or SparkConf().get("spark.master", "local[*]")).startswith("local"):
        # local Python workers run this interpreter (its packages), not whatever python3 is on PATH
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        return builder.getOrCreate()
    except Exception as e:  # no Java, or a master that cannot be reached
        if "JAVA_GATEWAY_EXITED" in str(e) or "JAVA_HOME" in str(e):
            raise MissingDependencyError(f"Spark could not start its JVM ({e}); install Java 17 and set JAVA_HOME") from None
        raise
