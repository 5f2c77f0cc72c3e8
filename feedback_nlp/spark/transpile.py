"""Translate the DuckDB SQL of ``feedback_nlp/scoring/sql/`` into Spark SQL with sqlglot.

The scoring SQL files stay the one definition of every metric; this module rewrites each
statement for Spark at run time, so a change to a SQL file reaches both engines:

- ``$name`` parameters become SQL literals (DuckDB binds them; Spark SQL has no binder here);
- ``CREATE TEMP MACRO`` definitions are remembered and expanded inline where they are called;
- decimal literals (``86400.0``) become DOUBLE: DuckDB divides by them in floating point,
  while Spark would keep DECIMAL and round to 6 places;
- ``date_diff(unit, a, b)`` counts unit boundaries in DuckDB and whole units in Spark, so both
  sides are truncated to the unit first;
- TIMESTAMP is wall-clock time (``TIMESTAMP_NTZ``), TIME stays TIME, QUALIFY stays QUALIFY
  (Spark 4 has it; sqlglot's rewrite into a subquery loses table aliases).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlglot
from sqlglot import exp, transforms
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator

__all__ = ["SparkStatement", "Transpiler", "sql_literal", "bind_parameters"]

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_MACRO = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP|TEMPORARY)\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TRUNCATED_UNITS = {"SECOND", "MILLISECOND", "MINUTE", "HOUR", "DAY"}


class SparkForDuckDB(Spark):
    """Spark SQL as the scoring SQL means it (see the module docstring)."""

    class Generator(SparkGenerator):
        TYPE_MAPPING = {
            **SparkGenerator.TYPE_MAPPING,
            exp.DType.TIME: "TIME",
            exp.DType.TIMESTAMP: "TIMESTAMP_NTZ",
        }
        TRANSFORMS = {
            **SparkGenerator.TRANSFORMS,
            exp.Select: transforms.preprocess(
                [transforms.eliminate_distinct_on, transforms.unnest_to_explode, transforms.any_to_exists]
            ),
        }


def sql_literal(value: Any) -> str:
    """A Python value as a DuckDB SQL literal (what DuckDB's binder would have passed)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"CAST('{value}' AS DOUBLE)"
        return repr(value)  # a decimal literal; the rewrite below makes it DOUBLE
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot pass {type(value).__name__} {value!r} as a SQL parameter")


def bind_parameters(sql: str, params: dict[str, Any] | None) -> str:
    """Replace every ``$name`` with the literal of ``params[name]``; a missing one raises TypeError."""
    params = params or {}
    missing = sorted(set(_PARAM.findall(sql)) - set(params))
    if missing:
        raise TypeError(f"SQL needs parameter(s) {missing}")
    return _PARAM.sub(lambda m: sql_literal(params[m.group(1)]), sql)


@dataclass(frozen=True)
class SparkStatement:
    """One translated statement.

    ``kind``: ``"query"`` (``sql`` is a query), ``"create_as"`` (keep ``sql`` as table ``name``),
    ``"create_empty"`` (``sql`` is an empty query with the columns of table ``name``),
    ``"insert"`` (append the rows of ``sql`` to ``name``), ``"drop"`` (forget ``name``) or
    ``"macro"`` (remembered by the transpiler; nothing to run).
    """

    kind: str
    sql: str = ""
    name: str = ""


@dataclass(frozen=True)
class _Macro:
    params: tuple[str, ...]
    body: exp.Expression


class Transpiler:
    """DuckDB statements in, :class:`SparkStatement` out; remembers the macros it has seen."""

    def __init__(self) -> None:
        self.macros: dict[str, _Macro] = {}

    def translate(self, sql: str, params: dict[str, Any] | None = None) -> SparkStatement:
        sql = bind_parameters(sql.strip().rstrip(";"), params)
        macro = _MACRO.match(sql)
        if macro:
            name, args, body = macro.groups()
            names = tuple(a.strip().lower() for a in args.split(",") if a.strip())
            self.macros[name.lower()] = _Macro(names, sqlglot.parse_one(body, read="duckdb"))
            return SparkStatement("macro", name=name.lower())
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Create) and tree.args.get("kind", "").upper() in ("TABLE", "VIEW"):
            target = tree.this
            if isinstance(target, exp.Schema):  # CREATE TABLE t (col TYPE, ...): an empty table
                cols = ", ".join(
                    f"CAST(NULL AS {self._sql(c.args['kind'])}) AS {c.this.sql('spark')}" for c in target.expressions
                )
                return SparkStatement("create_empty", f"SELECT {cols} WHERE FALSE", target.this.name)
            return SparkStatement("create_as", self._sql(self._rewrite(tree.expression)), target.name)
        if isinstance(tree, exp.Insert):
            values = tree.expression
            rows = values.expressions if isinstance(values, exp.Values) else None
            query = (
                " UNION ALL ".join("SELECT " + ", ".join(self._sql(self._rewrite(v)) for v in row.expressions) for row in rows)
                if rows is not None
                else self._sql(self._rewrite(values))
            )
            return SparkStatement("insert", query, tree.this.name)
        if isinstance(tree, exp.Drop):
            tables = tree.args.get("tables") or [tree.this]
            return SparkStatement("drop", name=tables[0].name)
        return SparkStatement("query", self._sql(self._rewrite(tree)))

    @staticmethod
    def _sql(tree: exp.Expression) -> str:
        return tree.sql(dialect=SparkForDuckDB)

    def _rewrite(self, tree: exp.Expression) -> exp.Expression:
        return tree.transform(self._rewrite_node)

    def _rewrite_node(self, node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in self.macros:
            return self._expand(node)
        if isinstance(node, exp.Literal) and not node.is_string and not node.is_int:
            return exp.cast(node, exp.DType.DOUBLE)
        if isinstance(node, exp.DateDiff):
            unit = str(node.args.get("unit") or "DAY").upper().strip("'")
            if unit in _TRUNCATED_UNITS:
                for key in ("this", "expression"):
                    node.set(key, exp.TimestampTrunc(this=node.args[key].copy(), unit=exp.var(unit)))
        return node

    def _expand(self, call: exp.Anonymous) -> exp.Expression:
        macro = self.macros[str(call.this).lower()]
        if len(call.expressions) != len(macro.params):
            raise TypeError(f"macro {call.this} takes {len(macro.params)} arguments, got {len(call.expressions)}")
        args = dict(zip(macro.params, call.expressions))

        def substitute(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and not node.table and node.name.lower() in args:
                return exp.paren(args[node.name.lower()].copy(), copy=False)
            return node

        return exp.paren(self._rewrite(macro.body.copy().transform(substitute)), copy=False)
