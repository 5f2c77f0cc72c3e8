"""``score()``: load → validate → CCR → experience score → shop_scores.csv / .json (+ HTML reports)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.safe_output import atomic_output, neutralize_frame
from feedback_nlp.scoring.ccr import CCR_DIMENSIONS, CCR_RANKED, ccr_by_product, ccr_by_tag, compute_ccr, prepare_feedback
from feedback_nlp.scoring.consequences import CONSEQUENCE_COLUMNS, add_consequences
from feedback_nlp.scoring.experience_score import SUBMETRIC_FIELDS, compute_experience, wide_submetrics
from feedback_nlp.scoring.tables import Inputs, Tagger, load_inputs
from feedback_nlp.scoring.tag_cache import CACHE_FILE
from feedback_nlp.scoring.policy import SUBMETRICS, Policy, load_policy

__all__ = ["ScoreResult", "score", "score_inputs", "write_outputs", "parse_date", "SHOP_COLUMNS"]

HEAD_COLUMNS = [
    "shop_id", "industry", "ccr", "ccr_product", "ccr_content", "ccr_service",
    "experience_score", "score_product", "score_logistics", "score_service",
]
CCR_DETAIL = ["ccr_orders", "ccr_neg_orders"] + [f"ccr_neg_{d}" for d in CCR_DIMENSIONS] + [
    "ccr_service_logistics", "ccr_neg_service_logistics", "ccr_neg_presale", "ccr_prev", "ccr_wow_change",
] + [f"{m}_industry_{f}" for m in CCR_RANKED for f in ("rank", "peers", "percentile")]
EXP_DETAIL = ["paid_orders_90d", "experience_status"] + CONSEQUENCE_COLUMNS
SHOP_COLUMNS = HEAD_COLUMNS + CCR_DETAIL + EXP_DETAIL + [
    (m if f == "value" else f"{m}_{f}") for m in SUBMETRICS for f in SUBMETRIC_FIELDS
]


def parse_date(value: str | date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"as-of date {value!r} is not an ISO date (YYYY-MM-DD)") from None


@dataclass
class ScoreResult:
    as_of: date
    policy: Policy
    shops: pd.DataFrame
    submetrics: pd.DataFrame
    tags: pd.DataFrame
    products: pd.DataFrame | None
    unavailable: dict[str, str]
    inputs: Inputs
    notes: list[str] = field(default_factory=list)
    flagship: pd.DataFrame | None = None  # one row per shop and assessed month (``flagship_table``)

    def shop(self, shop_id: str) -> dict[str, Any]:
        row = self.shops[self.shops["shop_id"] == shop_id]
        if row.empty:
            raise KeyError(f"no shop {shop_id!r}")
        return row.iloc[0].to_dict()

    def to_json_dict(self) -> dict[str, Any]:
        p = self.policy
        shops = []
        for rec in self.shops.to_dict("records"):
            sid = rec["shop_id"]
            head = {k: rec[k] for k in HEAD_COLUMNS + CCR_DETAIL + EXP_DETAIL}
            subs = {}
            for m in SUBMETRICS:
                subs[m] = {f: rec.get(m if f == "value" else f"{m}_{f}") for f in SUBMETRIC_FIELDS}
                subs[m]["dimension"] = SUBMETRICS[m][0]
                subs[m]["higher_is_better"] = SUBMETRICS[m][1]
            head["submetrics"] = subs
            t = self.tags[self.tags["shop_id"] == sid]
            head["ccr_orders_by_tag"] = dict(zip(t["tag"], t["orders"].astype(int)))
            shops.append(head)
        return _clean(
            {
                "as_of": self.as_of.isoformat(),
                "policy": {
                    "name": p.name, "version": p.version, "description": p.description, "timezone": p.timezone,
                    "ccr_window_days": p.ccr.window_days, "dimension_weights": p.experience.dimension_weights,
                },
                "tag_source": self.inputs.tag_source,
                "excluded_abnormal_rows": self.inputs.excluded,
                "tagging": self.inputs.tagging.to_dict() if self.inputs.tagging is not None else None,
                "unavailable": self.unavailable,
                "notes": self.notes,
                "shops": shops,
            }
        )


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        x = x.item()
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if x is pd.NA or x is pd.NaT:
        return None
    return x


def score_inputs(inputs: Inputs, as_of: str | date, policy: str | Policy | None = None, *, flagship: bool = False) -> ScoreResult:
    """Score already loaded inputs (``load_inputs``) as of a date; ``flagship`` adds the monthly
    flagship assessment of the shops table (``flagship_table``)."""
    as_of = parse_date(as_of)
    policy = load_policy(policy)
    prepare_feedback(inputs, policy)
    ccr = compute_ccr(inputs, as_of, policy)
    exp, long, unavailable = compute_experience(inputs, as_of, policy)
    wide = wide_submetrics(long, unavailable)
    shops = ccr.merge(exp.drop(columns="industry"), on="shop_id", how="left").merge(wide, on="shop_id", how="left")
    shops = add_consequences(shops, policy)
    shops = shops.reindex(columns=SHOP_COLUMNS).sort_values("shop_id").reset_index(drop=True)
    tags = ccr_by_tag(inputs, as_of, policy)
    products = ccr_by_product(inputs, as_of, policy)
    if not inputs.has("after_sales"):
        notes = ["after_sales absent: quality-return rate, dispute rate and handling times are unavailable"]
    else:
        notes = []
    if not inputs.has("im_sessions"):
        notes.append("im_sessions absent: IM 3-minute reply rate is unavailable")
    result = ScoreResult(as_of, policy, shops, long, tags, products, unavailable, inputs, notes + inputs.notes)
    if flagship:
        from feedback_nlp.scoring.flagship_table import flagship_table

        result.flagship = flagship_table(inputs, as_of, policy)
    return result


def score(
    data: str | Path | Mapping[str, Any],
    as_of: str | date,
    policy: str | Policy | None = None,
    out: str | Path | None = None,
    *,
    tagger: Tagger | None = None,
    reports: bool = True,
    flagship: bool = False,
    tag_cache: str | Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    timestamp_order: str = "error",
) -> ScoreResult:
    """Score every shop of ``data`` as of ``as_of``; with ``out`` write shop_scores.csv/.json and reports
    (and flagship.csv with ``flagship``). When the tagger runs, its tags are cached in ``tag_cache``
    (default ``<out>/tag_cache.parquet``) and reused by the next run with the same model.

    ``timestamp_order="exclude"`` removes rows with impossible timestamp order as abnormal
    instead of failing (see :func:`feedback_nlp.scoring.tables.load_inputs`).
    """
    policy = load_policy(policy)
    if tag_cache is None and out is not None:
        tag_cache = Path(out) / CACHE_FILE
    inputs = load_inputs(data, policy, tagger=tagger, memory_limit=memory_limit, threads=threads,
                         timestamp_order=timestamp_order, tag_cache=tag_cache)
    result = score_inputs(inputs, as_of, policy, flagship=flagship)
    if out is not None:
        write_outputs(result, out, reports=reports)
    return result


def write_outputs(result: ScoreResult, out: str | Path, *, reports: bool = True) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "shop_scores.csv", out / "shop_scores.json"]
    with atomic_output(paths[0], "w", encoding="utf-8", newline="") as f:
        neutralize_frame(result.shops).to_csv(f, index=False)  # shop ids come from the data
    with atomic_output(paths[1], "w", encoding="utf-8") as f:
        f.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1))
    if result.flagship is not None:
        paths.append(out / "flagship.csv")
        with atomic_output(paths[-1], "w", encoding="utf-8", newline="") as f:
            neutralize_frame(result.flagship).to_csv(f, index=False)
    if reports:
        from feedback_nlp.scoring.report import write_reports

        paths += write_reports(result, out / "reports")
    return paths
