"""The result of an evaluation: every number, the error list, the sample, the audit trail.

``EvaluationResult.to_dict()`` is ``report.json``; :meth:`EvaluationResult.write` writes
all report files (:mod:`feedback_nlp.evaluation.report`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from feedback_nlp.evaluation.calibration import Reliability, TagCalibration
from feedback_nlp.evaluation.gold import SkippedRow
from feedback_nlp.evaluation.metrics import Estimate, SystemMetrics

__all__ = ["EvaluationResult", "ErrorRow", "SampleRow", "CCRImpact", "Audit", "SCORE_DIGITS"]

SCORE_DIGITS = 4  # scores in error lists and samples
_FLOAT_DIGITS = 6  # every other float in report.json


@dataclass(frozen=True)
class ErrorRow:
    """One wrong decision of the model on one (text, tag) pair.

    ``confidence`` is how sure the model was of its wrong decision: the score for a false
    positive, ``1 − score`` for a false negative (``None`` for a tag the model lacks).
    """

    id: str
    line: int
    error: str  # "false_positive" | "false_negative"
    tag: str
    score: float | None
    threshold: float | None
    confidence: float | None
    gold: list[str]
    predicted: list[str]
    baseline: list[str] | None
    text: str
    context: str | None
    slices: dict[str, str]
    evidence: list[dict[str, Any]] = field(default_factory=list)  # spans that push ``tag`` up (explain)


@dataclass(frozen=True)
class SampleRow:
    """A text drawn for human re-check; ``stratum`` is its detection outcome."""

    id: str
    line: int
    stratum: str
    gold: list[str]
    predicted: list[str]
    scores: dict[str, float]
    text: str
    context: str | None


@dataclass(frozen=True)
class CCRImpact:
    """Share of texts flagged as negative feedback: gold, model, keyword baseline.

    ``inflation`` is baseline − model (paired bootstrap): how much the crude approach
    inflates the CCR numerator on this file. ``model_excess`` / ``baseline_excess`` are
    the flagged rate minus the gold rate.
    """

    gold_rate: Estimate
    model_rate: Estimate
    baseline_rate: Estimate | None
    inflation: Estimate | None
    inflation_ratio: float | None
    model_excess: Estimate
    baseline_excess: Estimate | None
    per_dimension: dict[str, dict[str, Estimate | None]]


@dataclass(frozen=True)
class Audit:
    """Everything needed to reproduce a report. ``generated_at`` is the only field that changes between runs."""

    generated_at: str
    command: str
    data_path: str
    data_sha256: str | None
    rows_read: int
    rows_valid: int
    rows_skipped: int
    skipped_by_reason: dict[str, int]
    model: str
    model_dir: str | None
    model_dir_sha256: str | None
    model_files: dict[str, str]
    baseline: str | None
    seed: int
    n_boot: int
    n_bins: int
    sample_size: int
    versions: dict[str, str]


@dataclass
class EvaluationResult:
    """Every number of an evaluation; ``to_dict()`` is ``report.json``."""

    audit: Audit
    labels: list[str]
    thresholds: dict[str, float]
    slice_fields: list[str]
    ignored_fields: list[str]
    model: SystemMetrics
    baseline: SystemMetrics | None
    differences: dict[str, Estimate]
    ccr_impact: CCRImpact
    calibration: list[TagCalibration]
    calibration_pooled: Reliability | None
    errors: list[ErrorRow]
    sample: list[SampleRow]
    skipped: list[SkippedRow]
    scores: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    gold: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), dtype=bool))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (floats rounded to 6 digits); the content of ``report.json``."""
        data = {
            "format": "feedback-nlp-eval/1",
            "audit": asdict(self.audit),
            "labels": self.labels,
            "thresholds": self.thresholds,
            "slice_fields": self.slice_fields,
            "ignored_fields": self.ignored_fields,
            "model": asdict(self.model),
            "baseline": asdict(self.baseline) if self.baseline is not None else None,
            "differences": {k: asdict(v) for k, v in self.differences.items()},
            "ccr_impact": asdict(self.ccr_impact),
            "calibration": {
                "per_tag": [asdict(c) for c in self.calibration],
                "pooled": asdict(self.calibration_pooled) if self.calibration_pooled is not None else None,
            },
            "errors": {"count": len(self.errors), "rows": [asdict(e) for e in self.errors]},
            "sample": [asdict(s) for s in self.sample],
            "skipped": [s.to_dict() for s in self.skipped],
        }
        return _round(data)

    def write(self, out: str | PathLike[str]) -> dict[str, Path]:
        """Write report.json, report.md, report.html, errors.csv (and sample.csv) into ``out``."""
        from feedback_nlp.evaluation.report import write_report

        return write_report(self, out)


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, _FLOAT_DIGITS) if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    return obj
