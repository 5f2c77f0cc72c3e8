"""Flagship-store assessment (旗舰店考核, seed 002): periods, failed months, downgrade and upgrade dates.

A month passes when its experience score reaches the score target **and** its CCR does not
exceed the CCR target. Periods:

* exemption (免考期): first assessment day → end of that month;
* trial (试考期): only for shops open less than a month at the first assessment — the 3 natural
  months from the 1st of the next month;
* formal (正式考核期): rolling 6-month cycles from the 1st of the month after exemption/trial.
  The 3rd failed month (cumulative) of a cycle ends the cycle and downgrades the shop to 专卖店
  on the 1st of the next month. In the recovery period any passing month lets the shop apply for
  the upgrade in the following month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.scoring.policy import FlagshipPolicy, Policy, load_policy

__all__ = ["MonthResult", "Cycle", "MonthStatus", "FlagshipAssessment", "assess_flagship", "ccr_target_for_industry", "add_months", "month_end"]


def add_months(d: date, n: int) -> date:
    """First day of the month ``n`` months after ``d``'s month."""
    k = d.year * 12 + (d.month - 1) + n
    return date(k // 12, k % 12 + 1, 1)


def month_end(d: date) -> date:
    return add_months(d, 1) - timedelta(days=1)


@dataclass(frozen=True)
class MonthResult:
    """One month's assessment input. ``None`` values make the month 'not assessed'."""

    month: date
    experience_score: float | None
    ccr: float | None
    score_target: float | None = None
    ccr_target: float | None = None

    def passed(self, policy: FlagshipPolicy) -> bool | None:
        target = policy.experience_score_target if self.score_target is None else self.score_target
        if self.experience_score is None or self.ccr is None or self.ccr_target is None:
            return None
        return self.experience_score >= target and self.ccr <= self.ccr_target


@dataclass
class Cycle:
    start: date
    end: date
    failed_months: list[date] = field(default_factory=list)
    downgraded: bool = False


@dataclass(frozen=True)
class MonthStatus:
    month: date
    phase: str  # exemption | trial | formal | recovery
    store_type: str  # flagship | specialty (专卖店)
    result: str  # pass | fail | not_assessed | exempt


@dataclass
class FlagshipAssessment:
    exemption: tuple[date, date]
    trial: tuple[date, date] | None
    formal_start: date
    cycles: list[Cycle]
    downgrades: list[date]
    upgrades: list[date]  # first day of the month in which the shop may apply for the upgrade
    months: list[MonthStatus]
    trial_failed_months: list[date]

    def failed_months_per_cycle(self) -> list[tuple[date, date, int]]:
        return [(c.start, c.end, len(c.failed_months)) for c in self.cycles]


def ccr_target_for_industry(ccrs: Iterable[float], quantile: float = 0.8) -> float:
    """CCR target of a main category: the ``quantile`` of its shops' CCRs (linear interpolation)."""
    vals = sorted(float(v) for v in ccrs if v is not None)
    if not vals:
        raise InvalidInputError("no CCR values to derive a target from")
    pos = quantile * (len(vals) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def assess_flagship(
    first_assessed: date,
    months: Sequence[MonthResult],
    *,
    opened: date | None = None,
    policy: Policy | str | None = None,
    until: date | None = None,
) -> FlagshipAssessment:
    """Walk the months from the first assessment to ``until`` (default: last month given)."""
    fp = load_policy(policy).flagship
    by_month = {}
    for m in months:
        key = date(m.month.year, m.month.month, 1)
        if key in by_month:
            raise InvalidInputError(f"month {key:%Y-%m} given twice")
        by_month[key] = m
    exemption = (first_assessed, month_end(first_assessed))
    is_new = opened is not None and (first_assessed - opened).days < fp.new_shop_days
    trial = None
    start = add_months(first_assessed, 1)
    if is_new:
        trial = (start, add_months(start, fp.trial_months) - timedelta(days=1))
        start = add_months(start, fp.trial_months)
    formal_start = start
    last = until or (max(by_month) if by_month else formal_start)
    last = date(last.year, last.month, 1)

    statuses = [MonthStatus(date(first_assessed.year, first_assessed.month, 1), "exemption", "flagship", "exempt")]
    trial_failed: list[date] = []

    def result(m: date) -> bool | None:
        r = by_month.get(m)
        return None if r is None else r.passed(fp)

    def word(ok: bool | None) -> str:
        return "not_assessed" if ok is None else ("pass" if ok else "fail")

    m = add_months(first_assessed, 1)
    store = "flagship"
    if trial:
        trial_cycle = Cycle(trial[0], trial[1])
        while m < formal_start and m <= last:
            ok = result(m)
            statuses.append(MonthStatus(m, "trial", store, word(ok)))
            if ok is False:
                trial_failed.append(m)
                trial_cycle.failed_months.append(m)
            m = add_months(m, 1)
        if fp.trial_failures_count and len(trial_cycle.failed_months) >= fp.failed_months_to_downgrade:
            store = "specialty"

    cycles: list[Cycle] = []
    downgrades: list[date] = []
    upgrades: list[date] = []
    if store == "specialty":
        downgrades.append(formal_start)
    cycle = Cycle(formal_start, add_months(formal_start, fp.cycle_months) - timedelta(days=1)) if store == "flagship" else None
    if cycle:
        cycles.append(cycle)
    m = formal_start
    while m <= last:
        ok = result(m)
        if store == "flagship":
            assert cycle is not None
            if m > cycle.end:  # the cycle ran its 6 months: a new one starts
                cycle = Cycle(m, add_months(m, fp.cycle_months) - timedelta(days=1))
                cycles.append(cycle)
            statuses.append(MonthStatus(m, "formal", store, word(ok)))
            if ok is False:
                cycle.failed_months.append(m)
                if len(cycle.failed_months) >= fp.failed_months_to_downgrade:
                    cycle.downgraded = True
                    cycle.end = month_end(m)
                    downgrades.append(add_months(m, 1))
                    store = "specialty"
                    cycle = None
        else:
            statuses.append(MonthStatus(m, "recovery", store, word(ok)))
            if ok:
                upgrades.append(add_months(m, 1))
                if fp.assume_upgrade:
                    store = "flagship"
                    cycle = Cycle(add_months(m, 1), add_months(m, 1 + fp.cycle_months) - timedelta(days=1))
                    cycles.append(cycle)
        m = add_months(m, 1)
    return FlagshipAssessment(exemption, trial, formal_start, cycles, downgrades, upgrades, statuses, trial_failed)
