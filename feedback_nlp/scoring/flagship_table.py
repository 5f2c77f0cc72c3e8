"""Flagship assessment from data: score every month end, derive the targets, apply the seed-002 rules.

For each flagship shop of the ``shops`` table, every month from its first assessment up to the last
month that ended before ``as_of`` is scored as of the 1st of the next month (the month's data
complete): experience score and CCR with the same SQL as ``score``. The CCR target of a month is the
``flagship.ccr_target_quantile`` of the CCRs of the shop's main category (its industry) that month;
the score target is ``flagship.experience_score_target``. :func:`assess_flagship` then walks the
periods. One row per shop and month (``FLAGSHIP_COLUMNS``), written as ``flagship.csv``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from feedback_nlp.errors import InputValidationError, InvalidInputError
from feedback_nlp.scoring.ccr import compute_ccr
from feedback_nlp.scoring.experience_score import compute_experience
from feedback_nlp.scoring.flagship import MonthResult, add_months, assess_flagship, ccr_target_for_industry
from feedback_nlp.scoring.policy import Policy
from feedback_nlp.scoring.schema import Problem
from feedback_nlp.scoring.tables import Inputs

__all__ = ["FLAGSHIP_COLUMNS", "flagship_table", "monthly_scores"]

FLAGSHIP_COLUMNS = [
    "shop_id", "month", "stage", "store_type", "experience_score", "score_target", "ccr", "ccr_target",
    "passed", "result", "failed_in_period", "action",
]


def _flagship_shops(inputs: Inputs) -> pd.DataFrame:
    if not inputs.has("shops"):
        raise InvalidInputError(
            "flagship assessment needs a shops table: shops.csv or shops.parquet with shop_id, shop_type, opened_at, first_assessed_at"
        )
    shops = inputs.con.execute(
        "SELECT s._row, s.shop_id, s.opened_at, s.first_assessed_at, o.industry FROM shops s "
        "LEFT JOIN (SELECT shop_id, any_value(industry) AS industry FROM orders GROUP BY shop_id) o USING (shop_id) "
        "WHERE s.shop_type = 'flagship' ORDER BY s.shop_id"
    ).df()
    missing = shops[shops["first_assessed_at"].isna()]
    if not missing.empty:
        raise InputValidationError([Problem(
            inputs.files.get("shops", "shops"), "first_assessed_at", "a flagship shop needs its first assessment date",
            tuple(int(r) for r in missing["_row"].head(20)), tuple(missing["shop_id"].head(20)), len(missing),
        )])
    return shops


def monthly_scores(inputs: Inputs, months: list[date], policy: Policy) -> pd.DataFrame:
    """Experience score, CCR and the industry's CCR target of every shop at the end of each month
    (``month`` = its 1st day; scored as of the 1st of the next month)."""
    frames = []
    for m in months:
        as_of = add_months(m, 1)
        ccr = compute_ccr(inputs, as_of, policy)[["shop_id", "industry", "ccr"]]
        exp, _, _ = compute_experience(inputs, as_of, policy)
        df = ccr.merge(exp[["shop_id", "experience_score"]], on="shop_id", how="left")
        targets = {ind: ccr_target_for_industry(g["ccr"], policy.flagship.ccr_target_quantile)
                   for ind, g in df.groupby("industry") if g["ccr"].notna().any()}
        df["ccr_target"] = df["industry"].map(targets)
        df["month"] = m
        frames.append(df)
    cols = ["month", "shop_id", "industry", "experience_score", "ccr", "ccr_target"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def flagship_table(inputs: Inputs, as_of: date, policy: Policy) -> pd.DataFrame:
    """One row per flagship shop and month from its first assessment to the last month ended before ``as_of``."""
    shops = _flagship_shops(inputs)
    last = add_months(as_of, -1)  # the last month scored as of its next 1st, which is on or before as_of
    if shops.empty:
        return pd.DataFrame(columns=FLAGSHIP_COLUMNS)
    first = min(pd.Timestamp(t).date() for t in shops["first_assessed_at"])
    months, m = [], add_months(first, 1)  # the first month is exempt: nothing to score
    while m <= last:
        months.append(m)
        m = add_months(m, 1)
    scores = monthly_scores(inputs, months, policy).set_index(["shop_id", "month"])
    target = policy.flagship.experience_score_target
    rows = []
    for shop in shops.itertuples(index=False):
        first_assessed = pd.Timestamp(shop.first_assessed_at).date()
        opened = None if pd.isna(shop.opened_at) else pd.Timestamp(shop.opened_at).date()
        results = []
        for m in months:
            if m <= first_assessed or (shop.shop_id, m) not in scores.index:
                continue
            s = scores.loc[(shop.shop_id, m)]
            # a target exists whenever the shop has a CCR (it is one of its industry's CCRs); without
            # one the month is 'no_data', reported as such
            results.append(MonthResult(m, _num(s["experience_score"]), _num(s["ccr"]), target, float(s["ccr_target"])))
        if first_assessed > as_of:
            continue
        res = assess_flagship(first_assessed, results, opened=opened, policy=policy, until=max(last, first_assessed))
        by_month = {r.month: r for r in results}
        for st in res.months:
            if st.month > last and st.phase != "exemption":
                continue
            r = by_month.get(st.month)
            rows.append({
                "shop_id": shop.shop_id, "month": f"{st.month:%Y-%m}", "stage": st.phase, "store_type": st.store_type,
                "experience_score": r.experience_score if r else None, "score_target": target if st.phase != "exemption" else None,
                "ccr": r.ccr if r else None, "ccr_target": _num(r.ccr_target) if r else None,
                "passed": {"pass": True, "fail": False}.get(st.result), "result": st.result,
                "failed_in_period": st.failed_in_period, "action": st.action,
            })
    return pd.DataFrame(rows, columns=FLAGSHIP_COLUMNS)


def _num(x) -> float | None:
    return None if pd.isna(x) else float(x)
