"""Calibration and thresholds that carry a confidence margin."""

from __future__ import annotations

import numpy as np
import pytest

from training.operating_points import calibrate, choose_thresholds, fit_platt, wilson_lower


def test_wilson_lower_bound():
    assert wilson_lower(0, 0) == 0.0
    assert wilson_lower(9, 10) < 0.9 < wilson_lower(900, 1000) + 0.02
    assert wilson_lower(90, 100) > wilson_lower(9, 10)  # more evidence, tighter bound


def test_platt_recovers_a_known_scaling():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 20000)
    y = (rng.random(z.size) < 1 / (1 + np.exp(-(0.5 * z - 1.0)))).astype(float)
    a, b = fit_platt(z, y)
    assert a == pytest.approx(0.5, abs=0.05) and b == pytest.approx(-1.0, abs=0.08)


def test_thresholds_meet_the_target_with_margin_and_small_support_pools():
    rng = np.random.default_rng(1)
    n = 2000
    y = np.zeros((n, 2))
    y[:400, 0] = 1
    y[:5, 1] = 1  # too few positives for its own threshold
    p = np.clip(rng.normal(0.25, 0.15, (n, 2)) + 0.5 * y, 0, 1)
    points = choose_thresholds(p, y, ["quality", "color"], target=0.85, min_threshold=0.5)
    q = points["quality"]
    assert q.method == "wilson" and q.threshold >= 0.5
    assert q.precision_lower_bound >= 0.85 and q.precision > q.precision_lower_bound
    assert points["color"].method == "pooled"


def test_calibrate_returns_probabilities_in_the_calibrated_space():
    rng = np.random.default_rng(2)
    y = (rng.random((3000, 1)) < 0.2).astype(float)
    raw = np.clip(0.98 * y + 0.6 * (1 - y) * rng.random((3000, 1)), 1e-4, 1 - 1e-4)  # over-confident positives
    out = calibrate(raw, y, ["price"])
    cal = out["calibrated_dev_probs"]
    assert cal.shape == raw.shape
    # calibration keeps the ranking of each tag
    assert np.array_equal(np.argsort(cal[:, 0], kind="stable"), np.argsort(raw[:, 0], kind="stable"))
    assert abs(cal[:, 0].mean() - y.mean()) < 0.02
