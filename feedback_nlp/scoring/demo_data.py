"""Realistic demo data of any size, generated inside DuckDB (generate_series → CSV / Parquet).

Shops differ in product quality, pickup speed, delivery time and service speed; orders get
logistics timestamps, some become abnormal, presale or no-shipping; feedback comes through the
four channels with texts from :mod:`feedback_nlp.scoring.demo_texts` (traps included); after-sales
cases and IM sessions follow the shop's behaviour. Randomness is a hash of (row, salt, seed), so
the output is deterministic for a seed and the generation runs in parallel without Python loops.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from feedback_nlp.scoring.demo_texts import CONTEXTS, POOLS

__all__ = ["generate_demo_data", "INDUSTRIES"]

INDUSTRIES = ("apparel", "food", "fresh", "beauty", "electronics", "home")
FOOD = ("food", "fresh")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def generate_demo_data(
    out_dir: str | Path,
    n_orders: int = 20_000,
    *,
    n_shops: int | None = None,
    end: date | str = date(2024, 6, 30),
    days: int = 180,
    seed: int = 7,
    fmt: str = "csv",
    with_tags: bool = False,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Path]:
    """Write orders, feedback, after_sales, im_sessions and shops to ``out_dir``.

    ``end`` is the export day: every timestamp lies before ``end`` 00:00 (score ``--as-of end``).
    ``with_tags`` adds the gold ``tags`` column; without it the tagger computes tags at scoring.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    end = date.fromisoformat(end) if isinstance(end, str) else end
    n_shops = n_shops or max(12, min(5000, n_orders // 400))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = con or duckdb.connect()
    start = end - timedelta(days=days)
    rows = ", ".join(
        f"({_lit(pool)}, {i}, {_lit(text)}, {_lit(tags)}, {_lit(CONTEXTS[text]) if text in CONTEXTS else 'NULL'})"
        for pool, items in POOLS.items() for i, (text, tags) in enumerate(items)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE texts AS SELECT * FROM (VALUES {rows}) t(pool, idx, text, tags, context)")
    con.execute("CREATE OR REPLACE TEMP TABLE pool_sizes AS SELECT pool, count(*) AS n FROM texts GROUP BY pool")
    con.execute(f"CREATE OR REPLACE TEMP MACRO u(i, salt) AS (hash(i, salt, {int(seed)}) % 1000003) / 1000003.0")
    inds = ", ".join(_lit(x) for x in INDUSTRIES)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE shops AS
        SELECT i AS k, printf('S%05d', i) AS shop_id,
               ([{inds}])[1 + CAST(floor(u(i, 'ind') * {len(INDUSTRIES)}) AS INTEGER)] AS industry,
               0.4 + 1.8 * u(i, 'q') AS q,                -- product problems multiplier
               6 + 40 * u(i, 'pick') AS pick_h,            -- typical hours to pickup
               24 + 72 * u(i, 'deliv') AS deliv_h,         -- typical hours pickup -> signed
               20 + 400 * u(i, 'svc') AS reply_s,          -- typical IM reply seconds
               2 + 60 * u(i, 'as') AS agree_h              -- typical hours to agree to after-sales
        FROM range({n_shops}) r(i)"""
    )
    span_s = days * 86400
    t0 = f"TIMESTAMP '{start} 00:00:00'"
    t_end = f"TIMESTAMP '{end} 00:00:00'"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE g_orders AS
        WITH o AS (
            SELECT i, CAST(floor({n_shops} * pow(u(i, 'shop'), 1.6)) AS BIGINT) AS k,
                   {t0} + to_seconds(CAST(floor(u(i, 'paid') * {span_s}) AS BIGINT)) AS paid_at,
                   u(i, 'abn') < 0.01 AS is_abnormal, u(i, 'pre') < 0.03 AS is_presale, u(i, 'ship') > 0.02 AS needs_shipping
            FROM range({n_orders}) r(i)
        ), t AS (
            SELECT o.*, s.shop_id, s.industry, s.q,
                   CASE WHEN needs_shipping AND u(i, 'lost') > 0.01 THEN paid_at + to_seconds(CAST(3600 * (
                        s.pick_h * (0.2 + 1.6 * u(i, 'pk')) + CASE WHEN is_presale THEN 120 ELSE 0 END) AS BIGINT)) END AS pk,
                   s.deliv_h * (0.5 + u(i, 'dl')) AS dl_h
            FROM o JOIN shops s USING (k)
        ), t2 AS (
            SELECT *, CASE WHEN pk IS NOT NULL AND u(i, 'nosig') > 0.08 THEN pk + to_seconds(CAST(3600 * dl_h AS BIGINT)) END AS sg
            FROM t
        )
        SELECT i, printf('O%09d', i) AS order_id, shop_id, industry, q, paid_at, is_abnormal, is_presale, needs_shipping,
               CASE WHEN pk < {t_end} THEN pk END AS picked_up_at,
               CASE WHEN sg < {t_end} THEN sg END AS signed_at,
               CASE WHEN coalesce(sg, paid_at + INTERVAL 5 DAY) + to_seconds(CAST(86400 * (1 + 6 * u(i, 'cf')) AS BIGINT)) < {t_end}
                    THEN coalesce(sg, paid_at + INTERVAL 5 DAY) + to_seconds(CAST(86400 * (1 + 6 * u(i, 'cf')) AS BIGINT)) END AS confirmed_at,
               shop_id || '-P' || CAST(floor(u(i, 'prod') * 8) AS INTEGER) AS product_id
        FROM t2"""
    )
    food = ", ".join(_lit(x) for x in FOOD)
    # feedback: one row per (order, kind); kind decides the channel and the text pool
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE g_feedback AS
        WITH base AS (
            SELECT i, order_id, shop_id, industry, q, paid_at, coalesce(signed_at, confirmed_at, paid_at + INTERVAL 4 DAY) AS got_at,
                   industry IN ({food}) AS is_food
            FROM g_orders
        ), kinds AS (
            SELECT i, order_id, shop_id, 'review' AS channel, 1 AS n, got_at + to_seconds(CAST(86400 * 6 * u(i, 'rt') AS BIGINT)) AS created_at,
                   CASE WHEN u(i, 'rn') < 0.09 * q THEN (CASE WHEN is_food THEN 'neg_food' ELSE 'neg_goods' END)
                        ELSE (CASE WHEN is_food THEN 'pos_food' ELSE 'pos_goods' END) END AS pool
            FROM base WHERE u(i, 'r') < 0.35
            UNION ALL  -- follow-up review (追评), later than the first
            SELECT i, order_id, shop_id, 'review', 2, got_at + to_seconds(CAST(86400 * (7 + 20 * u(i, 'rt2')) AS BIGINT)),
                   CASE WHEN is_food THEN 'pos_food' ELSE 'pos_goods' END
            FROM base WHERE u(i, 'r') < 0.35 AND u(i, 'r2') < 0.05
            UNION ALL
            SELECT i, order_id, shop_id, 'after_sales', 1, got_at + to_seconds(CAST(86400 * 5 * u(i, 'at') AS BIGINT)),
                   CASE WHEN u(i, 'an') < 0.55 THEN 'as_problem' ELSE 'as_neutral' END
            FROM base WHERE u(i, 'a') < 0.05 * q
            UNION ALL
            SELECT i, order_id, shop_id, 'complaint', 1, got_at + to_seconds(CAST(86400 * 10 * u(i, 'ct') AS BIGINT)), 'complaint'
            FROM base WHERE u(i, 'c') < 0.004 * q
            UNION ALL
            SELECT i, order_id, shop_id, 'im', 1, paid_at + to_seconds(CAST(86400 * 8 * u(i, 'it') AS BIGINT)),
                   CASE WHEN u(i, 'in') < 0.25 * q THEN 'im_complaint' ELSE 'im_question' END
            FROM base WHERE u(i, 'im') < 0.06
            UNION ALL  -- pre-sale chat: no order
            SELECT i, NULL, shop_id, 'im', 3, paid_at - to_seconds(CAST(86400 * 3 * u(i, 'pt') AS BIGINT)),
                   CASE WHEN u(i, 'pn') < 0.1 THEN 'im_complaint' ELSE 'im_question' END
            FROM base WHERE u(i, 'ps') < 0.03
        )
        SELECT printf('F%09d-%s-%d', k.i, k.channel, k.n) AS feedback_id, k.order_id, k.shop_id, k.channel, k.created_at,
               x.text, x.context, CASE WHEN k.channel = 'review' THEN
                   CASE WHEN k.pool LIKE 'neg%' THEN 1 + CAST(floor(u(k.i, 'rating') * 3) AS INTEGER)
                        ELSE 4 + CAST(u(k.i, 'rating') < 0.7 AS INTEGER) END END AS rating,
               NULLIF(x.tags, '') AS tags
        FROM kinds k
        JOIN pool_sizes ps ON ps.pool = k.pool
        JOIN texts x ON x.pool = k.pool AND x.idx = CAST(floor(u(k.i * 10 + k.n, k.channel) * ps.n) AS INTEGER)
        WHERE k.created_at < {t_end}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE g_after_sales AS
        WITH a AS (
            SELECT o.i, o.order_id, o.shop_id,
                   CASE WHEN u(o.i, 'ty') < 0.45 THEN 'refund_only' WHEN u(o.i, 'ty') < 0.9 THEN 'return_refund' ELSE 'exchange' END AS type,
                   CASE WHEN u(o.i, 'rs') < 0.45 THEN 'quality' WHEN u(o.i, 'rs') < 0.65 THEN 'logistics' ELSE 'other' END AS reason,
                   coalesce(o.signed_at, o.paid_at + INTERVAL 3 DAY) + to_seconds(CAST(86400 * 7 * u(o.i, 'rq') AS BIGINT)) AS requested_at,
                   s.agree_h
            FROM g_orders o JOIN shops s USING (shop_id)
            WHERE u(o.i, 'a') < 0.05 * o.q OR u(o.i, 'a2') < 0.02
        ), b AS (
            SELECT *, CASE WHEN u(i, 'noag') > 0.05 THEN requested_at + to_seconds(CAST(3600 * agree_h * (0.2 + 1.6 * u(i, 'ag')) AS BIGINT)) END AS agreed
            FROM a
        ), c AS (
            SELECT *, CASE WHEN type <> 'refund_only' AND agreed IS NOT NULL THEN agreed + to_seconds(CAST(3600 * (48 + 72 * u(i, 'rsg')) AS BIGINT)) END AS ret_signed
            FROM b
        ), d AS (
            SELECT *, CASE WHEN type = 'return_refund' AND ret_signed IS NOT NULL THEN ret_signed + to_seconds(CAST(3600 * (1 + 47 * u(i, 'rfa')) AS BIGINT)) END AS refund_agreed
            FROM c
        ), e AS (
            SELECT *, greatest(coalesce(agreed, requested_at), coalesce(ret_signed, requested_at), coalesce(refund_agreed, requested_at))
                      + to_seconds(CAST(3600 * (1 + 72 * u(i, 'cp')) AS BIGINT)) AS completed,
                   u(i, 'arb') < 0.08 AS arbitrated
            FROM d
        )
        SELECT printf('A%09d', i) AS case_id, order_id, shop_id, type, reason, requested_at,
               CASE WHEN agreed < {t_end} THEN agreed END AS merchant_agreed_at,
               CASE WHEN ret_signed < {t_end} THEN ret_signed END AS return_signed_at,
               CASE WHEN refund_agreed < {t_end} THEN refund_agreed END AS refund_agreed_at,
               CASE WHEN completed < {t_end} THEN completed END AS completed_at,
               arbitrated, arbitrated AND u(i, 'mf') < 0.6 AS merchant_fault
        FROM e WHERE requested_at < {t_end}"""
    )
    n_sessions = int(n_orders * 0.35)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE g_im AS
        WITH s AS (
            SELECT i, CAST(floor({n_shops} * pow(u(i, 'sshop'), 1.6)) AS BIGINT) AS k,
                   {t0} + to_seconds(CAST(86400 * floor(u(i, 'sday') * {days}) AS BIGINT))
                        + to_seconds(CAST(3600 * (CASE WHEN u(i, 'night') < 0.12 THEN 24 * u(i, 'h1') ELSE 8 + 15 * u(i, 'h2') END) AS BIGINT)) AS started_at
            FROM range({n_sessions}) r(i)
        )
        SELECT printf('M%09d', i) AS session_id, sh.shop_id, started_at, u(i, 'hum') < 0.7 AS to_human,
               CASE WHEN u(i, 'hum') < 0.7 AND u(i, 'noreply') > 0.04
                    THEN started_at + to_seconds(CAST(sh.reply_s * (-ln(1 - u(i, 'rep'))) AS BIGINT)) END AS first_human_reply_at
        FROM s JOIN shops sh USING (k)
        WHERE started_at < {t_end}"""
    )
    tag_col = ", tags" if with_tags else ""
    queries = {
        "orders": "SELECT order_id, shop_id, industry, paid_at, is_abnormal, is_presale, needs_shipping, picked_up_at, signed_at, confirmed_at, product_id FROM g_orders",
        "feedback": f"SELECT feedback_id, order_id, shop_id, channel, created_at, text, context, rating{tag_col} FROM g_feedback",
        "after_sales": "SELECT * FROM g_after_sales",
        "im_sessions": "SELECT * FROM g_im",
        # a third of the shops are flagship stores (seed 002): some opened less than a month before their
        # first assessment (they get a trial period), the others long before
        "shops": f"""SELECT shop_id, CASE WHEN u(k, 'flag') < 0.33 THEN 'flagship' WHEN u(k, 'flag') < 0.6 THEN 'specialty'
                                         WHEN u(k, 'flag') < 0.8 THEN 'enterprise' ELSE 'individual' END AS shop_type,
                            CAST(fa - to_days(CAST(CASE WHEN u(k, 'new') < 0.4 THEN floor(20 * u(k, 'op'))
                                                       ELSE 60 + floor(900 * u(k, 'op')) END AS INTEGER)) AS DATE) AS opened_at,
                            CASE WHEN u(k, 'flag') < 0.33 THEN fa END AS first_assessed_at
                     FROM (SELECT *, CAST({t0} + to_days(CAST(floor(75 * u(k, 'fa')) AS INTEGER)) AS DATE) AS fa FROM shops)
                     ORDER BY shop_id""",
    }
    paths = {}
    for name, q in queries.items():
        p = out / f"{name}.{fmt}"
        opts = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'"
        con.execute(f"COPY ({q}) TO {_lit(str(p))} ({opts})")
        paths[name] = p
    for t in ("g_orders", "g_feedback", "g_after_sales", "g_im", "shops", "texts", "pool_sizes"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return paths
