"""``evaluate(...)``: score a tagger (and the keyword baseline) on a labeled JSONL file.

>>> from feedback_nlp.evaluation.harness import evaluate                          # doctest: +SKIP
>>> result = evaluate("gold.jsonl", "default", out="eval-out")   # doctest: +SKIP
>>> result.model.micro.f1.value, result.ccr_impact.inflation.value      # doctest: +SKIP

The same numbers back ``feedback-nlp eval`` (which writes them with :mod:`feedback_nlp.evaluation.report`),
``feedback_nlp.evaluate`` and the notebook. The result is deterministic for the same
inputs, ``seed`` and ``n_boot``; only ``audit.generated_at`` changes between runs.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from feedback_nlp.evaluation.calibration import calibrate
from feedback_nlp.evaluation.gold import GoldData, read_gold
from feedback_nlp.evaluation.metrics import (
    Estimate,
    SystemMetrics,
    bootstrap_stats,
    build_system_metrics,
    estimate,
    paired_differences,
    to_matrix,
)
from feedback_nlp.evaluation.results import SCORE_DIGITS, Audit, CCRImpact, ErrorRow, EvaluationResult, SampleRow
from feedback_nlp.errors import InvalidInputError
from feedback_nlp.model_dir.manifest import hash_directory
from feedback_nlp.model_dir.versions import library_versions
from feedback_nlp.tagging.decision import decide
from feedback_nlp.taxonomy import TAG_IDS

__all__ = ["evaluate", "EvaluationResult", "ErrorRow", "SampleRow", "CCRImpact", "Audit", "SCORE_DIGITS"]

_VERSION_PACKAGES = ("feedback-nlp", "numpy", "onnxruntime", "tokenizers", "matplotlib")
STRATA = ("true_positive", "false_positive", "false_negative", "true_negative")


# ---------------------------------------------------------------------- audit helpers


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _versions() -> dict[str, str]:
    return library_versions(_VERSION_PACKAGES, missing="not installed")


# ---------------------------------------------------------------------- systems


def _load_system(model: Any, batch_size: int, threads: int | None) -> tuple[Any, str, Path | None]:
    """(tagger, name, model directory) for a path / None (default model) / tagger object / "keyword"."""
    if isinstance(model, str) and model == "keyword":
        from feedback_nlp.tagging.keyword_baseline import KeywordTagger

        return KeywordTagger(), "keyword", None
    if model is None or isinstance(model, (str, PathLike)):
        from feedback_nlp.tagging.onnx_tagger import load_tagger

        tagger = load_tagger(model, intra_op_threads=threads, batch_size=batch_size)
        return tagger, "model", tagger.model_dir
    for attr in ("predict_proba", "labels", "thresholds"):
        if not hasattr(model, attr):
            raise InvalidInputError(
                f"model must be a model directory, 'keyword' or a tagger with predict_proba, labels and "
                f"thresholds; got {type(model).__name__} without {attr!r}"
            )
    directory = getattr(model, "model_dir", None)
    return model, getattr(model, "name", None) or type(model).__name__, Path(directory) if directory else None


def _scores(tagger: Any, data: GoldData) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(scores over TAG_IDS with NaN for labels the tagger lacks, predictions over TAG_IDS, thresholds)."""
    texts = [r.text for r in data.records]
    contexts = [r.context for r in data.records] if getattr(tagger, "use_context", False) else None
    probs = np.asarray(tagger.predict_proba(texts, contexts), dtype=np.float64)
    labels = list(tagger.labels)
    thresholds = {k: float(v) for k, v in tagger.thresholds.items()}
    scores = np.full((len(texts), len(TAG_IDS)), np.nan)
    pred = np.zeros((len(texts), len(TAG_IDS)), dtype=bool)
    hits = decide(probs, labels, thresholds)  # the library's own decision rule, `other` exclusivity included
    for j, label in enumerate(labels):
        col = TAG_IDS.index(label)
        scores[:, col] = probs[:, j]
        pred[:, col] = hits[:, j]
    return scores, pred, thresholds


def _tags(row: np.ndarray) -> list[str]:
    return [TAG_IDS[j] for j in np.flatnonzero(row)]


def _score(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), SCORE_DIGITS)


def _errors(data: GoldData, gold: np.ndarray, pred: np.ndarray, scores: np.ndarray, thresholds: dict[str, float],
            base_pred: np.ndarray | None) -> list[ErrorRow]:
    rows = []
    for i, rec in enumerate(data.records):
        wrong = np.flatnonzero(gold[i] != pred[i])
        for j in wrong:
            tag_id = TAG_IDS[j]
            s = _score(scores[i, j])
            fp = bool(pred[i, j])
            conf = None if s is None else (s if fp else round(1.0 - s, SCORE_DIGITS))
            rows.append(ErrorRow(
                id=rec.id, line=rec.line, error="false_positive" if fp else "false_negative", tag=tag_id,
                score=s, threshold=thresholds.get(tag_id), confidence=conf,
                gold=list(rec.labels), predicted=_tags(pred[i]),
                baseline=_tags(base_pred[i]) if base_pred is not None else None,
                text=rec.text, context=rec.context, slices=dict(rec.slices),
            ))
    rows.sort(key=lambda e: (-(e.confidence if e.confidence is not None else 1.0), e.line, TAG_IDS.index(e.tag)))
    return rows


def _with_evidence(tagger: Any, data: GoldData, errors: list[ErrorRow]) -> list[ErrorRow]:
    """Each error with the spans that push its tag up (one forward pass per text with errors)."""
    if not errors or not hasattr(tagger, "explain"):
        return errors
    by_line = {r.line: r for r in data.records}
    lines = sorted({e.line for e in errors})
    tags = {line: sorted({e.tag for e in errors if e.line == line and e.tag in tagger.labels}) for line in lines}
    records = [by_line[line] for line in lines]
    contexts = [r.context for r in records] if getattr(tagger, "use_context", False) else None
    explanations = tagger.explain([r.text for r in records], contexts, tags=[tags[line] for line in lines])
    spans = {(line, ev.tag): [asdict(s) for s in ev.spans] for line, ex in zip(lines, explanations) for ev in ex.evidence}
    return [replace(e, evidence=[{"tag": e.tag, "spans": spans.get((e.line, e.tag), [])}]) for e in errors]


def _sample(data: GoldData, gold: np.ndarray, pred: np.ndarray, scores: np.ndarray, size: int,
            seed: int) -> list[SampleRow]:
    """A stratified random sample by detection outcome, proportional allocation (largest remainder)."""
    if size <= 0:
        return []
    gd, pd = gold.any(1), pred.any(1)
    members = {
        "true_positive": np.flatnonzero(gd & pd), "false_positive": np.flatnonzero(~gd & pd),
        "false_negative": np.flatnonzero(gd & ~pd), "true_negative": np.flatnonzero(~gd & ~pd),
    }
    n = len(data.records)
    size = min(size, n)
    quota = {k: size * len(members[k]) / n for k in STRATA}
    alloc = {k: int(quota[k]) for k in STRATA}
    for k in sorted(STRATA, key=lambda k: (-(quota[k] - alloc[k]), STRATA.index(k)))[: size - sum(alloc.values())]:
        alloc[k] += 1
    # every non-empty stratum gets at least one row, taken from the largest allocation
    nonempty = [k for k in STRATA if len(members[k])]
    if size >= len(nonempty):
        for k in nonempty:
            if alloc[k] == 0:
                donor = max(STRATA, key=lambda d: (alloc[d], -STRATA.index(d)))
                alloc[donor] -= 1
                alloc[k] = 1
    rng = np.random.default_rng([seed, 1])
    chosen = []
    for k in STRATA:
        if alloc[k]:
            for i in rng.choice(members[k], size=alloc[k], replace=False):
                chosen.append((int(i), k))
    chosen.sort()
    out = []
    for i, k in chosen:
        rec = data.records[i]
        out.append(SampleRow(
            id=rec.id, line=rec.line, stratum=k, gold=list(rec.labels), predicted=_tags(pred[i]),
            scores={TAG_IDS[j]: _score(scores[i, j]) for j in range(len(TAG_IDS)) if np.isfinite(scores[i, j])},
            text=rec.text, context=rec.context,
        ))
    return out


def _ccr_impact(model_stats: dict[str, np.ndarray], base_stats: dict[str, np.ndarray] | None,
                model: SystemMetrics, baseline: SystemMetrics | None) -> CCRImpact:
    inflation = ratio = base_excess = None
    if base_stats is not None and baseline is not None:
        inflation = estimate(base_stats["flagged_rate"] - model_stats["flagged_rate"])
        m = model.flagged_rate.value
        ratio = baseline.flagged_rate.value / m if m else None
        base_excess = estimate(base_stats["flagged_rate"] - base_stats["gold_rate"])
    per_dim: dict[str, dict[str, Estimate | None]] = {}
    for dim, rate in model.dimension_flagged_rate.items():
        key = f"dimension.{dim}"
        per_dim[dim] = {
            "gold_rate": estimate(model_stats[f"{key}.gold_rate"]),
            "model_rate": rate,
            "baseline_rate": baseline.dimension_flagged_rate.get(dim) if baseline is not None else None,
            "inflation": estimate(base_stats[f"{key}.flagged_rate"] - model_stats[f"{key}.flagged_rate"])
            if base_stats is not None else None,
        }
    return CCRImpact(
        gold_rate=model.gold_rate, model_rate=model.flagged_rate,
        baseline_rate=baseline.flagged_rate if baseline is not None else None,
        inflation=inflation, inflation_ratio=ratio,
        model_excess=estimate(model_stats["flagged_rate"] - model_stats["gold_rate"]),
        baseline_excess=base_excess, per_dimension=per_dim,
    )


def _default_command(data: Any, model: Any, baseline: Any, n_boot: int, seed: int, sample: int) -> str:
    m = model if model is None or isinstance(model, (str, PathLike)) else type(model).__name__
    b = baseline if baseline is None or isinstance(baseline, str) else type(baseline).__name__
    return (f"feedback_nlp.evaluate({str(data)!r}, model={str(m) if m is not None else None!r}, "
            f"baseline={b!r}, n_boot={n_boot}, seed={seed}, sample={sample})")


# ---------------------------------------------------------------------- the entry point


def evaluate(
    data: str | PathLike[str] | GoldData,
    model: Any = None,
    *,
    baseline: Any = "keyword",
    n_boot: int = 1000,
    seed: int = 0,
    sample: int = 50,
    n_bins: int = 10,
    out: str | PathLike[str] | None = None,
    batch_size: int = 64,
    threads: int | None = None,
    command: str | None = None,
    evidence: bool = True,
) -> EvaluationResult:
    """Evaluate ``model`` (and ``baseline``) on the labeled JSONL file ``data``.

    ``model``: a model directory, ``None`` for the default model, ``"keyword"`` for the
    keyword baseline, or any tagger with ``predict_proba``, ``labels`` and ``thresholds``.
    ``baseline``: ``"keyword"`` (default), ``None`` for no baseline, or a tagger.
    ``n_boot`` bootstrap resamples with ``seed``; ``sample`` texts drawn for human
    re-check; ``n_bins`` reliability bins. With ``out``, the report files are written
    there too. ``evidence``: attach to each false positive / negative the spans that push its tag
    up (:mod:`feedback_nlp.tagging.explain`; taggers with ``explain`` only). Raises :class:`InvalidInputError` for an unreadable file or one with no
    valid row, :class:`ModelDirectoryError` for a bad model directory.
    """
    for name, value, low in (("n_boot", n_boot, 0), ("sample", sample, 0), ("n_bins", n_bins, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidInputError(f"{name} must be an int >= {low}, got {value!r}")
    if isinstance(baseline, str) and baseline not in ("keyword", "none"):
        raise InvalidInputError(f"baseline must be 'keyword', 'none', None or a tagger, got {baseline!r}")
    if baseline == "none":
        baseline = None
    command = command or _default_command(data, model, baseline, n_boot, seed, sample)
    if out is not None and not isinstance(data, GoldData):
        from feedback_nlp.evaluation.report import check_report_paths

        check_report_paths(data, out)  # before the work, not after it
    gold_data = data if isinstance(data, GoldData) else read_gold(data)
    tagger, name, model_dir = _load_system(model, batch_size, threads)

    labels = list(TAG_IDS)
    gold = to_matrix([r.labels for r in gold_data.records], labels)
    scores, pred, thresholds = _scores(tagger, gold_data)
    preds = {"model": pred}
    base_name = None
    if baseline is not None:
        base_tagger, base_name, _ = _load_system(baseline, batch_size, threads)
        _, preds["baseline"], _ = _scores(base_tagger, gold_data)

    masks = {}
    for f in gold_data.slice_fields:
        values = sorted({r.slices[f] for r in gold_data.records})
        for v in values:
            masks[f"{f}={v}"] = np.array([r.slices[f] == v for r in gold_data.records])
    stats = bootstrap_stats(gold, preds, labels, slices=masks, n_boot=n_boot, seed=seed)
    model_metrics = build_system_metrics(name, gold, pred, labels, stats["model"], masks)
    base_metrics = None
    differences: dict[str, Estimate] = {}
    if "baseline" in preds:
        base_metrics = build_system_metrics(base_name or "baseline", gold, preds["baseline"], labels,
                                            stats["baseline"], masks)
        differences = paired_differences(stats["model"], stats["baseline"])

    model_labels = [x for x in labels if x in thresholds]
    cols = [labels.index(x) for x in model_labels]
    calibration, pooled = calibrate(scores[:, cols], gold[:, cols], model_labels, thresholds, n_bins)

    errors = _errors(gold_data, gold, pred, scores, thresholds, preds.get("baseline"))
    if evidence:
        errors = _with_evidence(tagger, gold_data, errors)

    model_files: dict[str, str] = {}
    dir_sha = None
    if model_dir is not None and Path(model_dir).is_dir():
        dir_sha, model_files = hash_directory(Path(model_dir))
    audit = Audit(
        generated_at=_utc_now(),
        command=command,
        data_path=gold_data.path,
        data_sha256=gold_data.sha256,
        rows_read=gold_data.rows_read,
        rows_valid=len(gold_data.records),
        rows_skipped=len(gold_data.skipped),
        skipped_by_reason=gold_data.skipped_by_reason,
        model=name,
        model_dir=str(model_dir) if model_dir is not None else None,
        model_dir_sha256=dir_sha,
        model_files=model_files,
        baseline=base_name,
        seed=seed,
        n_boot=n_boot,
        n_bins=n_bins,
        sample_size=min(sample, len(gold_data.records)),
        versions=_versions(),
    )
    result = EvaluationResult(
        audit=audit,
        labels=labels,
        thresholds={x: thresholds[x] for x in model_labels},
        slice_fields=list(gold_data.slice_fields),
        ignored_fields=list(gold_data.ignored_fields),
        model=model_metrics,
        baseline=base_metrics,
        differences=differences,
        ccr_impact=_ccr_impact(stats["model"], stats.get("baseline"), model_metrics, base_metrics),
        calibration=calibration,
        calibration_pooled=pooled,
        errors=errors,
        sample=_sample(gold_data, gold, pred, scores, sample, seed),
        skipped=list(gold_data.skipped),
        scores=scores,
        gold=gold,
    )
    if out is not None:
        result.write(out)
    return result
