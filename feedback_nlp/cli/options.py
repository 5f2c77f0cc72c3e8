"""Options shared by several commands."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

__all__ = ["ModelOption", "Engine", "EngineOption", "MasterOption"]

ModelOption = Annotated[
    Optional[str],
    typer.Option(
        "--model", "-m", metavar="NAME|DIR",
        help="A shipped model's name (default, ...: see `feedback-nlp info --list`) or a model directory. "
             "Default: $FEEDBACK_NLP_MODEL, else the shipped model 'default'.",
    ),
]


class Engine(str, Enum):
    local = "local"
    spark = "spark"


EngineOption = Annotated[
    Engine,
    typer.Option("--engine", help="local: this machine (ONNX Runtime, DuckDB). spark: Apache Spark, for data "
                                  "that outgrows one machine (needs: pip install 'feedback-nlp\\[spark]' and Java 17)."),
]
MasterOption = Annotated[
    Optional[str],
    typer.Option("--master", metavar="URL", help="--engine spark only: local[4], yarn, k8s://https://HOST:443, "
                                                 "spark://HOST:7077. Default: spark-submit's, else local[*]."),
]
