"""The input contract of scoring: tables, columns, types and allowed values (``docs/scoring.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SCHEMA", "CHANNELS", "AFTER_SALES_TYPES", "AFTER_SALES_REASONS", "SHOP_TYPES", "MAX_ROWS_PER_PROBLEM", "Col", "Problem"]

CHANNELS = ("review", "after_sales", "complaint", "im")
AFTER_SALES_TYPES = ("refund_only", "return_refund", "exchange")
AFTER_SALES_REASONS = ("quality", "logistics", "other")
SHOP_TYPES = ("flagship", "specialty", "franchise", "enterprise", "individual")  # 旗舰店 专卖店 专营店 企业店 个体店
MAX_ROWS_PER_PROBLEM = 20


@dataclass(frozen=True)
class Col:
    kind: str  # str | ts | bool | int | enum | tags
    required: bool = True  # column must exist
    not_null: bool = False  # value must be present
    values: tuple[str, ...] = ()


SCHEMA: dict[str, dict[str, Any]] = {
    "orders": {
        "id": "order_id",
        "required": True,
        "columns": {
            "order_id": Col("str", not_null=True),
            "shop_id": Col("str", not_null=True),
            "industry": Col("str", not_null=True),
            "paid_at": Col("ts", not_null=True),
            "is_abnormal": Col("bool"),
            "is_presale": Col("bool"),
            "needs_shipping": Col("bool"),
            "picked_up_at": Col("ts"),
            "signed_at": Col("ts"),
            "confirmed_at": Col("ts"),
            "product_id": Col("str", required=False),
        },
    },
    "feedback": {
        "id": "feedback_id",
        "required": True,
        "columns": {
            "feedback_id": Col("str", not_null=True),
            "order_id": Col("str"),
            "shop_id": Col("str", not_null=True),
            "channel": Col("enum", not_null=True, values=CHANNELS),
            "created_at": Col("ts", not_null=True),
            "text": Col("str"),
            "rating": Col("int"),
            "tags": Col("tags", required=False),
            "context": Col("str", required=False),  # product title / SKU, passed to the tagger with the text
            "is_abnormal": Col("bool", required=False),
        },
    },
    "after_sales": {
        "id": "case_id",
        "required": False,
        "columns": {
            "case_id": Col("str", not_null=True),
            "order_id": Col("str", not_null=True),
            "shop_id": Col("str", not_null=True),
            "type": Col("enum", not_null=True, values=AFTER_SALES_TYPES),
            "reason": Col("enum", not_null=True, values=AFTER_SALES_REASONS),
            "requested_at": Col("ts", not_null=True),
            "merchant_agreed_at": Col("ts"),
            "return_signed_at": Col("ts"),
            "refund_agreed_at": Col("ts"),
            "completed_at": Col("ts"),
            "arbitrated": Col("bool"),
            "merchant_fault": Col("bool"),
        },
    },
    "im_sessions": {
        "id": "session_id",
        "required": False,
        "columns": {
            "session_id": Col("str", not_null=True),
            "shop_id": Col("str", not_null=True),
            "started_at": Col("ts", not_null=True),
            "to_human": Col("bool"),
            "first_human_reply_at": Col("ts"),
        },
    },
    # flagship assessment (seed 002), read by `score --flagship`; only shop_type 'flagship' is assessed
    "shops": {
        "id": "shop_id",
        "required": False,
        "columns": {
            "shop_id": Col("str", not_null=True),
            "shop_type": Col("enum", not_null=True, values=SHOP_TYPES),
            "opened_at": Col("ts"),
            "first_assessed_at": Col("ts"),
        },
    },
}


@dataclass(frozen=True)
class Problem:
    file: str
    column: str
    message: str
    rows: tuple[int, ...] = ()
    examples: tuple[str, ...] = ()
    count: int = 0

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.column:
            where += f", column {self.column!r}"
        if not self.rows:
            return f"{where}: {self.message}"
        shown = ", ".join(f"row {r} ({v})" for r, v in zip(self.rows, self.examples))
        more = f" … and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        return f"{where}: {self.message} in {self.count} row(s): {shown}{more}"
