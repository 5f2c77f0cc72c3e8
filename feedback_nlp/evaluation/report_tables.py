"""The tables and lines of an evaluation report, shared by the Markdown and HTML renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedback_nlp.evaluation.metrics import PRF, Estimate, SystemMetrics

if TYPE_CHECKING:
    from feedback_nlp.evaluation.results import EvaluationResult

__all__ = ["fmt", "signed", "pct", "frac", "num", "summary_rows", "trap_fpr", "tag_rows", "slice_rows", "dim_rows",
           "ccr_lines", "audit_rows", "TAG_HEADER", "SLICE_HEADER", "DIM_HEADER"]


def fmt(e: Estimate | None, digits: int = 3, ci: bool = True) -> str:
    """``0.812 [0.771, 0.850]``; ``n/a`` when undefined."""
    if e is None or e.value is None:
        return "n/a"
    s = f"{e.value:.{digits}f}"
    if ci and e.ci_low is not None and e.ci_high is not None:
        s += f" [{e.ci_low:.{digits}f}, {e.ci_high:.{digits}f}]"
    return s


def signed(e: Estimate | None, digits: int = 3) -> str:
    if e is None or e.value is None:
        return "n/a"
    s = f"{e.value:+.{digits}f}"
    if e.ci_low is not None and e.ci_high is not None:
        s += f" [{e.ci_low:+.{digits}f}, {e.ci_high:+.{digits}f}]"
    return s


def pct(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "n/a"
    s = f"{100 * e.value:.1f}%"
    if e.ci_low is not None and e.ci_high is not None:
        s += f" [{100 * e.ci_low:.1f}, {100 * e.ci_high:.1f}]"
    return s


def frac(e: Estimate) -> str:
    return f"{e.numerator}/{e.denominator}" if e.numerator is not None and e.denominator is not None else ""


def summary_rows(r: EvaluationResult) -> list[tuple[str, Estimate, Estimate | None, Estimate | None, str]]:
    """(metric, model, baseline, model − baseline, counts of the model)."""
    m, b, d = r.model, r.baseline, r.differences

    def row(label: str, key: str, get: Any) -> tuple[str, Estimate, Estimate | None, Estimate | None, str]:
        me = get(m)
        return label, me, get(b) if b is not None else None, d.get(key), frac(me)

    return [
        row("micro precision", "micro.precision", lambda s: s.micro.precision),
        row("micro recall", "micro.recall", lambda s: s.micro.recall),
        row("micro F1", "micro.f1", lambda s: s.micro.f1),
        row("macro F1", "macro.f1", lambda s: s.macro.f1),
        row("detection precision (any tag)", "detection.precision", lambda s: s.detection.precision),
        row("detection recall (any tag)", "detection.recall", lambda s: s.detection.recall),
        row("detection F1", "detection.f1", lambda s: s.detection.f1),
        row("FPR on texts with no gold tag", "fpr_no_gold", lambda s: s.fpr_no_gold),
        row("flagged rate (CCR numerator share)", "flagged_rate", lambda s: s.flagged_rate),
    ]


def trap_fpr(system: SystemMetrics) -> Estimate | None:
    for s in system.slices:
        if s.field == "trap" and s.value == "true":
            return s.fpr_no_gold
    return None


def tag_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for t in r.model.per_tag:
        bt = r.baseline.tag(t.tag) if r.baseline is not None else None
        rows.append([
            t.tag, t.dimension, str(t.support), str(t.predicted), fmt(t.precision), fmt(t.recall), fmt(t.f1),
            fmt(bt.precision) if bt else "-", fmt(bt.f1) if bt else "-",
            signed(r.differences.get(f"tag.{t.tag}.f1")) if bt else "-",
        ])
    return rows


TAG_HEADER = ["tag", "dimension", "support", "predicted", "precision", "recall", "F1",
               "baseline precision", "baseline F1", "F1 − baseline"]


def slice_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for s in r.model.slices:
        bs = r.baseline.slice(s.field, s.value) if r.baseline is not None else None
        rows.append([
            f"{s.field}={s.value}", str(s.n), str(s.n_no_gold), pct(s.fpr_no_gold), pct(bs.fpr_no_gold) if bs else "-",
            fmt(s.detection.precision), fmt(s.detection.recall), pct(s.flagged_rate), pct(bs.flagged_rate) if bs else "-",
        ])
    return rows


SLICE_HEADER = ["slice", "n", "no gold tag", "FPR (no gold)", "baseline FPR", "detection precision",
                 "detection recall", "flagged", "baseline flagged"]


def dim_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for dim, prf in r.model.per_dimension.items():
        bp: PRF | None = r.baseline.per_dimension.get(dim) if r.baseline is not None else None
        ci = r.ccr_impact.per_dimension.get(dim, {})
        rows.append([dim, fmt(prf.precision), fmt(prf.recall), fmt(prf.f1), fmt(bp.f1) if bp else "-",
                     pct(ci.get("gold_rate")), pct(ci.get("model_rate")), pct(ci.get("baseline_rate"))])
    return rows


DIM_HEADER = ["dimension", "precision", "recall", "F1", "baseline F1", "gold rate", "model flagged", "baseline flagged"]


def ccr_lines(r: EvaluationResult) -> list[str]:
    c = r.ccr_impact
    lines = [
        f"Share of texts flagged as negative feedback — gold {pct(c.gold_rate)}, model {pct(c.model_rate)}"
        + (f", keyword baseline {pct(c.baseline_rate)}." if c.baseline_rate is not None else "."),
        f"Model − gold: {signed(c.model_excess)}.",
    ]
    if c.inflation is not None:
        ratio = f" ({c.inflation_ratio:.2f}× the model's rate)" if c.inflation_ratio is not None else ""
        lines.append(f"Keyword baseline − model (CCR inflation by the crude approach): {signed(c.inflation)}{ratio}.")
        lines.append(f"Keyword baseline − gold: {signed(c.baseline_excess)}.")
    return lines


def audit_rows(r: EvaluationResult) -> list[list[str]]:
    a = r.audit
    rows = [
        ["generated at (UTC)", a.generated_at], ["command", a.command], ["data file", a.data_path],
        ["data sha256", a.data_sha256 or "-"],
        ["rows read / valid / skipped", f"{a.rows_read} / {a.rows_valid} / {a.rows_skipped}"],
        ["skipped by reason", ", ".join(f"{k}: {v}" for k, v in a.skipped_by_reason.items()) or "none"],
        ["model", a.model], ["model directory", a.model_dir or "-"], ["model directory sha256", a.model_dir_sha256 or "-"],
    ]
    rows += [[f"  {name}", sha] for name, sha in a.model_files.items()]
    rows += [["baseline", a.baseline or "none"], ["bootstrap", f"{a.n_boot} resamples, seed {a.seed}"],
             ["reliability bins", str(a.n_bins)], ["sample size", str(a.sample_size)],
             ["versions", ", ".join(f"{k} {v}" for k, v in a.versions.items())]]
    return rows


def num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"
