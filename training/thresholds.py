"""Per-tag decision thresholds: maximise recall subject to a precision floor.

Tuned on the dev split only. Tags with too few dev positives for a stable estimate
share one pooled threshold, computed the same way on all tags' dev scores together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    precision: float
    recall: float
    support: int
    method: str  # "per-tag" | "pooled" | "fallback"


def best_threshold(scores: np.ndarray, gold: np.ndarray, precision_floor: float, min_tp: int = 2,
                   lo: float = 0.2, hi: float = 0.995) -> tuple[float, float, float] | None:
    """Lowest threshold (max recall) whose precision ≥ ``precision_floor``; None if none qualifies.

    The threshold is put halfway between the lowest accepted score and the next score
    below it, so that it does not sit exactly on a training point.
    """
    order = np.argsort(-scores, kind="stable")
    s, g = scores[order], gold[order].astype(bool)
    tp = np.cumsum(g)
    fp = np.cumsum(~g)
    n_pos = int(g.sum())
    best = None
    for k in range(len(s)):
        if k + 1 < len(s) and s[k + 1] == s[k]:
            continue  # only cut between distinct scores
        prec = tp[k] / (tp[k] + fp[k])
        if prec >= precision_floor and tp[k] >= min_tp and s[k] >= lo:
            nxt = s[k + 1] if k + 1 < len(s) else 0.0
            best = (float(min(hi, max(lo, (s[k] + nxt) / 2))), float(prec), float(tp[k] / max(n_pos, 1)))
    return best


def tune_thresholds(probs: np.ndarray, gold: np.ndarray, labels: list[str], precision_floor: float = 0.9,
                    min_support: int = 15, fallback: float = 0.5) -> dict[str, ThresholdChoice]:
    """Choose a threshold per label (columns of ``probs``/``gold``)."""
    pooled = best_threshold(probs.ravel(), gold.ravel(), precision_floor)
    out = {}
    for j, label in enumerate(labels):
        support = int(gold[:, j].sum())
        own = best_threshold(probs[:, j], gold[:, j], precision_floor) if support >= min_support else None
        if own is not None:
            out[label] = ThresholdChoice(own[0], own[1], own[2], support, "per-tag")
            continue
        t = pooled[0] if pooled is not None else fallback
        pred = probs[:, j] >= t
        tp = int((pred & (gold[:, j] > 0)).sum())
        out[label] = ThresholdChoice(
            float(t), tp / max(int(pred.sum()), 1), tp / max(support, 1), support,
            "pooled" if pooled is not None and support >= 1 else "fallback")
    return out
