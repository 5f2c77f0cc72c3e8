"""Flagship-store assessment (旗舰店考核, seed 002): periods, failed months, downgrade and upgrade dates.

A month passes when its experience score reaches the score target **and** its CCR does not
exceed the CCR target. Periods:

* exemption (免考期): first assessment day → end of that month;
* trial (试考期): only for shops open less than a calendar month at the first assessment — the 3
  natural months from the 1st of the next month; failing it downgrades (``trial_failed_months_to_downgrade``);
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

__all__ = ["MonthResult", "Cycle", "MonthStatus", "FlagshipAssessment", "assess_flagship", "ccr_target_for_industry",
           "add_months", "month_end", "one_month_later", "is_new_shop"]


def add_months(d: date, n: int) -> date:
    """First day of the month ``n`` months after ``d``'s month."""
    k = d.year * 12 + (d.month - 1) + n
    return date(k // 12, k % 12 + 1, 1)


def month_end(d: date) -> date:
    return add_months(d, 1) - timedelta(days=1)


def one_month_later(d: date) -> date:
    """The same day one calendar month later, clipped to the month's end (01-31 → 02-29)."""
    first = add_months(d, 1)
    return date(first.year, first.month, min(d.day, month_end(first).day))


def is_new_shop(opened: date | None, first_assessed: date) -> bool:
    """Open less than a calendar month at the first assessment (seed 002: 店铺入驻不满一个月): 02-28 → 03-30 is a month."""
    return opened is not None and first_assessed < one_month_later(opened)


@dataclass(frozen=True)
class MonthResult:
    """One month's assessment input. A month without a score or CCR is 'no_data'; a CCR target is required."""

    month: date
    experience_score: float | None
    ccr: float | None
    score_target: float | None = None
    ccr_target: float | None = None

    def passed(self, policy: FlagshipPolicy) -> bool | None:
        """Score ≥ target and CCR ≤ CCR target (both inclusive); ``None`` when the shop has no score or CCR."""
        if self.ccr_target is None:
            raise InvalidInputError(f"month {self.month:%Y-%m} has no CCR target; give ccr_target (ccr_target_for_industry)")
        target = policy.experience_score_target if self.score_target is None else self.score_target
        if _missing(self.experience_score) or _missing(self.ccr):
            return None
        return self.experience_score >= target and self.ccr <= self.ccr_target


def _missing(x: float | None) -> bool:
    return x is None or x != x


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
    store_type: str  # flagship | specialty (专卖店), at the start of the month
    result: str  # pass | fail | no_data | exempt
    action: str = "none"  # none | downgrade (专卖店 from the 1st of next month) | upgrade-eligible (may apply next month)
    failed_in_period: int = 0  # failed months so far in the trial or the current formal cycle


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


def ccr_target_for_industry(ccrs: Iterable[float | None], quantile: float = 0.8) -> float:
    """CCR target of a main category: the ``quantile`` of its shops' CCRs (linear interpolation)."""
    vals = sorted(float(v) for v in ccrs if not _missing(v))
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
    by_month: dict[date, MonthResult] = {}
    for r in months:
        key = date(r.month.year, r.month.month, 1)
        if key in by_month:
            raise InvalidInputError(f"month {key:%Y-%m} given twice")
        by_month[key] = r
    exemption = (first_assessed, month_end(first_assessed))
    start = add_months(first_assessed, 1)
    trial = (start, add_months(start, fp.trial_months) - timedelta(days=1)) if is_new_shop(opened, first_assessed) else None
    formal_start = add_months(start, fp.trial_months) if trial else start
    last = until or (max(by_month) if by_month else formal_start)
    last = date(last.year, last.month, 1)

    statuses = [MonthStatus(date(first_assessed.year, first_assessed.month, 1), "exemption", "flagship", "exempt")]
    cycles: list[Cycle] = []
    downgrades: list[date] = []
    upgrades: list[date] = []
    trial_failed: list[date] = []
    store, cycle, trial_over = "flagship", None, trial is None
    m = start
    while m <= last:
        ok = by_month[m].passed(fp) if m in by_month else None
        action, failed = "none", 0
        if store == "specialty":
            phase = "recovery"
            if ok:
                action = "upgrade-eligible"
                upgrades.append(add_months(m, 1))
        elif not trial_over and trial is not None and m <= trial[1]:
            phase = "trial"
            if ok is False:
                trial_failed.append(m)
            failed = len(trial_failed)
            if ok is False and failed == fp.trial_failed_months_to_downgrade:
                action = "downgrade"
        else:
            phase = "formal"
            if cycle is None or m > cycle.end:  # the first cycle, or the last one ran its 6 months
                cycle = Cycle(m, add_months(m, fp.cycle_months) - timedelta(days=1))
                cycles.append(cycle)
            if ok is False:
                cycle.failed_months.append(m)
            failed = len(cycle.failed_months)
            if ok is False and failed >= fp.failed_months_to_downgrade:
                action = "downgrade"
                cycle.downgraded, cycle.end = True, month_end(m)
        statuses.append(MonthStatus(m, phase, store, "no_data" if ok is None else ("pass" if ok else "fail"), action, failed))
        if action == "downgrade":
            downgrades.append(add_months(m, 1))
            store, cycle, trial_over = "specialty", None, True
        elif action == "upgrade-eligible" and fp.assume_upgrade:
            store = "flagship"
            cycle = Cycle(add_months(m, 1), add_months(m, 1 + fp.cycle_months) - timedelta(days=1))
            cycles.append(cycle)
        m = add_months(m, 1)
    return FlagshipAssessment(exemption, trial, formal_start, cycles, downgrades, upgrades, statuses, trial_failed)
