"""CCR (用户负反馈率): negative-feedback orders ÷ valid paid orders, per shop and dimension.

All counting happens in ``sql/valid_feedback.sql``, ``sql/neg_units.sql`` and ``sql/ccr*.sql``;
this module sets parameters, derives rates and the industry position of each dimension.
Three dimensions (seed 000): product, content, service; logistics tags count under service and
are kept as the breakdown ``ccr_service_logistics``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

import pandas as pd

from feedback_nlp.scoring._sql import fetch_df, run_sql
from feedback_nlp.scoring.tables import Inputs
from feedback_nlp.scoring.policy import Policy

__all__ = ["CCR_DIMENSIONS", "CCR_RANKED", "prepare_feedback", "ccr_over_dates", "compute_ccr", "ccr_by_tag", "ccr_by_product", "ccr_orders", "rank_within_industry"]

CCR_DIMENSIONS = ("product", "content", "service")
#: CCR columns placed within the industry (overall and per dimension, seed 000 Q7)
CCR_RANKED = ("ccr",) + tuple(f"ccr_{d}" for d in CCR_DIMENSIONS)


def prepare_feedback(inputs: Inputs, policy: Policy) -> None:
    """(Re)build the temp tables valid_feedback and neg_units from the current tags."""
    con = inputs.con
    run_sql(con, "macros")
    run_sql(con, "valid_feedback", exclude_abnormal=policy.exclude_abnormal)
    run_sql(con, "neg_units", exclude_abnormal=policy.exclude_abnormal, first_only=policy.ccr.first_feedback_per_channel,
            presale_numerator=policy.ccr.presale_chat == "numerator")


def _params(policy: Policy) -> dict:
    return {"window_days": policy.ccr.window_days, "exclude_abnormal": policy.exclude_abnormal, "attribution": policy.ccr.attribution}


def ccr_over_dates(inputs: Inputs, dates: Sequence[date], policy: Policy) -> pd.DataFrame:
    """Counts and rates per (as_of, shop_id) for several as-of dates in one query."""
    con = inputs.con
    con.execute("CREATE OR REPLACE TEMP TABLE ccr_dates (as_of DATE)")
    con.executemany("INSERT INTO ccr_dates VALUES (?)", [(d,) for d in sorted(set(dates))])
    df = fetch_df(con, "ccr", **_params(policy))
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    orders = df["orders"].where(df["orders"] > 0)
    df["ccr"] = df["neg_orders"] / orders
    for d in CCR_DIMENSIONS + ("service_logistics",):
        df[f"ccr_{d}"] = df[f"neg_{d}"] / orders
    return df


def rank_within_industry(inputs: Inputs, values: pd.DataFrame, min_industry_shops: int) -> pd.DataFrame:
    """Rank ``values`` (shop_id, industry, metric, value, higher_is_better, eligible) with ``sql/rank.sql``."""
    con = inputs.con
    con.register("_rank_input", values)
    con.execute("CREATE OR REPLACE TEMP TABLE rank_input AS SELECT * FROM _rank_input")
    con.unregister("_rank_input")
    return fetch_df(con, "rank", min_industry_shops=min_industry_shops)


def shops_table(inputs: Inputs) -> pd.DataFrame:
    return inputs.con.execute("SELECT shop_id, any_value(industry) AS industry FROM orders GROUP BY shop_id ORDER BY shop_id").df()


def compute_ccr(inputs: Inputs, as_of: date, policy: Policy) -> pd.DataFrame:
    """One row per shop: CCR overall and per dimension, week-over-week change, industry percentile."""
    prev = as_of - timedelta(days=policy.ccr.wow_lag_days)
    per_date = ccr_over_dates(inputs, [as_of, prev], policy)
    shops = shops_table(inputs)
    cur = per_date[per_date["as_of"] == as_of].drop(columns="as_of")
    old = per_date[per_date["as_of"] == prev][["shop_id", "ccr"]].rename(columns={"ccr": "ccr_prev"})
    out = shops.merge(cur, on="shop_id", how="left").merge(old, on="shop_id", how="left")
    for c in ["orders", "neg_orders", "neg_presale", "neg_service_logistics"] + [f"neg_{d}" for d in CCR_DIMENSIONS]:
        out[c] = out[c].fillna(0).astype("int64")
    out["ccr_wow_change"] = out["ccr"] - out["ccr_prev"]
    values = pd.concat(
        [
            pd.DataFrame({"shop_id": out["shop_id"], "industry": out["industry"], "metric": m, "value": out[m].fillna(0.0),
                          "higher_is_better": False, "eligible": out[m].notna()})
            for m in CCR_RANKED
        ],
        ignore_index=True,
    )
    ranks = rank_within_industry(inputs, values, policy.ccr.min_industry_shops)
    ranks = ranks[ranks["peer_group"] == "industry"]  # CCR position is only meaningful among industry peers
    for m in CCR_RANKED:
        r = ranks[ranks["metric"] == m][["shop_id", "rank", "peers", "percentile"]]
        r = r.rename(columns={"rank": f"{m}_industry_rank", "peers": f"{m}_industry_peers", "percentile": f"{m}_industry_percentile"})
        out = out.merge(r, on="shop_id", how="left")
        out[f"{m}_industry_percentile"] = out[f"{m}_industry_percentile"] * 100.0
    return out.rename(columns={"orders": "ccr_orders", "neg_orders": "ccr_neg_orders", "neg_presale": "ccr_neg_presale"}).rename(
        columns={f"neg_{d}": f"ccr_neg_{d}" for d in CCR_DIMENSIONS + ("service_logistics",)}
    )


def ccr_by_tag(inputs: Inputs, as_of: date, policy: Policy) -> pd.DataFrame:
    """Negative orders per tag (an order with two tags counts under both)."""
    return fetch_df(inputs.con, "ccr_by_tag", as_of=as_of, window_days=policy.ccr.window_days, attribution=policy.ccr.attribution)


def ccr_by_product(inputs: Inputs, as_of: date, policy: Policy) -> pd.DataFrame | None:
    """CCR per product id; ``None`` when orders carry no product_id column."""
    if not inputs.has_product_id:
        return None
    return fetch_df(inputs.con, "ccr_by_product", as_of=as_of, **_params(policy))


def ccr_orders(inputs: Inputs, as_of: date, policy: Policy) -> pd.DataFrame:
    """Drill-down: the orders (and pre-sale chats) behind the CCR numerator, with their feedback."""
    return fetch_df(inputs.con, "ccr_orders", as_of=as_of, window_days=policy.ccr.window_days, attribution=policy.ccr.attribution)
