"""The decision rule: probabilities → tags, shared by the tagger and the evaluation harness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["decide"]


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
