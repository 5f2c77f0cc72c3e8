"""Timestamps in an impossible order: found before any metric, reported or excluded.

A pickup before the payment, a signature before the pickup, a merchant agreeing before the
request, a reply before the chat started or feedback before the payment would each make a
shop look better than it is (full pickup credit, shorter delivery, negative handling hours,
an instant reply). Every pair of timestamps the metrics compare must be in order
(equal is fine; a missing timestamp is not checked).

- ``"error"`` (default): each broken pair is a :class:`Problem` (table, columns, rows, values);
  validation fails with exit code 2.
- ``"exclude"``: the rows are removed as abnormal before scoring: an order with its
  feedback and after-sales cases, an after-sales case, a chat session, a feedback row.
  :func:`exclude_misordered` returns the counts, which go to the output and the reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from feedback_nlp.errors import ConfigError
from feedback_nlp.scoring.schema import MAX_ROWS_PER_PROBLEM, Problem

__all__ = ["TIMESTAMP_ORDER_MODES", "OrderRule", "ORDER_RULES", "misordered_problems", "exclude_misordered",
           "check_timestamp_order_mode"]

TIMESTAMP_ORDER_MODES = ("error", "exclude")


@dataclass(frozen=True)
class OrderRule:
    """``later`` must not be before ``earlier``; ``earlier`` may live on the row's order (``o.``)."""

    table: str
    earlier: str
    later: str
    used_by: str

    @property
    def joins_order(self) -> bool:
        return self.earlier.startswith("o.")

    def describe(self) -> str:
        earlier = f"the order's {self.earlier[2:]}" if self.joins_order else self.earlier
        return f"{self.later} is before {earlier} (impossible order; used by {self.used_by})"


ORDER_RULES: tuple[OrderRule, ...] = (
    OrderRule("orders", "paid_at", "picked_up_at", "pickup_timeliness"),
    OrderRule("orders", "picked_up_at", "signed_at", "delivery_hours"),
    OrderRule("orders", "paid_at", "signed_at", "delivery_hours, bad_review_rate"),
    OrderRule("orders", "paid_at", "confirmed_at", "bad_review_rate"),
    OrderRule("feedback", "o.paid_at", "created_at", "CCR, review and complaint rates"),
    OrderRule("after_sales", "o.paid_at", "requested_at", "quality_return_rate"),
    OrderRule("after_sales", "requested_at", "merchant_agreed_at", "refund_only_hours, return_refund_hours"),
    OrderRule("after_sales", "requested_at", "completed_at", "refund_only_hours, return_refund_hours"),
    OrderRule("after_sales", "requested_at", "return_signed_at", "return_refund_hours"),
    OrderRule("after_sales", "return_signed_at", "refund_agreed_at", "return_refund_hours"),
    OrderRule("after_sales", "return_signed_at", "completed_at", "return_refund_hours"),
    OrderRule("im_sessions", "started_at", "first_human_reply_at", "im_3min_reply_rate"),
)


def check_timestamp_order_mode(mode: str) -> str:
    if mode not in TIMESTAMP_ORDER_MODES:
        raise ConfigError(f"timestamp_order must be one of {', '.join(TIMESTAMP_ORDER_MODES)}, got {mode!r}")
    return mode


def _from_where(rule: OrderRule) -> tuple[str, str, str]:
    """(FROM clause, condition, shown value) of the rows that break ``rule``."""
    earlier = rule.earlier if rule.joins_order else f"x.{rule.earlier}"
    source = f"{rule.table} x" + (" JOIN orders o ON o.order_id = x.order_id" if rule.joins_order else "")
    shown = f"CAST(x.{rule.later} AS VARCHAR) || ' < ' || CAST({earlier} AS VARCHAR)"
    return source, f"x.{rule.later} < {earlier}", shown


def _rules(tables: set[str]) -> list[OrderRule]:
    return [r for r in ORDER_RULES if r.table in tables]


def misordered_problems(con: duckdb.DuckDBPyConnection, tables: set[str], files: dict[str, str]) -> list[Problem]:
    """One problem per broken rule, naming table, columns, the first rows and their values."""
    problems = []
    for rule in _rules(tables):
        source, cond, shown = _from_where(rule)
        n = con.execute(f"SELECT count(*) FROM {source} WHERE {cond}").fetchone()[0]
        if n:
            rows = con.execute(
                f"SELECT x._row, {shown} FROM {source} WHERE {cond} ORDER BY 1 LIMIT {MAX_ROWS_PER_PROBLEM}").fetchall()
            column = f"{rule.later}, {rule.earlier[2:] if rule.joins_order else rule.earlier}"
            problems.append(Problem(files[rule.table], column, rule.describe(), tuple(int(r[0]) for r in rows),
                                    tuple(str(r[1]) for r in rows), int(n)))
    return problems


def exclude_misordered(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, int]:
    """Delete the rows that break a rule (an order takes its feedback and cases along); rows removed per table."""
    excluded = dict.fromkeys(sorted(tables), 0)
    bad_orders = " OR ".join(_from_where(r)[1] for r in _rules(tables) if r.table == "orders") or "false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _misordered_orders AS SELECT order_id FROM orders x WHERE {bad_orders}")
    for table in ("feedback", "after_sales"):
        if table in tables:
            excluded[table] += _delete(con, table, "order_id IN (SELECT order_id FROM _misordered_orders)")
    excluded["orders"] += _delete(con, "orders", "order_id IN (SELECT order_id FROM _misordered_orders)")
    con.execute("DROP TABLE _misordered_orders")
    for rule in _rules(tables):
        if rule.table != "orders":
            source, cond, _ = _from_where(rule)
            excluded[rule.table] += _delete(con, rule.table, f"_row IN (SELECT x._row FROM {source} WHERE {cond})")
    return {t: n for t, n in excluded.items() if n}


def _delete(con: duckdb.DuckDBPyConnection, table: str, condition: str) -> int:
    return int(con.execute(f"DELETE FROM {table} WHERE {condition}").fetchone()[0])
