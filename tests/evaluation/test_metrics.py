import dataclasses
import math

import numpy as np
import pytest

from feedback_nlp.evaluation.metrics import (
    Estimate,
    bootstrap_stats,
    compute_metrics,
    paired_differences,
    precision_recall_f1,
    to_matrix,
    wilson_interval,
)
from feedback_nlp.taxonomy import TAG_IDS

GOLD = [["size"], ["size", "taste"], [], [], ["other"]]
PRED = [["size"], ["taste"], ["size"], [], []]
TRAP = [False, False, True, True, False]


@pytest.fixture(scope="module")
def hand():
    return compute_metrics(GOLD, PRED, TAG_IDS, slices={"trap=true": TRAP}, n_boot=200, seed=1)


def test_precision_recall_f1_by_hand():
    assert precision_recall_f1(1, 1, 1) == (0.5, 0.5, 0.5)
    assert precision_recall_f1(3, 1, 2) == (0.75, 0.6, pytest.approx(6 / 9))
    # empty sets
    assert precision_recall_f1(0, 0, 0) == (None, None, None)  # no positives, no predictions
    assert precision_recall_f1(0, 0, 4) == (None, 0.0, 0.0)  # no predictions
    assert precision_recall_f1(0, 3, 0) == (0.0, None, 0.0)  # no positives


def test_wilson_by_hand():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_per_tag_by_hand(hand):
    size = hand.tag("size")
    assert (size.tp, size.fp, size.fn, size.support, size.predicted) == (1, 1, 1, 2, 2)
    assert (size.precision.value, size.recall.value, size.f1.value) == (0.5, 0.5, 0.5)
    assert (size.precision.numerator, size.precision.denominator) == (1, 2)
    taste = hand.tag("taste")
    assert (taste.precision.value, taste.recall.value, taste.f1.value) == (1.0, 1.0, 1.0)
    other = hand.tag("other")  # a positive never predicted
    assert (other.precision.value, other.recall.value, other.f1.value) == (None, 0.0, 0.0)
    color = hand.tag("color")  # no positive, no prediction
    assert (color.precision.value, color.recall.value, color.f1.value) == (None, None, None)
    assert color.precision.ci_low is None and color.precision.wilson_low is None


def test_micro_macro_detection_by_hand(hand):
    assert hand.micro.precision.value == pytest.approx(2 / 3)
    assert hand.micro.recall.value == pytest.approx(0.5)
    assert hand.micro.f1.value == pytest.approx(4 / 7)
    # macro over the tags where the value is defined
    assert hand.macro.precision.value == pytest.approx(0.75)
    assert hand.macro.recall.value == pytest.approx(0.5)
    assert hand.macro.f1.value == pytest.approx(0.5)
    assert hand.detection.precision.value == pytest.approx(2 / 3)
    assert hand.detection.recall.value == pytest.approx(2 / 3)
    assert hand.fpr_no_gold.value == 0.5 and (hand.fpr_no_gold.numerator, hand.fpr_no_gold.denominator) == (1, 2)
    assert hand.flagged_rate.value == pytest.approx(0.6)
    assert hand.gold_rate.value == pytest.approx(0.6)


def test_dimension_and_slice_by_hand(hand):
    product = hand.per_dimension["product"]
    assert product.precision.value == pytest.approx(2 / 3) and product.recall.value == 1.0
    assert "overall" not in hand.per_dimension  # `other` counts toward overall CCR only (= detection)
    assert hand.per_dimension["logistics"].precision.value is None
    trap = hand.slice("trap", "true")
    assert (trap.n, trap.n_no_gold) == (2, 2)
    assert trap.fpr_no_gold.value == 0.5 and trap.flagged_rate.value == 0.5
    assert trap.detection.recall.value is None  # no gold positive among traps


def test_empty_sets():
    none = compute_metrics([[], []], [[], []], TAG_IDS, n_boot=20)
    assert none.micro.precision.value is None and none.micro.recall.value is None and none.micro.f1.value is None
    assert none.detection.precision.value is None and none.fpr_no_gold.value == 0.0
    assert none.macro.f1.value is None
    no_pos = compute_metrics([[], []], [["size"], []], TAG_IDS, n_boot=20)
    assert (no_pos.micro.precision.value, no_pos.micro.recall.value, no_pos.micro.f1.value) == (0.0, None, 0.0)
    assert no_pos.fpr_no_gold.value == 0.5
    no_pred = compute_metrics([["size"], []], [[], []], TAG_IDS, n_boot=20)
    assert (no_pred.micro.precision.value, no_pred.micro.recall.value, no_pred.micro.f1.value) == (None, 0.0, 0.0)


def _estimates(obj):
    if isinstance(obj, Estimate):
        yield obj
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _estimates(getattr(obj, f.name))
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _estimates(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _estimates(v)


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(3)
    n = 300
    gold, pred = [], []
    for _ in range(n):
        g = [t for t in TAG_IDS[:6] if rng.random() < 0.15]
        p = [t for t in TAG_IDS[:6] if (t in g and rng.random() < 0.8) or (t not in g and rng.random() < 0.08)]
        gold.append(g)
        pred.append(p)
    kind = rng.random(n) < 0.3
    return gold, pred, kind


def test_bootstrap_ci_contains_point_estimate(synthetic):
    gold, pred, kind = synthetic
    m = compute_metrics(gold, pred, TAG_IDS, slices={"kind=a": kind, "kind=b": ~kind}, n_boot=300, seed=0)
    checked = 0
    for e in _estimates(m):
        if e.value is None:
            continue
        assert e.ci_low is not None and e.ci_low <= e.value + 1e-12 <= e.ci_high + 2e-12, e
        if e.wilson_low is not None:
            assert e.wilson_low <= e.value <= e.wilson_high
        checked += 1
    assert checked > 50
    # the Wilson and bootstrap intervals of a proportion roughly agree
    p = m.detection.precision
    assert abs(p.ci_low - p.wilson_low) < 0.05 and abs(p.ci_high - p.wilson_high) < 0.05


def test_bootstrap_is_deterministic_and_paired(synthetic):
    gold, pred, _ = synthetic
    g, p = to_matrix(gold, TAG_IDS), to_matrix(pred, TAG_IDS)
    worse = p.copy()
    worse[:, 0] = True  # the baseline flags `quality` everywhere
    a = bootstrap_stats(g, {"model": p, "baseline": worse}, TAG_IDS, n_boot=200, seed=5)
    b = bootstrap_stats(g, {"model": p, "baseline": worse}, TAG_IDS, n_boot=200, seed=5)
    assert all(np.array_equal(a["model"][k], b["model"][k], equal_nan=True) for k in a["model"])
    same = paired_differences(a["model"], a["model"])
    assert same["micro.f1"].value == 0.0 and same["micro.f1"].ci_low == 0.0 and same["micro.f1"].ci_high == 0.0
    diff = paired_differences(a["model"], a["baseline"])
    assert diff["flagged_rate"].value < 0 and diff["flagged_rate"].ci_high < 0
    assert diff["micro.precision"].ci_low > 0  # paired: a clear improvement has a CI above 0
    assert math.isclose(diff["micro.f1"].value, a["model"]["micro.f1"][0] - a["baseline"]["micro.f1"][0])
