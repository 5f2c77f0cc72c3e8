"""Small hand-made tables for the scoring tests (written as CSV, like real inputs)."""

from __future__ import annotations

import csv
from pathlib import Path

from feedback_nlp.scoring.schema import SCHEMA
from feedback_nlp.scoring.policy import load_policy

ORDER_DEFAULTS = {"industry": "food", "is_abnormal": "false", "is_presale": "false", "needs_shipping": "true",
                  "picked_up_at": "", "signed_at": "", "confirmed_at": ""}


def write_table(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c, "")) for c in columns})


def make_data(tmp: Path, orders: list[dict], feedback: list[dict] | None = None, after_sales: list[dict] | None = None,
              im_sessions: list[dict] | None = None, tags_column: bool = True) -> Path:
    d = tmp / "data"
    d.mkdir(exist_ok=True)
    cols = [c for c, s in SCHEMA["orders"]["columns"].items() if s.required]
    if any("product_id" in o for o in orders):
        cols.append("product_id")
    write_table(d / "orders.csv", [{**ORDER_DEFAULTS, **o} for o in orders], cols)
    fcols = [c for c, s in SCHEMA["feedback"]["columns"].items() if s.required] + (["tags"] if tags_column else [])
    write_table(d / "feedback.csv", feedback or [], fcols)
    if after_sales is not None:
        write_table(d / "after_sales.csv", [{"arbitrated": "false", "merchant_fault": "false", **a} for a in after_sales],
                    list(SCHEMA["after_sales"]["columns"]))
    if im_sessions is not None:
        write_table(d / "im_sessions.csv", im_sessions, list(SCHEMA["im_sessions"]["columns"]))
    return d


def fb(fid, order_id, shop_id, channel, created_at, tags="", rating=None, text="t"):
    if channel == "review" and rating is None:
        rating = 1 if tags else 5
    return {"feedback_id": fid, "order_id": order_id, "shop_id": shop_id, "channel": channel, "created_at": created_at,
            "text": text, "rating": rating, "tags": tags}


def policy(**changes):
    """The default policy with ``section__key`` overrides (no decay, tiny minimums unless given)."""
    base = dict(experience__half_life_days=0, experience__min_paid_orders=0, experience__min_industry_shops=1,
                experience__min_denominator={})
    base.update(changes)
    return load_policy("seed004").replace(**base)


class FakeTagger:
    """Explicit behaviour: tags a text with every tag id it contains as '#id'."""

    def __init__(self):
        self.calls = 0

    def predict(self, texts, contexts=None):
        self.calls += 1
        from feedback_nlp.taxonomy import TAG_IDS

        return [[t for t in TAG_IDS if f"#{t}" in (x or "")] for x in texts]
