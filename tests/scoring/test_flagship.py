"""Flagship assessment: the worked examples of seed 002."""

from __future__ import annotations

from datetime import date

import pytest

from feedback_nlp.scoring.flagship import MonthResult, assess_flagship, ccr_target_for_industry

OPENED = date(2022, 1, 4)


def months(results: dict[str, bool]) -> list[MonthResult]:
    """pass -> score 4.5 / CCR 1%; fail -> score 3.5 (target 4.0, CCR target 2%)."""
    out = []
    for ym, ok in results.items():
        y, m = map(int, ym.split("-"))
        out.append(MonthResult(date(y, m, 1), 4.5 if ok else 3.5, 0.01, ccr_target=0.02))
    return out


def test_new_shop_periods_and_rolling_cycles():
    # 002: opened 2022-01-04 -> exemption to 01-31, trial 02-01..04-30, formal 05-01..10-31, next cycle 11-01
    res = assess_flagship(OPENED, months({f"2022-{m:02d}": True for m in range(2, 13)}), opened=OPENED)
    assert res.exemption == (date(2022, 1, 4), date(2022, 1, 31))
    assert res.trial == (date(2022, 2, 1), date(2022, 4, 30))
    assert res.formal_start == date(2022, 5, 1)
    assert [(c.start, c.end) for c in res.cycles] == [(date(2022, 5, 1), date(2022, 10, 31)), (date(2022, 11, 1), date(2023, 4, 30))]
    assert res.downgrades == [] and res.upgrades == []


def test_downgrade_after_third_failure_then_upgrade():
    # 002: formal from 05-01; 3 failed months by 08-31 -> downgraded 09-01; passing October -> apply in November
    res = assess_flagship(OPENED, months({"2022-05": False, "2022-06": True, "2022-07": False, "2022-08": False,
                                          "2022-09": False, "2022-10": True}), opened=OPENED)
    assert res.cycles[0].failed_months == [date(2022, 5, 1), date(2022, 7, 1), date(2022, 8, 1)]
    assert res.cycles[0].downgraded and res.cycles[0].end == date(2022, 8, 31)
    assert res.downgrades == [date(2022, 9, 1)]
    assert res.upgrades == [date(2022, 11, 1)]
    assert res.failed_months_per_cycle()[0] == (date(2022, 5, 1), date(2022, 8, 31), 3)
    sept = next(m for m in res.months if m.month == date(2022, 9, 1))
    assert (sept.phase, sept.store_type, sept.result) == ("recovery", "specialty", "fail")
    aug = next(m for m in res.months if m.month == date(2022, 8, 1))
    assert (aug.action, aug.failed_in_period) == ("downgrade", 3)
    assert next(m for m in res.months if m.month == date(2022, 10, 1)).action == "upgrade-eligible"


def test_established_shop_has_no_trial_and_failures_reset_each_cycle():
    res = assess_flagship(date(2022, 7, 15), months({"2022-08": False, "2022-09": False, "2023-01": True, "2023-02": False,
                                                     "2023-03": False}), opened=date(2021, 3, 1))
    assert res.trial is None and res.formal_start == date(2022, 8, 1)
    # cycle 1 Aug–Jan: 2 failures (no downgrade); cycle 2 from Feb: 2 failures so far
    assert [len(c.failed_months) for c in res.cycles] == [2, 2]
    assert res.downgrades == []


def test_failing_the_trial_downgrades():
    # 002: shops in 免考期+试考期 that miss the standard are downgraded (count: the formal threshold, 3)
    res = assess_flagship(OPENED, months({"2022-02": False, "2022-03": False, "2022-04": False, "2022-05": True}), opened=OPENED)
    assert res.trial_failed_months == [date(2022, 2, 1), date(2022, 3, 1), date(2022, 4, 1)]
    assert res.downgrades == [date(2022, 5, 1)]
    april = next(m for m in res.months if m.month == date(2022, 4, 1))
    assert (april.phase, april.action, april.failed_in_period) == ("trial", "downgrade", 3)
    may = next(m for m in res.months if m.month == date(2022, 5, 1))
    assert (may.phase, may.store_type, may.action) == ("recovery", "specialty", "upgrade-eligible")
    assert res.upgrades == [date(2022, 6, 1)]


def test_trial_failures_can_be_switched_off():
    from feedback_nlp.scoring.policy import load_policy

    pol = load_policy().replace(flagship__trial_failed_months_to_downgrade=0)
    res = assess_flagship(OPENED, months({"2022-02": False, "2022-03": False, "2022-04": False}), opened=OPENED, policy=pol)
    assert len(res.trial_failed_months) == 3 and res.downgrades == []


def test_less_than_a_month_is_calendar_months():
    # 02-28 -> 03-30 is a full month: no trial; 02-28 -> 03-27 is not
    assert assess_flagship(date(2022, 3, 30), [], opened=date(2022, 2, 28)).trial is None
    res = assess_flagship(date(2022, 3, 27), [], opened=date(2022, 2, 28))
    assert res.trial == (date(2022, 4, 1), date(2022, 6, 30))
    # 01-31 + 1 month = 02-28 (clipped): 02-27 is within the first month, 02-28 is not
    assert assess_flagship(date(2022, 2, 27), [], opened=date(2022, 1, 31)).trial is not None
    assert assess_flagship(date(2022, 2, 28), [], opened=date(2022, 1, 31)).trial is None


def test_month_without_ccr_target_is_an_error():
    from feedback_nlp.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="no CCR target"):
        assess_flagship(date(2022, 1, 4), [MonthResult(date(2022, 2, 1), 4.5, 0.01)])


def test_ccr_target_and_month_pass_rule():
    assert ccr_target_for_industry([0.01, 0.02, 0.03, 0.04, 0.05], 0.8) == pytest.approx(0.042)
    from feedback_nlp.scoring.policy import load_policy

    fp = load_policy().flagship
    assert MonthResult(date(2022, 5, 1), 4.0, 0.02, ccr_target=0.02).passed(fp) is True  # targets are inclusive
    assert MonthResult(date(2022, 5, 1), 4.2, 0.021, ccr_target=0.02).passed(fp) is False
    assert MonthResult(date(2022, 5, 1), None, 0.01, ccr_target=0.02).passed(fp) is None  # reported as no_data
