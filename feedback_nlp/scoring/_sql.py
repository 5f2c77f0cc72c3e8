"""Run the scoring SQL kept in ``feedback_nlp/scoring/sql/*.sql`` with named ``$parameters``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> duckdb.DuckDBPyConnection:
    """Execute every statement of ``sql/<name>.sql``; each gets the parameters it names."""
    result = con
    for stmt in _statements(sql_text(name)):
        used = set(_PARAM.findall(stmt))
        missing = used - set(params)
        if missing:
            raise TypeError(f"sql/{name}.sql needs parameter(s) {sorted(missing)}")
        result = con.execute(stmt, {k: v for k, v in params.items() if k in used}) if used else con.execute(stmt)
    return result


def fetch_df(con: duckdb.DuckDBPyConnection, name: str, **params: Any):
    return run_sql(con, name, **params).df()
