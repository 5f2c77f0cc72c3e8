"""Calibration and ranking quality of per-tag probabilities.

- :func:`reliability`: equal-width probability bins with mean confidence and observed
  frequency of the tag, and the expected calibration error
  ``ECE = Σ_b (n_b / n) · |freq_b − conf_b|``.
- :func:`pr_curve`: the precision–recall curve of one tag (every distinct score is a
  threshold, as in scikit-learn's ``precision_recall_curve``), average precision, and the
  operating point at the model's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from feedback_nlp.evaluation.metrics import precision_recall_f1

__all__ = ["ReliabilityBin", "Reliability", "PRCurve", "TagCalibration", "reliability", "pr_curve", "calibrate"]


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    frequency: float | None


@dataclass(frozen=True)
class Reliability:
    bins: list[ReliabilityBin]
    ece: float | None
    n: int


@dataclass(frozen=True)
class PRCurve:
    """Points ordered by increasing threshold; ``precision[i]`` / ``recall[i]`` hold at ``thresholds[i]``."""

    precision: list[float]
    recall: list[float]
    thresholds: list[float]
    average_precision: float | None
    threshold: float
    precision_at_threshold: float | None
    recall_at_threshold: float | None
    support: int


@dataclass(frozen=True)
class TagCalibration:
    tag: str
    reliability: Reliability
    pr: PRCurve


def reliability(scores: np.ndarray, gold: np.ndarray, n_bins: int = 10) -> Reliability:
    """Reliability bins and ECE of probabilities ``scores`` for binary outcomes ``gold``."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(gold, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin b holds [edges[b], edges[b+1]); the last bin also holds 1.0
    which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        mask = which == b
        count = int(mask.sum())
        conf = float(s[mask].mean()) if count else None
        freq = float(y[mask].mean()) if count else None
        if count:
            ece += count / len(s) * abs(freq - conf)  # type: ignore[operator]
        bins.append(ReliabilityBin(float(edges[b]), float(edges[b + 1]), count, conf, freq))
    return Reliability(bins, float(ece) if len(s) else None, int(len(s)))


def pr_curve(scores: np.ndarray, gold: np.ndarray, threshold: float = 0.5, max_points: int = 500) -> PRCurve:
    """Precision–recall curve of one tag, average precision, and the point at ``threshold``.

    The stored curve keeps at most ``max_points`` points (evenly spaced, both ends kept);
    average precision and the threshold point are computed on the full curve.

    With no gold positive, recall and average precision are undefined (``None`` and an
    empty curve).
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(gold, dtype=bool)
    support = int(y.sum())
    tp_at = int((y & (s >= threshold)).sum())
    fp_at = int((~y & (s >= threshold)).sum())
    p_at, r_at, _ = precision_recall_f1(tp_at, fp_at, support - tp_at)
    if support == 0 or len(s) == 0:
        return PRCurve([], [], [], None, float(threshold), p_at, r_at, support)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]
    tps = np.cumsum(y_sorted)[distinct]
    fps = (distinct + 1) - tps
    precision = tps / (tps + fps)
    recall = tps / support
    thresholds = s_sorted[distinct]
    # average precision: Σ (R_k − R_{k−1}) · P_k over decreasing thresholds
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    keep = np.arange(len(thresholds))
    if len(keep) > max_points:
        keep = np.unique(np.linspace(0, len(keep) - 1, max_points).round().astype(int))
    precision, recall, thresholds = precision[keep], recall[keep], thresholds[keep]
    rev = slice(None, None, -1)
    return PRCurve(
        precision=[float(x) for x in precision[rev]],
        recall=[float(x) for x in recall[rev]],
        thresholds=[float(x) for x in thresholds[rev]],
        average_precision=ap,
        threshold=float(threshold),
        precision_at_threshold=p_at,
        recall_at_threshold=r_at,
        support=support,
    )


def calibrate(
    scores: np.ndarray, gold: np.ndarray, labels: list[str], thresholds: dict[str, float], n_bins: int = 10
) -> tuple[list[TagCalibration], Reliability]:
    """Per-tag reliability and PR curves, and the reliability of all (text, tag) pairs pooled."""
    per_tag = [
        TagCalibration(label, reliability(scores[:, j], gold[:, j], n_bins), pr_curve(scores[:, j], gold[:, j], thresholds[label]))
        for j, label in enumerate(labels)
    ]
    pooled = reliability(scores.ravel(), gold.ravel(), n_bins)
    return per_tag, pooled
