"""Merchant scoring: CCR, experience score, flagship assessment and what-if, on DuckDB.

>>> from feedback_nlp.scoring import score                  # doctest: +SKIP
>>> result = score("data/", "2024-06-30", policy="seed004", out="out/")

Runs on the core dependencies (duckdb, pandas, pyarrow); the per-shop plots need the ``eval``
extra (matplotlib) and are left out without it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "score", "score_inputs", "write_outputs", "ScoreResult",
    "load_inputs", "InputValidationError",
    "Policy", "load_policy", "available_policies",
    "assess_flagship", "MonthResult",
    "whatif", "write_whatif", "generate_demo_data",
]

_WHERE = {
    "score": "score", "score_inputs": "score", "write_outputs": "score", "ScoreResult": "score",
    "load_inputs": "tables", "InputValidationError": "tables",
    "Policy": "policy", "load_policy": "policy", "available_policies": "policy",
    "assess_flagship": "flagship", "MonthResult": "flagship",
    "whatif": "whatif", "write_whatif": "whatif", "generate_demo_data": "demo_data",
}


def __getattr__(name: str) -> Any:  # lazy: importing the package does not import duckdb/pandas
    if name in _WHERE:
        return getattr(import_module(f"feedback_nlp.scoring.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'feedback_nlp.scoring' has no attribute {name!r}")
