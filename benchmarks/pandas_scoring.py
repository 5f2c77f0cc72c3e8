"""The scoring computation in plain pandas: the baseline of the benchmark and an independent
oracle for the SQL (tests/scoring/test_pandas_parity.py). Same rules as the SQL files, default
policy switches only (paid_at attribution, pre-sale chat excluded, complaint unit 'order',
bad review by rating). Loads whole tables into memory — that is the point of the comparison.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_nlp.taxonomy import TAGS
from feedback_nlp.scoring.policy import DIMENSIONS, SUBMETRICS, Policy, load_policy

DIM = {t.id: t.dimension.value for t in TAGS}


def _read(data_dir: Path, name: str, cols: list[str]) -> pd.DataFrame | None:
    for ext in ("parquet", "csv"):
        p = Path(data_dir) / f"{name}.{ext}"
        if p.exists():
            return pd.read_parquet(p, columns=cols) if ext == "parquet" else pd.read_csv(p, usecols=cols)
    return None


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s)  # demo data: naive local timestamps


def score_pandas(data_dir: str | Path, as_of: date, policy: Policy | str | None = None) -> pd.DataFrame:
    pol = load_policy(policy)
    e = pol.experience
    end = pd.Timestamp(as_of)
    day = pd.Timedelta(days=1)

    def win(ts, a, b):  # days a..b before as_of
        return (ts >= end - b * day) & (ts < end - (a - 1) * day)

    def decay(ts):
        if e.half_life_days <= 0:
            return pd.Series(1.0, index=ts.index)
        return 0.5 ** (((end - ts).dt.total_seconds() / 86400.0) / e.half_life_days)

    o = _read(data_dir, "orders", ["order_id", "shop_id", "industry", "paid_at", "is_abnormal", "is_presale", "needs_shipping", "picked_up_at", "signed_at", "confirmed_at"])
    for c in ("paid_at", "picked_up_at", "signed_at", "confirmed_at"):
        o[c] = _ts(o[c])
    o = o[~o["is_abnormal"].astype(bool)] if pol.exclude_abnormal else o
    f = _read(data_dir, "feedback", ["feedback_id", "order_id", "shop_id", "channel", "created_at", "rating", "tags"])
    f["created_at"] = _ts(f["created_at"])
    f = f[f["created_at"] < end]
    f = f[f["order_id"].notna() & f["order_id"].isin(o["order_id"])]
    # every valid feedback item counts for CCR; sub-metrics on "the first review" use the first per channel
    ff = f.sort_values(["created_at", "feedback_id"]).drop_duplicates(["order_id", "channel"])
    tags = f[["feedback_id", "order_id", "tags"]].replace({"tags": {"": None}}).dropna(subset=["tags"])
    tags = tags.assign(tag=tags["tags"].str.split(";")).explode("tag")
    tags["group"] = tags["tag"].map(DIM)
    tags["dimension"] = tags["group"].replace({"logistics": "service"})  # three CCR dimensions (seed 000)

    shops = o.groupby("shop_id")["industry"].first().to_frame()
    # CCR
    w0 = end - pol.ccr.window_days * day
    co = o[(o["paid_at"] >= w0) & (o["paid_at"] < end)]
    shops["ccr_orders"] = co.groupby("shop_id").size()
    nt = tags[tags["order_id"].isin(co["order_id"])].merge(co[["order_id", "shop_id"]], on="order_id")
    shops["ccr_neg_orders"] = nt.groupby("shop_id")["order_id"].nunique()
    for d in ("product", "content", "service"):
        shops[f"ccr_neg_{d}"] = nt[nt["dimension"] == d].groupby("shop_id")["order_id"].nunique()
    shops["ccr_neg_service_logistics"] = nt[nt["group"] == "logistics"].groupby("shop_id")["order_id"].nunique()
    shops = shops.fillna({c: 0 for c in shops.columns if c.startswith("ccr_")})
    shops["ccr"] = shops["ccr_neg_orders"] / shops["ccr_orders"].where(shops["ccr_orders"] > 0)
    for d in ("product", "content", "service", "service_logistics"):
        shops[f"ccr_{d}"] = shops[f"ccr_neg_{d}"] / shops["ccr_orders"].where(shops["ccr_orders"] > 0)

    subs: dict[str, pd.DataFrame] = {}

    def add(metric, df, ts, num):
        w = decay(ts)
        g = pd.DataFrame({"shop_id": df["shop_id"].values, "n": (w * num).values, "d": w.values, "rn": np.asarray(num, dtype=float), "rd": 1.0})
        subs[metric] = g.groupby("shop_id")[["n", "d", "rn", "rd"]].sum()

    reviews = ff[ff["channel"] == "review"]
    # bad review rate
    sig = o["signed_at"].fillna(o["confirmed_at"])
    b = o[win(sig, 1, 90)].assign(ts=sig)
    bad = set(reviews.loc[reviews["rating"] <= e.bad_review_max_rating, "order_id"])
    add("bad_review_rate", b, b["ts"], b["order_id"].isin(bad).astype(float))
    # quality return
    a = _read(data_dir, "after_sales", ["order_id", "shop_id", "type", "reason", "requested_at", "merchant_agreed_at", "return_signed_at", "refund_agreed_at", "completed_at", "arbitrated", "merchant_fault"])
    lag = o[win(o["paid_at"], 15, 104)]
    if a is not None:
        for c in ("requested_at", "merchant_agreed_at", "return_signed_at", "refund_agreed_at", "completed_at"):
            a[c] = _ts(a[c])
        r = a[a["type"].isin(["return_refund", "refund_only"]) & a["reason"].isin(["quality", "logistics"]) & (a["requested_at"] < end)]
        add("quality_return_rate", lag, lag["paid_at"], lag["order_id"].isin(set(r["order_id"])).astype(float))
    # pickup
    p = o[win(o["picked_up_at"], 1, 90) & ~o["is_presale"].astype(bool) & o["needs_shipping"].astype(bool)]
    h = (p["picked_up_at"] - p["paid_at"]).dt.total_seconds() / 3600
    hb, cb = e.pickup_bucket_hours, e.pickup_bucket_credit
    credit = np.select([h < hb[0], h < hb[1], h < hb[2]], list(cb), 0.0)
    add("pickup_timeliness", p, p["picked_up_at"], credit)
    # delivery
    dl = o[win(o["signed_at"], 1, 90) & o["picked_up_at"].notna()]
    add("delivery_hours", dl, dl["signed_at"], (dl["signed_at"] - dl["picked_up_at"]).dt.total_seconds() / 3600)
    # complaints
    comp = set(f.loc[f["channel"] == "complaint", "order_id"])
    add("complaint_rate", lag, lag["paid_at"], lag["order_id"].isin(comp).astype(float))
    if a is not None:
        av = a[a["order_id"].isin(o["order_id"])]
        done = av[win(av["completed_at"], 1, 90)]
        add("dispute_merchant_fault_rate", done, done["completed_at"], (done["arbitrated"].astype(bool) & done["merchant_fault"].astype(bool)).astype(float))
        ro = done[done["type"] == "refund_only"]
        add("refund_only_hours", ro, ro["completed_at"], (ro["merchant_agreed_at"].fillna(ro["completed_at"]) - ro["requested_at"]).dt.total_seconds() / 3600)
        rr = done[done["type"].isin(["return_refund", "exchange"])]
        leg1 = (rr["merchant_agreed_at"].fillna(rr["completed_at"]) - rr["requested_at"]).dt.total_seconds() / 3600
        refund_end = rr["refund_agreed_at"].where(rr["type"] == "exchange", rr["refund_agreed_at"].fillna(rr["completed_at"]))
        leg2 = ((refund_end - rr["return_signed_at"]).dt.total_seconds() / 3600).fillna(0.0)  # an exchange has no refund
        add("return_refund_hours", rr, rr["completed_at"], leg1 + leg2)
    im = _read(data_dir, "im_sessions", ["shop_id", "started_at", "to_human", "first_human_reply_at"])
    if im is not None:
        im["started_at"], im["first_human_reply_at"] = _ts(im["started_at"]), _ts(im["first_human_reply_at"])
        tod = im["started_at"].dt.floor("s") - im["started_at"].dt.normalize()
        lo, hi = (pd.Timedelta(x) for x in e.im_hours)
        s = im[im["to_human"].astype(bool) & win(im["started_at"], 1, 90) & (tod >= lo) & (tod <= hi)]
        ok = ((s["first_human_reply_at"] - s["started_at"]).dt.total_seconds() <= e.im_reply_seconds).astype(float)
        add("im_3min_reply_rate", s, s["started_at"], ok)
    rv = reviews[win(reviews["created_at"], 1, 90)]
    svc = set(tags.loc[tags["group"] == "service", "feedback_id"])
    add("good_service_review_rate", rv, rv["created_at"], ((rv["rating"] >= e.good_review_min_rating) & ~rv["feedback_id"].isin(svc)).astype(float))

    paid90 = o[win(o["paid_at"], 1, 90)].groupby("shop_id").size()
    shops["paid_orders_90d"] = paid90.reindex(shops.index).fillna(0)
    return rank_and_combine(shops, subs, pol)


def rank_and_combine(shops: pd.DataFrame, subs: dict[str, pd.DataFrame], pol: Policy) -> pd.DataFrame:
    """Per-shop sub-metric sums (n, d, rn, rd) -> values, industry percentiles, scores, dimensions.
    Works on one row per shop (tiny), shared by the pandas and Polars baselines."""
    e = pol.experience
    ok_shop = shops["paid_orders_90d"] >= e.min_paid_orders
    dim_num = pd.DataFrame(0.0, index=shops.index, columns=list(DIMENSIONS))
    dim_den = dim_num.copy()
    for m, g in subs.items():
        g = g.reindex(shops.index)
        shops[f"{m}_numerator"], shops[f"{m}_denominator"] = g["n"], g["d"]
        shops[m] = g["n"] / g["d"]
        elig = ok_shop & (g["rd"] >= max(e.min_den(m), 1e-12)) & g["rd"].notna()
        good = (shops[m] if SUBMETRICS[m][1] else -shops[m]).round(9)
        pct = pd.Series(np.nan, index=shops.index)
        n_ind = elig.groupby(shops["industry"]).transform("sum")
        by_ind = elig & (n_ind >= e.min_industry_shops)
        ranked_ind = good[by_ind].groupby(shops.loc[by_ind, "industry"]).rank(method="average")
        pct[by_ind] = (ranked_ind - 1) / (n_ind[by_ind] - 1).where(n_ind[by_ind] > 1)
        rest = elig & ~by_ind
        if rest.any():
            ranked_all = good[elig].rank(method="average")
            pct[rest] = ((ranked_all - 1) / max(elig.sum() - 1, 1))[rest]
        pct[elig & pct.isna()] = 0.5
        shops[f"{m}_score"] = e.min_score + (e.max_score - e.min_score) * pct
        wm = e.submetric_weight(m)
        dim = SUBMETRICS[m][0]
        dim_num[dim] += (shops[f"{m}_score"] * wm).fillna(0)
        dim_den[dim] += shops[f"{m}_score"].notna() * wm
    for d in DIMENSIONS:
        shops[f"score_{d}"] = dim_num[d] / dim_den[d].where(dim_den[d] > 0)
    num = sum(shops[f"score_{d}"].fillna(0) * e.dimension_weights[d] for d in DIMENSIONS)
    den = sum(shops[f"score_{d}"].notna() * e.dimension_weights[d] for d in DIMENSIONS)
    shops["experience_score"] = (num / den.where(den > 0)).where(ok_shop)
    return shops.reset_index()
