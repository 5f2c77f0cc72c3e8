"""Operating points: per-tag calibration on dev, then thresholds with a margin that transfers.

A fine-tuned classifier's raw scores are over-confident, and a threshold picked where
dev precision just reaches the floor (0.87–0.99 in v1) sits on a handful of dev texts:
on other domains and writers it does not hold. Here:

1. **Platt scaling per tag** on dev logits (``σ(a·z + b)``), folded into the model's
   linear head before export, so the shipped model's probabilities are calibrated and
   its thresholds are read as probabilities.
2. **Thresholds by a confidence bound**: the lowest threshold (most recall) whose
   one-sided Wilson lower bound of dev precision is at least the precision target, and
   never below ``min_threshold``. Small dev support widens the bound and raises the
   threshold by itself; a tag with too little support gets the pooled threshold.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

Z_90 = 1.2816  # one-sided 90% normal quantile


def wilson_lower(k: int, n: int, z: float = Z_90) -> float:
    if n == 0:
        return 0.0
    p = k / n
    den = 1 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / den


def fit_platt(z: np.ndarray, y: np.ndarray, c: float = 100.0) -> tuple[float, float]:
    """Fit ``σ(a·z + b)`` to labels ``y`` (logistic regression on the logit; a weak L2 keeps it finite when separable)."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # one class only: keep the scores as they are
        return 1.0, 0.0
    lr = LogisticRegression(C=c, max_iter=1000).fit(z.reshape(-1, 1), y.astype(int))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    precision: float  # on dev, at the threshold
    precision_lower_bound: float
    recall: float
    support: int
    method: str  # "wilson" | "pooled"


def _wilson_threshold(scores: np.ndarray, gold: np.ndarray, target: float, min_threshold: float, min_tp: int = 3):
    order = np.argsort(-scores, kind="stable")
    s, g = scores[order], gold[order] > 0
    tp, n_pos = np.cumsum(g), int(g.sum())
    best = None
    for k in range(len(s)):
        if s[k] < min_threshold:
            break
        if k + 1 < len(s) and s[k + 1] == s[k]:
            continue
        lb = wilson_lower(int(tp[k]), k + 1)
        if lb >= target and tp[k] >= min_tp:
            nxt = s[k + 1] if k + 1 < len(s) else 0.0
            best = (float(max(min_threshold, (s[k] + nxt) / 2)), float(tp[k] / (k + 1)), lb, float(tp[k] / max(n_pos, 1)))
    return best


def choose_thresholds(probs: np.ndarray, gold: np.ndarray, labels: list[str], target: float = 0.85,
                      min_threshold: float = 0.5, min_support: int = 15) -> dict[str, OperatingPoint]:
    """Per-tag thresholds on calibrated dev probabilities (see the module docstring)."""
    pooled = _wilson_threshold(probs.ravel(), gold.ravel(), target, min_threshold)
    pooled_t = pooled[0] if pooled else 0.9
    out = {}
    for j, label in enumerate(labels):
        support = int(gold[:, j].sum())
        own = _wilson_threshold(probs[:, j], gold[:, j], target, min_threshold) if support >= min_support else None
        t, method = (own[0], "wilson") if own else (max(pooled_t, min_threshold), "pooled")
        pred = probs[:, j] >= t
        tp = int((pred & (gold[:, j] > 0)).sum())
        out[label] = OperatingPoint(round(t, 4), round(tp / max(int(pred.sum()), 1), 4),
                                    round(wilson_lower(tp, int(pred.sum())), 4), round(tp / max(support, 1), 4), support, method)
    return out


def trap_shift(probs: np.ndarray, thresholds: np.ndarray, traps: np.ndarray, max_rate: float,
               step: float = 0.05, limit: float = 8.0) -> float:
    """Smallest common raise of every threshold (in logit space) that flags at most ``max_rate`` of the traps.

    One shift for all tags, not a per-tag search: a few hundred dev traps would be over-fitted by the latter.
    """
    z, zt = logit(probs[traps]), logit(thresholds)
    delta = 0.0
    while delta <= limit and ((z >= zt + delta).any(1).mean() if traps.any() else 0.0) > max_rate:
        delta += step
    return round(delta, 4)


def calibrate(dev_probs: np.ndarray, y_dev: np.ndarray, labels: list[str], target: float = 0.85,
              min_threshold: float = 0.5, traps: np.ndarray | None = None, max_trap_rate: float = 0.04) -> dict:
    """Platt parameters and operating points per tag, from the dev probabilities of the raw model.

    With ``traps`` (a mask of dev texts written as praise/neutral traps), every threshold is then raised by
    the same logit shift until at most ``max_trap_rate`` of those traps get a tag (the model issue's ≤ 5%, with margin).
    """
    z = logit(dev_probs)
    platt = {t: fit_platt(z[:, j], y_dev[:, j]) for j, t in enumerate(labels)}
    cal = np.stack([1 / (1 + np.exp(-(platt[t][0] * z[:, j] + platt[t][1]))) for j, t in enumerate(labels)], axis=1)
    points = choose_thresholds(cal, y_dev, labels, target, min_threshold)
    summary = {"target_precision": target, "confidence": "one-sided 90% Wilson lower bound", "min_threshold": min_threshold}
    if traps is not None and traps.any():
        thr = np.array([points[t].threshold for t in labels])
        delta = trap_shift(cal, thr, traps, max_trap_rate)
        if delta > 0:
            raised = 1 / (1 + np.exp(-(logit(thr) + delta)))
            points = {t: _point_at(cal[:, j], y_dev[:, j], float(raised[j]), "wilson+trap-shift") for j, t in enumerate(labels)}
        new = np.array([points[t].threshold for t in labels])
        summary |= {"max_trap_rate": max_trap_rate, "trap_shift_logit": delta, "dev_traps": int(traps.sum()),
                    "dev_traps_flagged": round(float((cal[traps] >= new).any(1).mean()), 4)}
    return {"platt": platt, "points": points, "calibrated_dev_probs": cal, "summary": summary}


def _point_at(scores: np.ndarray, gold: np.ndarray, t: float, method: str) -> OperatingPoint:
    pred = scores >= t
    tp, n = int((pred & (gold > 0)).sum()), int(pred.sum())
    return OperatingPoint(round(t, 4), round(tp / max(n, 1), 4), round(wilson_lower(tp, n), 4),
                          round(tp / max(int(gold.sum()), 1), 4), int(gold.sum()), method)


def fold_platt_into_head(model, platt: dict[str, tuple[float, float]], labels: list[str]) -> None:
    """``head(x) → a·head(x) + b`` per tag, in place: the exported model then outputs calibrated logits."""
    import torch

    a = torch.tensor([platt[t][0] for t in labels], dtype=torch.float32)
    b = torch.tensor([platt[t][1] for t in labels], dtype=torch.float32)
    with torch.no_grad():
        model.head.weight.mul_(a[:, None])
        model.head.bias.mul_(a).add_(b)


def points_as_dict(points: dict[str, OperatingPoint]) -> dict[str, dict]:
    return {t: asdict(p) for t, p in points.items()}
