"""One local Spark session for the whole test run (``local[2]``, 2 shuffle partitions, no UI).

Skipped, with the reason, when the ``spark`` extra or Java is missing.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and os.path.exists(os.path.join(home, "bin", "java")))


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="the Spark tests need the spark extra: pip install 'feedback-nlp[spark]'")
    pytest.importorskip("sqlglot", reason="the Spark tests need the spark extra: pip install 'feedback-nlp[spark]'")
    if not _java_available():
        pytest.skip("the Spark tests need Java 17 (java on PATH or JAVA_HOME)")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers see the test environment's packages
    session = (
        SparkSession.builder.master("local[2]").appName("feedback-nlp-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        # tiny tables: compiling generated code and re-planning shuffles cost more than they save
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
