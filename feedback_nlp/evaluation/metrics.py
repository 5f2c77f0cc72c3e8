"""Multi-label metrics with confidence intervals: per tag, micro / macro, negative-feedback
detection, false-positive rate, per CCR dimension, per slice, and paired differences.

Conventions (the same in every report):

- A ratio with a zero denominator is **undefined** (``None`` in the report, ``NaN``
  inside): precision with no prediction, recall with no gold positive, FPR with no
  text free of gold tags. F1 is ``2·tp / (2·tp + fp + fn)``, undefined only when there
  is neither a gold positive nor a prediction (so a tag that is never predicted but
  has support gets F1 = 0).
- Macro averages are the mean over the tags whose value is defined.
- *Detection* is "any tag vs none" per text: what CCR counts as negative feedback.
  ``fpr_no_gold`` is the share of texts with no gold tag that get at least one tag;
  ``flagged_rate`` the share of all texts that get at least one tag.
- Confidence intervals are 95% percentile bootstrap intervals over texts
  (``n_boot`` resamples, a fixed ``seed``); proportions also get a Wilson interval.
  Model and baseline are resampled with the *same* indices, so their difference has a
  paired-bootstrap interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from feedback_nlp.taxonomy import Dimension, dimension_of

__all__ = [
    "Z95",
    "Estimate",
    "PRF",
    "TagMetrics",
    "SliceMetrics",
    "SystemMetrics",
    "precision_recall_f1",
    "wilson_interval",
    "bootstrap_weights",
    "stat_arrays",
    "bootstrap_stats",
    "estimate",
    "build_system_metrics",
    "paired_differences",
    "compute_metrics",
    "to_matrix",
]

Z95 = 1.959963984540054
_CHUNK = 200  # bootstrap resamples evaluated per matrix product


# ---------------------------------------------------------------------- scalar functions


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """(precision, recall, F1) from counts; ``None`` where undefined (see the module docstring)."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None
    return precision, recall, f1


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``k`` successes in ``n`` trials; ``None`` when ``n == 0``."""
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, n], got k={k}, n={n}")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact at the bounds (no rounding residue)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


# ---------------------------------------------------------------------- typed results


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% bootstrap interval and, for proportions, a Wilson interval.

    ``numerator`` / ``denominator`` are the counts behind a proportion (``None`` otherwise).
    """

    value: float | None
    ci_low: float | None
    ci_high: float | None
    wilson_low: float | None = None
    wilson_high: float | None = None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class PRF:
    precision: Estimate
    recall: Estimate
    f1: Estimate


@dataclass(frozen=True)
class TagMetrics:
    tag: str
    dimension: str
    support: int
    predicted: int
    tp: int
    fp: int
    fn: int
    precision: Estimate
    recall: Estimate
    f1: Estimate


@dataclass(frozen=True)
class SliceMetrics:
    """Metrics on the texts whose ``field`` equals ``value``."""

    field: str
    value: str
    n: int
    n_no_gold: int
    micro: PRF
    detection: PRF
    fpr_no_gold: Estimate
    flagged_rate: Estimate


@dataclass(frozen=True)
class SystemMetrics:
    """Every metric of one system (the model, or the keyword baseline) on the same rows."""

    name: str
    n: int
    per_tag: list[TagMetrics]
    micro: PRF
    macro: PRF
    detection: PRF
    fpr_no_gold: Estimate
    flagged_rate: Estimate
    gold_rate: Estimate
    per_dimension: dict[str, PRF]
    dimension_flagged_rate: dict[str, Estimate]
    slices: list[SliceMetrics] = field(default_factory=list)

    def tag(self, tag_id: str) -> TagMetrics:
        for t in self.per_tag:
            if t.tag == tag_id:
                return t
        raise KeyError(f"no metrics for tag {tag_id!r}; tags: {[t.tag for t in self.per_tag]}")

    def slice(self, field_name: str, value: str) -> SliceMetrics:
        for s in self.slices:
            if s.field == field_name and s.value == value:
                return s
        raise KeyError(f"no slice {field_name}={value}; slices: {[f'{s.field}={s.value}' for s in self.slices]}")


# ---------------------------------------------------------------------- vectorized statistics


def to_matrix(tag_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """Boolean ``(n, len(labels))`` indicator matrix of tag lists."""
    index = {label: j for j, label in enumerate(labels)}
    out = np.zeros((len(tag_lists), len(labels)), dtype=bool)
    for i, tags in enumerate(tag_lists):
        for t in tags:
            out[i, index[t]] = True
    return out


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _nanmean(x: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def _prf_arrays(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _div(tp, tp + fp), _div(tp, tp + fn), _div(2 * tp, 2 * tp + fp + fn)


def _dimensions(labels: Sequence[str]) -> dict[str, list[int]]:
    dims: dict[str, list[int]] = {}
    for j, label in enumerate(labels):
        d = dimension_of(label)
        if d is not Dimension.OVERALL:
            dims.setdefault(d.value, []).append(j)
    return dims


def stat_arrays(
    gold: np.ndarray, pred: np.ndarray, weights: np.ndarray, labels: Sequence[str], *, full: bool = True
) -> dict[str, np.ndarray]:
    """Every statistic for each row of ``weights`` (``(R, n)`` counts of each text in a resample).

    Returns name → array of shape ``(R,)``. With ``full=False`` only the slice-level
    statistics (micro, detection, FPR, flagged rate) are computed.
    """
    g = gold.astype(np.float64)
    p = pred.astype(np.float64)
    w = weights.astype(np.float64)
    out: dict[str, np.ndarray] = {}
    tp = w @ (g * p)
    fp = w @ ((1 - g) * p)
    fn = w @ (g * (1 - p))
    mp, mr, mf = _prf_arrays(tp.sum(1), fp.sum(1), fn.sum(1))
    out.update({"micro.precision": mp, "micro.recall": mr, "micro.f1": mf})
    gd, pd = g.max(1) if g.size else np.zeros(len(g)), p.max(1) if p.size else np.zeros(len(p))
    dp, dr, df = _prf_arrays(w @ (gd * pd), w @ ((1 - gd) * pd), w @ (gd * (1 - pd)))
    out.update({"detection.precision": dp, "detection.recall": dr, "detection.f1": df})
    total = w.sum(1)
    out["fpr_no_gold"] = _div(w @ ((1 - gd) * pd), w @ (1 - gd))
    out["flagged_rate"] = _div(w @ pd, total)
    if not full:
        return out
    out["gold_rate"] = _div(w @ gd, total)
    precision, recall, f1 = _prf_arrays(tp, fp, fn)
    for j, label in enumerate(labels):
        out[f"tag.{label}.precision"] = precision[:, j]
        out[f"tag.{label}.recall"] = recall[:, j]
        out[f"tag.{label}.f1"] = f1[:, j]
    out["macro.precision"] = _nanmean(precision, 1)
    out["macro.recall"] = _nanmean(recall, 1)
    out["macro.f1"] = _nanmean(f1, 1)
    for dim, cols in _dimensions(labels).items():
        gdim, pdim = g[:, cols].max(1), p[:, cols].max(1)
        a, b, c = _prf_arrays(w @ (gdim * pdim), w @ ((1 - gdim) * pdim), w @ (gdim * (1 - pdim)))
        out.update({f"dimension.{dim}.precision": a, f"dimension.{dim}.recall": b, f"dimension.{dim}.f1": c})
        out[f"dimension.{dim}.flagged_rate"] = _div(w @ pdim, total)
        out[f"dimension.{dim}.gold_rate"] = _div(w @ gdim, total)
    return out


def bootstrap_weights(n: int, n_boot: int, seed: int, chunk: int = _CHUNK) -> Iterator[np.ndarray]:
    """Resample counts ``(≤chunk, n)`` per chunk: each row is one bootstrap resample of ``n`` texts."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(size, n))
        flat = (idx + (np.arange(size) * n)[:, None]).ravel()
        yield np.bincount(flat, minlength=size * n).reshape(size, n).astype(np.float64)
        done += size


def bootstrap_stats(
    gold: np.ndarray,
    preds: Mapping[str, np.ndarray],
    labels: Sequence[str],
    *,
    slices: Mapping[str, np.ndarray] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """system → statistic → array ``(1 + n_boot,)``: row 0 the point estimate, then the resamples.

    Every system is evaluated on the same resamples (paired bootstrap). ``slices`` maps a
    slice key (``"kind=trap"``) to a boolean row mask; its statistics are stored as
    ``"slice.<key>.<stat>"``.
    """
    n = gold.shape[0]
    slices = slices or {}
    chunks = [np.ones((1, n))]
    chunks.extend(bootstrap_weights(n, n_boot, seed) if n_boot > 0 else [])
    parts: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in preds}
    for w in chunks:
        for name, pred in preds.items():
            acc = parts[name]
            for key, arr in stat_arrays(gold, pred, w, labels).items():
                acc.setdefault(key, []).append(arr)
            for skey, mask in slices.items():
                for key, arr in stat_arrays(gold[mask], pred[mask], w[:, mask], labels, full=False).items():
                    acc.setdefault(f"slice.{skey}.{key}", []).append(arr)
    return {name: {k: np.concatenate(v) for k, v in acc.items()} for name, acc in parts.items()}


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def estimate(reps: np.ndarray, k: int | None = None, n: int | None = None) -> Estimate:
    """:class:`Estimate` from ``reps`` (row 0 the point estimate); Wilson when counts are given."""
    value = _finite(float(reps[0]))
    boot = reps[1:]
    boot = boot[np.isfinite(boot)]
    low = high = None
    if value is not None and boot.size:
        low, high = (float(x) for x in np.percentile(boot, [2.5, 97.5]))
    wil = wilson_interval(k, n) if k is not None and n is not None else None
    return Estimate(
        value=value, ci_low=low, ci_high=high,
        wilson_low=wil[0] if wil else None, wilson_high=wil[1] if wil else None,
        numerator=k, denominator=n,
    )


# ---------------------------------------------------------------------- building the typed result


def _prf(stats: Mapping[str, np.ndarray], prefix: str, tp: int | None = None, fp: int | None = None,
         fn: int | None = None) -> PRF:
    counts = tp is not None and fp is not None and fn is not None
    return PRF(
        precision=estimate(stats[f"{prefix}.precision"], *((tp, tp + fp) if counts else (None, None))),
        recall=estimate(stats[f"{prefix}.recall"], *((tp, tp + fn) if counts else (None, None))),
        f1=estimate(stats[f"{prefix}.f1"]),
    )


def _counts(gold: np.ndarray, pred: np.ndarray) -> tuple[int, int, int]:
    return int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum())


def build_system_metrics(
    name: str,
    gold: np.ndarray,
    pred: np.ndarray,
    labels: Sequence[str],
    stats: Mapping[str, np.ndarray],
    slices: Mapping[str, np.ndarray] | None = None,
) -> SystemMetrics:
    """Assemble :class:`SystemMetrics` from :func:`bootstrap_stats` output of one system."""
    n = gold.shape[0]
    per_tag = []
    for j, label in enumerate(labels):
        tp, fp, fn = _counts(gold[:, j], pred[:, j])
        prf = _prf(stats, f"tag.{label}", tp, fp, fn)
        per_tag.append(TagMetrics(label, dimension_of(label).value, tp + fn, tp + fp, tp, fp, fn,
                                  prf.precision, prf.recall, prf.f1))
    gd, pd = gold.any(1), pred.any(1)
    per_dim, dim_rate = {}, {}
    for dim, cols in _dimensions(labels).items():
        gdim, pdim = gold[:, cols].any(1), pred[:, cols].any(1)
        per_dim[dim] = _prf(stats, f"dimension.{dim}", *_counts(gdim, pdim))
        dim_rate[dim] = estimate(stats[f"dimension.{dim}.flagged_rate"], int(pdim.sum()), n)
    slice_metrics = []
    for key, mask in (slices or {}).items():
        field_name, _, value = key.partition("=")
        g, p = gold[mask], pred[mask]
        sgd, spd = g.any(1), p.any(1)
        prefix = f"slice.{key}"
        slice_metrics.append(SliceMetrics(
            field=field_name, value=value, n=int(mask.sum()), n_no_gold=int((~sgd).sum()),
            micro=_prf(stats, f"{prefix}.micro", *(int(x.sum()) for x in (g & p, ~g & p, g & ~p))),
            detection=_prf(stats, f"{prefix}.detection", *_counts(sgd, spd)),
            fpr_no_gold=estimate(stats[f"{prefix}.fpr_no_gold"], int((~sgd & spd).sum()), int((~sgd).sum())),
            flagged_rate=estimate(stats[f"{prefix}.flagged_rate"], int(spd.sum()), int(mask.sum())),
        ))
    return SystemMetrics(
        name=name,
        n=n,
        per_tag=per_tag,
        micro=_prf(stats, "micro", *(int(x.sum()) for x in (gold & pred, ~gold & pred, gold & ~pred))),
        macro=_prf(stats, "macro"),
        detection=_prf(stats, "detection", *_counts(gd, pd)),
        fpr_no_gold=estimate(stats["fpr_no_gold"], int((~gd & pd).sum()), int((~gd).sum())),
        flagged_rate=estimate(stats["flagged_rate"], int(pd.sum()), n),
        gold_rate=estimate(stats["gold_rate"], int(gd.sum()), n),
        per_dimension=per_dim,
        dimension_flagged_rate=dim_rate,
        slices=slice_metrics,
    )


def paired_differences(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> dict[str, Estimate]:
    """``a − b`` for every statistic both have, with the paired-bootstrap interval."""
    return {key: estimate(a[key] - b[key]) for key in a if key in b}


def compute_metrics(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    slices: Mapping[str, Sequence[bool]] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    name: str = "system",
) -> SystemMetrics:
    """Metrics of one system from tag lists (convenience for notebooks and tests)."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} rows but pred has {len(pred)}")
    g, p = to_matrix(gold, labels), to_matrix(pred, labels)
    masks = {k: np.asarray(v, dtype=bool) for k, v in (slices or {}).items()}
    stats = bootstrap_stats(g, {name: p}, labels, slices=masks, n_boot=n_boot, seed=seed)[name]
    return build_system_metrics(name, g, p, labels, stats, masks)
