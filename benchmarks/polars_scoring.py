"""The scoring computation in Polars (lazy, multi-threaded): a second baseline of the benchmark.

Same rules and default policy switches as ``pandas_scoring.py``; every per-row aggregation runs in
Polars, the per-shop ranking (one row per shop) reuses ``pandas_scoring.rank_and_combine``.
Checked against the SQL in tests/scoring/test_pandas_parity.py (skipped without polars).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from feedback_nlp.scoring.policy import Policy, load_policy
from feedback_nlp.taxonomy import TAGS
from pandas_scoring import rank_and_combine

GROUP = {t.id: t.dimension.value for t in TAGS}
TS = ("paid_at", "picked_up_at", "signed_at", "confirmed_at", "created_at", "requested_at", "merchant_agreed_at",
      "return_signed_at", "refund_agreed_at", "completed_at", "started_at", "first_human_reply_at")


def _scan(data_dir: Path, name: str) -> pl.LazyFrame | None:
    for ext in ("parquet", "csv"):
        p = Path(data_dir) / f"{name}.{ext}"
        if p.exists():
            lf = pl.scan_parquet(p) if ext == "parquet" else pl.scan_csv(p, try_parse_dates=False, infer_schema=False)
            names = lf.collect_schema().names()
            casts = [pl.col(c).cast(pl.Datetime("us")) if ext == "parquet" else pl.col(c).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
                     for c in TS if c in names]
            if ext == "csv":
                casts += [(pl.col(c).str.to_lowercase() == "true") for c in ("is_abnormal", "is_presale", "needs_shipping", "to_human", "arbitrated", "merchant_fault") if c in names]
                casts += [pl.col("rating").cast(pl.Int32, strict=False)] if "rating" in names else []
            return lf.with_columns(casts)
    return None


def _hours(a: str, b: str) -> pl.Expr:
    return (pl.col(b) - pl.col(a)).dt.total_seconds() / 3600.0


def score_polars(data_dir: str | Path, as_of: date, policy: Policy | str | None = None) -> pd.DataFrame:
    pol = load_policy(policy)
    e = pol.experience
    end = pl.lit(pd.Timestamp(as_of).to_pydatetime()).cast(pl.Datetime("us"))
    day = pl.duration(days=1)

    def win(c: str | pl.Expr, a: int, b: int) -> pl.Expr:
        ts = pl.col(c) if isinstance(c, str) else c
        return (ts >= end - b * day) & (ts < end - (a - 1) * day)

    def decay(ts: pl.Expr) -> pl.Expr:
        if e.half_life_days <= 0:
            return pl.lit(1.0)
        return pl.lit(0.5).pow((end - ts).dt.total_seconds() / 86400.0 / e.half_life_days)

    def sums(lf: pl.LazyFrame, ts: pl.Expr, num: pl.Expr) -> pl.LazyFrame:
        w = decay(ts)
        return lf.group_by("shop_id").agg((w * num).sum().alias("n"), w.sum().alias("d"), num.cast(pl.Float64).sum().alias("rn"),
                                          pl.len().cast(pl.Float64).alias("rd"))

    o = _scan(data_dir, "orders")
    if pol.exclude_abnormal:
        o = o.filter(~pl.col("is_abnormal"))
    o = o.select("order_id", "shop_id", "industry", "paid_at", "is_presale", "needs_shipping", "picked_up_at", "signed_at", "confirmed_at").collect().lazy()
    f = _scan(data_dir, "feedback").select("feedback_id", "order_id", "shop_id", "channel", "created_at", "rating", "tags")
    f = f.filter((pl.col("created_at") < end) & pl.col("order_id").is_not_null()).join(o.select("order_id"), on="order_id", how="semi").collect().lazy()
    first = f.sort("created_at", "feedback_id").unique(["order_id", "channel"], keep="first", maintain_order=True)
    tags = (f.filter(pl.col("tags").is_not_null() & (pl.col("tags") != "")).select("feedback_id", "order_id", pl.col("tags").str.split(";").alias("tag"))
            .explode("tag").with_columns(pl.col("tag").replace_strict(GROUP).alias("group")))
    tags = tags.with_columns(pl.col("group").replace({"logistics": "service"}).alias("dimension")).collect().lazy()

    jobs: dict[str, pl.LazyFrame] = {}
    co = o.filter((pl.col("paid_at") >= end - pol.ccr.window_days * day) & (pl.col("paid_at") < end))
    jobs["ccr_orders"] = co.group_by("shop_id").agg(pl.len().alias("ccr_orders"))
    nt = tags.join(co.select("order_id", "shop_id"), on="order_id")
    jobs["ccr_neg"] = nt.group_by("shop_id").agg(
        pl.col("order_id").n_unique().alias("ccr_neg_orders"),
        *[pl.col("order_id").filter(pl.col("dimension") == d).n_unique().alias(f"ccr_neg_{d}") for d in ("product", "content", "service")],
        pl.col("order_id").filter(pl.col("group") == "logistics").n_unique().alias("ccr_neg_service_logistics"),
    )
    reviews = first.filter(pl.col("channel") == "review")
    sig = pl.coalesce("signed_at", "confirmed_at")
    bad = reviews.filter(pl.col("rating") <= e.bad_review_max_rating).select("order_id").with_columns(pl.lit(1.0).alias("bad"))
    b = o.filter(win(sig, 1, 90)).join(bad, on="order_id", how="left")
    jobs["bad_review_rate"] = sums(b, sig, pl.col("bad").fill_null(0.0))
    lag = o.filter(win("paid_at", 15, 104))
    a = _scan(data_dir, "after_sales")
    if a is not None:
        a = a.join(o.select("order_id"), on="order_id", how="semi").collect().lazy()
        ret = (a.filter(pl.col("type").is_in(["return_refund", "refund_only"]) & pl.col("reason").is_in(["quality", "logistics"]) & (pl.col("requested_at") < end))
               .select("order_id").unique().with_columns(pl.lit(1.0).alias("r")))
        jobs["quality_return_rate"] = sums(lag.join(ret, on="order_id", how="left"), pl.col("paid_at"), pl.col("r").fill_null(0.0))
    p = o.filter(win("picked_up_at", 1, 90) & ~pl.col("is_presale") & pl.col("needs_shipping"))
    h, (h1, h2, h3), (c1, c2, c3) = _hours("paid_at", "picked_up_at"), e.pickup_bucket_hours, e.pickup_bucket_credit
    credit = pl.when(h < h1).then(c1).when(h < h2).then(c2).when(h < h3).then(c3).otherwise(0.0)
    jobs["pickup_timeliness"] = sums(p, pl.col("picked_up_at"), credit)
    dl = o.filter(win("signed_at", 1, 90) & pl.col("picked_up_at").is_not_null())
    jobs["delivery_hours"] = sums(dl, pl.col("signed_at"), _hours("picked_up_at", "signed_at"))
    comp = f.filter(pl.col("channel") == "complaint").select("order_id").unique().with_columns(pl.lit(1.0).alias("c"))
    jobs["complaint_rate"] = sums(lag.join(comp, on="order_id", how="left"), pl.col("paid_at"), pl.col("c").fill_null(0.0))
    if a is not None:
        done = a.filter(win("completed_at", 1, 90))
        jobs["dispute_merchant_fault_rate"] = sums(done, pl.col("completed_at"), (pl.col("arbitrated") & pl.col("merchant_fault")).cast(pl.Float64))
        ro = done.filter(pl.col("type") == "refund_only")
        leg1 = (pl.coalesce("merchant_agreed_at", "completed_at") - pl.col("requested_at")).dt.total_seconds() / 3600.0
        jobs["refund_only_hours"] = sums(ro, pl.col("completed_at"), leg1)
        rr = done.filter(pl.col("type").is_in(["return_refund", "exchange"]))
        refund_end = pl.when(pl.col("type") == "exchange").then(pl.col("refund_agreed_at")).otherwise(pl.coalesce("refund_agreed_at", "completed_at"))
        leg2 = ((refund_end - pl.col("return_signed_at")).dt.total_seconds() / 3600.0).fill_null(0.0)
        jobs["return_refund_hours"] = sums(rr, pl.col("completed_at"), leg1 + leg2)
    im = _scan(data_dir, "im_sessions")
    if im is not None:
        tod = pl.col("started_at").dt.truncate("1s") - pl.col("started_at").dt.truncate("1d")
        lo, hi = (pd.Timedelta(x).to_pytimedelta() for x in e.im_hours)
        s = im.filter(pl.col("to_human") & win("started_at", 1, 90) & (tod >= lo) & (tod <= hi))
        ok = ((pl.col("first_human_reply_at") - pl.col("started_at")).dt.total_seconds() <= e.im_reply_seconds).fill_null(False).cast(pl.Float64)
        jobs["im_3min_reply_rate"] = sums(s, pl.col("started_at"), ok)
    rv = reviews.filter(win("created_at", 1, 90))
    svc = tags.filter(pl.col("group") == "service").select("feedback_id").unique().with_columns(pl.lit(True).alias("svc"))
    rv = rv.join(svc, on="feedback_id", how="left")
    jobs["good_service_review_rate"] = sums(rv, pl.col("created_at"), ((pl.col("rating") >= e.good_review_min_rating) & pl.col("svc").is_null()).cast(pl.Float64))
    jobs["shops"] = o.group_by("shop_id").agg(pl.col("industry").first(), win("paid_at", 1, 90).sum().alias("paid_orders_90d"))

    names = list(jobs)
    done_frames = dict(zip(names, pl.collect_all([jobs[n] for n in names])))
    shops = done_frames.pop("shops").to_pandas().set_index("shop_id")
    for k in ("ccr_orders", "ccr_neg"):
        shops = shops.join(done_frames.pop(k).to_pandas().set_index("shop_id"))
    shops = shops.fillna({c: 0 for c in shops.columns if c.startswith("ccr_")})
    shops["ccr"] = shops["ccr_neg_orders"] / shops["ccr_orders"].where(shops["ccr_orders"] > 0)
    for d in ("product", "content", "service", "service_logistics"):
        shops[f"ccr_{d}"] = shops[f"ccr_neg_{d}"] / shops["ccr_orders"].where(shops["ccr_orders"] > 0)
    subs = {m: df.to_pandas().set_index("shop_id") for m, df in done_frames.items()}
    return rank_and_combine(shops, subs, pol)
