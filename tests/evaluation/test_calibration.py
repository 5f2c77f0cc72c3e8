import numpy as np
import pytest

from feedback_nlp.evaluation.calibration import pr_curve, reliability


def test_reliability_and_ece_by_hand():
    r = reliability(np.array([0.05, 0.15, 0.95, 0.85]), np.array([0, 1, 1, 1]), n_bins=2)
    assert [b.count for b in r.bins] == [2, 2]
    assert r.bins[0].mean_confidence == pytest.approx(0.1) and r.bins[0].frequency == 0.5
    assert r.bins[1].mean_confidence == pytest.approx(0.9) and r.bins[1].frequency == 1.0
    assert r.ece == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    edge = reliability(np.array([0.0, 1.0]), np.array([0, 1]), n_bins=10)
    assert edge.bins[0].count == 1 and edge.bins[-1].count == 1 and edge.ece == 0.0
    assert reliability(np.array([]), np.array([]), n_bins=5).ece is None


def test_pr_curve_by_hand():
    pr = pr_curve(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 0, 1, 0]), threshold=0.5)
    assert pr.average_precision == pytest.approx(5 / 6)
    assert (pr.precision_at_threshold, pr.recall_at_threshold) == (0.5, 0.5)
    assert pr.thresholds == [0.1, 0.3, 0.8, 0.9]
    assert pr.recall == [1.0, 1.0, 0.5, 0.5]
    none = pr_curve(np.array([0.9, 0.2]), np.array([0, 0]), threshold=0.5)
    assert none.average_precision is None and none.recall == [] and none.precision_at_threshold == 0.0
    assert none.recall_at_threshold is None


def test_average_precision_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = np.round(np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1), 2)  # ties included
    ours = pr_curve(s, y, 0.5)
    assert ours.average_precision == pytest.approx(metrics.average_precision_score(y, s))
    p, r, t = metrics.precision_recall_curve(y, s)
    assert ours.thresholds == pytest.approx(list(t))
    assert ours.precision == pytest.approx(list(p[:-1])) and ours.recall == pytest.approx(list(r[:-1]))
