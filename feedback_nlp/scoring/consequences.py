"""What the published rules attach to a shop's numbers: experience-score band, CCR violation severity.

* Experience-score bands (``experience.bands``): below 3.2 the platform may end cooperation, and a
  low score means less traffic, longer settlement and limited campaigns (seed 001).
* CCR anomaly (seed 000): products delisted and violation points by severity — minor A6, general
  B4, serious B8, very serious B12; two A6 → 2,000 yuan penalty, one B12 → deposit forfeited and shop
  suspended (seed 001). The CCR level of each severity is a policy value (``ccr.violation_levels``):
  the seeds give none.
"""

from __future__ import annotations

import pandas as pd

from feedback_nlp.scoring.policy import VIOLATIONS, Policy

__all__ = ["CONSEQUENCE_COLUMNS", "add_consequences", "violation_severity"]

CONSEQUENCE_COLUMNS = ["experience_band", "experience_consequences", "ccr_violation", "ccr_violation_points", "ccr_violation_consequences"]


def violation_severity(ccr: float | None, orders: int, policy: Policy) -> str | None:
    """The most severe level the CCR reaches (``None``: no anomaly, no CCR or too few orders)."""
    if ccr is None or ccr != ccr or orders < policy.ccr.violation_min_orders:
        return None
    reached = [k for k in VIOLATIONS if ccr >= policy.ccr.violation_levels[k]]
    return reached[-1] if reached else None


def add_consequences(shops: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Add :data:`CONSEQUENCE_COLUMNS` to a frame with ``experience_score``, ``ccr`` and ``ccr_orders``."""
    out = shops.copy()
    bands = [policy.experience.band(None if pd.isna(s) else float(s)) for s in out["experience_score"]]
    out["experience_band"] = [b["band"] if b else None for b in bands]
    out["experience_consequences"] = [b["consequences"] if b else None for b in bands]
    sev = [violation_severity(None if pd.isna(c) else float(c), int(n), policy) for c, n in zip(out["ccr"], out["ccr_orders"])]
    out["ccr_violation"] = sev
    out["ccr_violation_points"] = [VIOLATIONS[s][0] if s else None for s in sev]
    out["ccr_violation_consequences"] = [VIOLATIONS[s][1] if s else None for s in sev]
    return out
