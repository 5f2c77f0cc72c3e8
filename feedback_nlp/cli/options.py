"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

__all__ = ["ModelOption"]

ModelOption = Annotated[
    Optional[str],
    typer.Option(
        "--model", "-m", metavar="NAME|DIR",
        help="A shipped model's name (default, ...: see `feedback-nlp info --list`) or a model directory. "
             "Default: $FEEDBACK_NLP_MODEL, else the shipped model 'default'.",
    ),
]
