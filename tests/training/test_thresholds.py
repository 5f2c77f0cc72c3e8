"""training/thresholds.py: max recall at a precision floor, on toy problems with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from training.thresholds import best_threshold, tune_thresholds

# ranked by score: 4 positives, a negative, a positive, then negatives
SCORES = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
GOLD = np.array([1, 1, 1, 1, 0, 1, 0, 0, 0])


def test_best_threshold_known_answers():
    # floor 0.9: only the top 4 (precision 1.0) qualify; cut halfway between 0.8 and 0.7
    t, p, r = best_threshold(SCORES, GOLD, 0.9)
    assert (t, p, r) == (pytest.approx(0.75), 1.0, 0.8)
    # floor 0.8: the top 6 have precision 5/6 >= 0.8, the top 7 only 5/7; cut between 0.6 and 0.5
    t, p, r = best_threshold(SCORES, GOLD, 0.8)
    assert (t, p, r) == (pytest.approx(0.55), pytest.approx(5 / 6), 1.0)
    # the order of the inputs does not matter
    perm = np.random.default_rng(0).permutation(len(SCORES))
    assert best_threshold(SCORES[perm], GOLD[perm], 0.8) == best_threshold(SCORES, GOLD, 0.8)


def test_best_threshold_limits():
    assert best_threshold(SCORES, GOLD, 0.9, min_tp=5) is None  # 4 true positives at precision ≥ 0.9
    assert best_threshold(SCORES, np.zeros_like(GOLD), 0.5) is None  # no positive at all
    assert best_threshold(SCORES, GOLD, 0.9, hi=0.7)[0] == 0.7  # clamped into [lo, hi]
    low = np.array([0.19, 0.18, 0.1])
    assert best_threshold(low, np.array([1, 1, 0]), 0.9) is None  # accepted scores below lo do not count


def test_best_threshold_cuts_only_between_distinct_scores():
    scores = np.array([0.9, 0.9, 0.8, 0.8, 0.1])
    gold = np.array([1, 1, 1, 0, 0])
    t, p, r = best_threshold(scores, gold, 0.9)  # 0.8 is tied with a negative: only the two 0.9s qualify
    assert (t, p, r) == (pytest.approx(0.85), 1.0, pytest.approx(2 / 3))


def test_tune_thresholds_per_tag_pooled_and_unreachable():
    n = 40
    rng = np.random.default_rng(1)
    probs = rng.uniform(0.0, 0.3, (n, 3))
    gold = np.zeros((n, 3))
    # "a": 20 positives above 20 negatives -> its own threshold, low enough to admit 2 negatives (20/22 ≥ 0.9)
    gold[:20, 0] = 1
    probs[:20, 0] = np.linspace(0.9, 0.6, 20)
    probs[20:, 0] = np.linspace(0.3, 0.01, 20)
    # "b": 2 positives (below min_support) -> the pooled threshold
    gold[:2, 1] = 1
    probs[:2, 1] = [0.8, 0.7]
    # "c": 20 positives scored below 5 negatives -> best precision 20/25 < 0.9 on its own -> pooled
    gold[:20, 2] = 1
    probs[:20, 2] = 0.35
    probs[20:25, 2] = 0.5
    choices = tune_thresholds(probs, gold, ["a", "b", "c"], precision_floor=0.9, min_support=15)

    a = choices["a"]
    assert (a.method, a.support, a.recall) == ("per-tag", 20, 1.0) and a.precision == pytest.approx(20 / 22)
    assert a.threshold == pytest.approx((probs[21, 0] + probs[22, 0]) / 2)  # between the 2nd and 3rd negative
    pooled = best_threshold(probs.ravel(), gold.ravel(), 0.9)
    assert pooled is not None
    for label, support in (("b", 2), ("c", 20)):
        c = choices[label]
        assert c.method == "pooled" and c.threshold == pytest.approx(pooled[0]) and c.support == support
    assert pooled[0] == pytest.approx(0.55)  # between a's lowest positive (0.6) and c's negatives (0.5)
    assert choices["c"].recall == 0.0  # honest: the pooled threshold keeps no text of "c"
    assert choices["b"].recall == 1.0


def test_tune_thresholds_fallback_when_nothing_qualifies():
    probs = np.array([[0.9, 0.2], [0.8, 0.3], [0.1, 0.1]])
    gold = np.array([[0, 0], [0, 0], [1, 0]])  # every positive ranks last: no threshold reaches the floor
    choices = tune_thresholds(probs, gold, ["a", "b"], precision_floor=0.9, min_support=1, fallback=0.6)
    assert {c.method for c in choices.values()} == {"fallback"}
    assert {c.threshold for c in choices.values()} == {0.6}
    assert choices["a"].recall == 0.0 and choices["b"].support == 0
