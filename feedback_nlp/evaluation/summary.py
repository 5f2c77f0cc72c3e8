"""The few lines an auditor reads first: the headline numbers of an evaluation, model vs baseline."""

from __future__ import annotations

from feedback_nlp.evaluation.report_tables import fmt
from feedback_nlp.evaluation.results import EvaluationResult

__all__ = ["summary_lines"]


def summary_lines(result: EvaluationResult) -> list[str]:
    """Row counts, micro F1, detection precision/recall, FPRs, flagged share, CCR inflation."""
    a, m, b = result.audit, result.model, result.baseline
    lines = [f"rows: read {a.rows_read}, evaluated {a.rows_valid}, skipped {a.rows_skipped}"]
    for label, get in (("micro F1", lambda s: s.micro.f1), ("detection precision", lambda s: s.detection.precision),
                       ("detection recall", lambda s: s.detection.recall),
                       ("FPR on texts with no gold tag", lambda s: s.fpr_no_gold),
                       ("share of texts flagged", lambda s: s.flagged_rate)):
        lines.append(f"{label}: model {fmt(get(m))}" + (f" | keyword {fmt(get(b))}" if b is not None else ""))
    for s in m.slices:
        if s.field == "trap" and s.value == "true":
            bt = b.slice("trap", "true").fpr_no_gold if b is not None else None
            lines.append(f"FPR on traps: model {fmt(s.fpr_no_gold)}" + (f" | keyword {fmt(bt)}" if bt else ""))
    if result.ccr_impact.inflation is not None:
        lines.append(f"CCR inflation by keyword (share flagged, keyword - model): {fmt(result.ccr_impact.inflation)}")
    return lines
