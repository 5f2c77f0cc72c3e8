"""The auditor's evaluation: metrics with confidence intervals, calibration, reports.

:func:`evaluate` backs ``feedback-nlp eval`` and ``feedback_nlp.evaluate``; the result
writes ``report.json`` / ``report.md`` / ``report.html`` / ``errors.csv`` / ``sample.csv``.
"""

from __future__ import annotations

from feedback_nlp.evaluation.harness import evaluate
from feedback_nlp.evaluation.results import EvaluationResult

__all__ = ["evaluate", "EvaluationResult"]
