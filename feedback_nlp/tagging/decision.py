"""The decision rule: logits → probabilities → tags, and the margin to a threshold; shared by the tagger,
its evidence and the evaluation harness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["decide", "sigmoid", "logit_margin"]

_EPS = 1e-6


def decide(probs: np.ndarray, labels: Sequence[str], thresholds: Mapping[str, float]) -> np.ndarray:
    """Tag decisions for a probability matrix ``(n, len(labels))``: a boolean matrix.

    A label is on when its probability reaches its threshold; ``other`` (dissatisfaction
    naming no aspect) is switched off when any other tag is on, as the labeling guide
    says it applies "only when no other tag applies".
    """
    probs = np.asarray(probs)
    dtype = probs.dtype if probs.dtype.kind == "f" else None
    hits = probs >= np.asarray([thresholds[label] for label in labels], dtype=dtype)
    if "other" in labels and hits.ndim == 2:
        j = list(labels).index("other")
        aspects = np.delete(hits, j, axis=1).any(axis=1)
        hits[:, j] &= ~aspects
    return hits


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logits → float32 probabilities (tanh form: no overflow warnings for large |x|)."""
    return (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)


def logit_margin(p: float | np.ndarray, threshold: float | np.ndarray) -> float | np.ndarray:
    """``logit(p) − logit(threshold)``: ≥ 0 when the tag is emitted, 0 on the threshold; log-odds, because
    thresholds sit near 1 where probabilities saturate."""
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    t = np.clip(np.asarray(threshold, dtype=np.float64), _EPS, 1 - _EPS)
    out = np.log(p / (1 - p)) - np.log(t / (1 - t))
    return float(out) if np.ndim(out) == 0 else out
