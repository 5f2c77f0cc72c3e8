"""Experience score (商家体验分, 3.0–5.0): sub-metrics → industry percentile → scores → weighted dimensions.

Each sub-metric is one SQL file ``sql/exp_<metric>.sql`` returning, per shop, the recency-weighted
numerator and denominator and their unweighted counts. A shop's value is ranked among the eligible
shops of its industry (``sql/rank.sql``) and mapped linearly onto [min_score, max_score].
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from feedback_nlp.scoring._sql import fetch_df
from feedback_nlp.scoring.ccr import rank_within_industry, shops_table
from feedback_nlp.scoring.tables import Inputs
from feedback_nlp.scoring.policy import DIMENSIONS, SUBMETRICS, Policy

__all__ = ["SUBMETRIC_TABLES", "SUBMETRIC_FIELDS", "submetric_values", "compute_experience"]

# tables each sub-metric needs (orders is always there)
SUBMETRIC_TABLES: dict[str, tuple[str, ...]] = {
    "bad_review_rate": ("feedback",),
    "quality_return_rate": ("after_sales",),
    "pickup_timeliness": (),
    "delivery_hours": (),
    "complaint_rate": ("feedback",),
    "dispute_merchant_fault_rate": ("after_sales",),
    "im_3min_reply_rate": ("im_sessions",),
    "refund_only_hours": ("after_sales",),
    "return_refund_hours": ("after_sales",),
    "good_service_review_rate": ("feedback",),
}
SUBMETRIC_FIELDS = ("value", "numerator", "denominator", "raw_numerator", "raw_denominator", "rank", "peers", "percentile", "score", "status")


def _params(policy: Policy, as_of: date) -> dict:
    e = policy.experience
    h = list(e.pickup_bucket_hours) + [float("inf")] * (3 - len(e.pickup_bucket_hours))
    c = list(e.pickup_bucket_credit) + [0.0] * (3 - len(e.pickup_bucket_credit))
    return {
        "as_of": as_of,
        "exclude_abnormal": policy.exclude_abnormal,
        "half_life": float(e.half_life_days),
        "bad_max": e.bad_review_max_rating,
        "bad_rule": e.bad_review,
        "good_min": e.good_review_min_rating,
        "unit": e.complaint_unit,
        "reply_s": e.im_reply_seconds,
        "im_from": e.im_hours[0],
        "im_to": e.im_hours[1],
        "h1": float(h[0]), "h2": float(h[1]), "h3": float(h[2]),
        "c1": float(c[0]), "c2": float(c[1]), "c3": float(c[2]),
    }


def submetric_values(inputs: Inputs, as_of: date, policy: Policy) -> tuple[pd.DataFrame, dict[str, str]]:
    """Long table (shop_id, metric, numerator, denominator, raw_numerator, raw_denominator) and the
    metrics that could not be computed, with the reason."""
    params = _params(policy, as_of)
    frames, unavailable = [], {}
    for metric, tables in SUBMETRIC_TABLES.items():
        missing = [t for t in tables if not inputs.has(t)]
        if missing:
            unavailable[metric] = f"table {', '.join(missing)} absent"
            continue
        df = fetch_df(inputs.con, f"exp_{metric}", **params)
        df["metric"] = metric
        frames.append(df)
    cols = ["shop_id", "metric", "numerator", "denominator", "raw_numerator", "raw_denominator"]
    long = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    return long, unavailable


def compute_experience(inputs: Inputs, as_of: date, policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Returns (per-shop scores, long sub-metric table with ranks and scores, unavailable metrics)."""
    e = policy.experience
    shops = shops_table(inputs)
    paid = fetch_df(inputs.con, "exp_paid_orders", as_of=as_of, exclude_abnormal=policy.exclude_abnormal)
    shops = shops.merge(paid, on="shop_id", how="left")
    shops["paid_orders_90d"] = shops["paid_orders"].fillna(0).astype("int64")
    shops = shops.drop(columns="paid_orders")
    shop_ok = shops["paid_orders_90d"] >= e.min_paid_orders

    long, unavailable = submetric_values(inputs, as_of, policy)
    available = [m for m in SUBMETRICS if m not in unavailable]
    grid = shops[["shop_id", "industry"]].merge(pd.DataFrame({"metric": available}), how="cross")
    long = grid.merge(long, on=["shop_id", "metric"], how="left")
    for c in ("numerator", "denominator", "raw_numerator", "raw_denominator"):
        long[c] = long[c].astype("float64").fillna(0.0)
    long["value"] = long["numerator"] / long["denominator"].where(long["denominator"] > 0)
    long["higher_is_better"] = long["metric"].map(lambda m: SUBMETRICS[m][1])
    long["dimension"] = long["metric"].map(lambda m: SUBMETRICS[m][0])
    min_den = long["metric"].map(e.min_den)
    ok_shop = long["shop_id"].isin(shops.loc[shop_ok, "shop_id"])
    long["status"] = np.select(
        [~ok_shop, long["raw_denominator"] <= 0, long["raw_denominator"] < min_den],
        ["shop_below_min_orders", "no_data", "insufficient"],
        default="scored",
    )
    long["eligible"] = long["status"] == "scored"
    ranks = rank_within_industry(
        inputs, long[["shop_id", "industry", "metric", "value", "higher_is_better", "eligible"]].fillna({"value": 0.0}), e.min_industry_shops
    )
    long = long.merge(ranks, on=["shop_id", "metric"], how="left")
    long["score"] = e.min_score + (e.max_score - e.min_score) * long["percentile"]

    # dimension scores: weighted mean of the scored sub-metrics; overall: weighted mean of dimensions
    long["w"] = long["metric"].map(e.submetric_weight)
    scored = long[long["eligible"] & (long["w"] > 0)].copy()
    scored["ws"] = scored["w"] * scored["score"]
    dims = scored.groupby(["shop_id", "dimension"])[["ws", "w"]].sum()
    dims = (dims["ws"] / dims["w"]).unstack("dimension").reindex(columns=list(DIMENSIONS))
    dims.columns = [f"score_{d}" for d in DIMENSIONS]
    out = shops.merge(dims, left_on="shop_id", right_index=True, how="left")
    num = sum(out[f"score_{d}"].fillna(0) * e.dimension_weights[d] for d in DIMENSIONS)
    den = sum(out[f"score_{d}"].notna() * e.dimension_weights[d] for d in DIMENSIONS)
    out["experience_score"] = (num / den.where(den > 0)).clip(e.min_score, e.max_score)
    out.loc[~shop_ok.values, "experience_score"] = np.nan
    out["experience_status"] = np.where(
        ~shop_ok.values, f"below {e.min_paid_orders} valid paid orders in 90 days", np.where(out["experience_score"].isna(), "no scored sub-metric", "scored")
    )
    long = long.drop(columns=["w", "eligible", "industry"])
    return out, long, unavailable


def wide_submetrics(long: pd.DataFrame, unavailable: dict[str, str]) -> pd.DataFrame:
    """One row per shop, columns ``<metric>`` (value) and ``<metric>_<field>``."""
    parts = []
    for metric in SUBMETRICS:
        if metric in unavailable:
            continue
        sub = long[long["metric"] == metric].set_index("shop_id")
        cols = {f: (metric if f == "value" else f"{metric}_{f}") for f in SUBMETRIC_FIELDS}
        parts.append(sub[list(cols)].rename(columns=cols))
    wide = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=long["shop_id"].unique())
    for metric, why in unavailable.items():
        wide[metric] = np.nan
        wide[f"{metric}_status"] = f"unavailable: {why}"
    wide.index.name = "shop_id"
    return wide.reset_index()
