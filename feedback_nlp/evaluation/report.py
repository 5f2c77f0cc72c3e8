"""Write an :class:`~eval.evaluate.EvaluationResult` as report files.

- ``report.json``: every number (``EvaluationResult.to_dict()``), machine-readable.
- ``report.md``: the summary tables.
- ``report.html``: self-contained (inline CSS, matplotlib plots embedded as base64 PNG):
  summary, per-tag table, slices, CCR impact, calibration, PR curves, errors, sample,
  skipped rows, audit trail.
- ``errors.csv``: every false positive and false negative, most confident first.
- ``sample.csv``: the stratified sample for human re-check (when one was drawn).

All files are deterministic for the same result, except the ``generated_at`` timestamp.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.metrics import PRF, Estimate, SystemMetrics

if TYPE_CHECKING:
    from eval.evaluate import EvaluationResult

__all__ = ["write_report", "render_markdown", "render_html", "write_errors_csv", "write_sample_csv", "fmt", "REPORT_FILES"]

REPORT_FILES = ("report.json", "report.md", "report.html", "errors.csv")
_ERROR_COLUMNS = ("rank", "id", "line", "error", "tag", "score", "threshold", "confidence", "gold", "predicted",
                  "baseline", "text", "context")


# ---------------------------------------------------------------------- formatting


def fmt(e: Estimate | None, digits: int = 3, ci: bool = True) -> str:
    """``0.812 [0.771, 0.850]``; ``n/a`` when undefined."""
    if e is None or e.value is None:
        return "n/a"
    s = f"{e.value:.{digits}f}"
    if ci and e.ci_low is not None and e.ci_high is not None:
        s += f" [{e.ci_low:.{digits}f}, {e.ci_high:.{digits}f}]"
    return s


def _signed(e: Estimate | None, digits: int = 3) -> str:
    if e is None or e.value is None:
        return "n/a"
    s = f"{e.value:+.{digits}f}"
    if e.ci_low is not None and e.ci_high is not None:
        s += f" [{e.ci_low:+.{digits}f}, {e.ci_high:+.{digits}f}]"
    return s


def _pct(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "n/a"
    s = f"{100 * e.value:.1f}%"
    if e.ci_low is not None and e.ci_high is not None:
        s += f" [{100 * e.ci_low:.1f}, {100 * e.ci_high:.1f}]"
    return s


def _frac(e: Estimate) -> str:
    return f"{e.numerator}/{e.denominator}" if e.numerator is not None and e.denominator is not None else ""


def _summary_rows(r: EvaluationResult) -> list[tuple[str, Estimate, Estimate | None, Estimate | None, str]]:
    """(metric, model, baseline, model − baseline, counts of the model)."""
    m, b, d = r.model, r.baseline, r.differences

    def row(label: str, key: str, get: Any) -> tuple[str, Estimate, Estimate | None, Estimate | None, str]:
        me = get(m)
        return label, me, get(b) if b is not None else None, d.get(key), _frac(me)

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


def _trap(system: SystemMetrics) -> Estimate | None:
    for s in system.slices:
        if s.field == "trap" and s.value == "true":
            return s.fpr_no_gold
    return None


# ---------------------------------------------------------------------- markdown


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(x: str) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _tag_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for t in r.model.per_tag:
        bt = r.baseline.tag(t.tag) if r.baseline is not None else None
        rows.append([
            t.tag, t.dimension, str(t.support), str(t.predicted), fmt(t.precision), fmt(t.recall), fmt(t.f1),
            fmt(bt.precision) if bt else "-", fmt(bt.f1) if bt else "-",
            _signed(r.differences.get(f"tag.{t.tag}.f1")) if bt else "-",
        ])
    return rows


_TAG_HEADER = ["tag", "dimension", "support", "predicted", "precision", "recall", "F1",
               "baseline precision", "baseline F1", "F1 − baseline"]


def _slice_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for s in r.model.slices:
        bs = r.baseline.slice(s.field, s.value) if r.baseline is not None else None
        rows.append([
            f"{s.field}={s.value}", str(s.n), str(s.n_no_gold), _pct(s.fpr_no_gold), _pct(bs.fpr_no_gold) if bs else "-",
            fmt(s.detection.precision), fmt(s.detection.recall), _pct(s.flagged_rate), _pct(bs.flagged_rate) if bs else "-",
        ])
    return rows


_SLICE_HEADER = ["slice", "n", "no gold tag", "FPR (no gold)", "baseline FPR", "detection precision",
                 "detection recall", "flagged", "baseline flagged"]


def _dim_rows(r: EvaluationResult) -> list[list[str]]:
    rows = []
    for dim, prf in r.model.per_dimension.items():
        bp: PRF | None = r.baseline.per_dimension.get(dim) if r.baseline is not None else None
        ci = r.ccr_impact.per_dimension.get(dim, {})
        rows.append([dim, fmt(prf.precision), fmt(prf.recall), fmt(prf.f1), fmt(bp.f1) if bp else "-",
                     _pct(ci.get("gold_rate")), _pct(ci.get("model_rate")), _pct(ci.get("baseline_rate"))])
    return rows


_DIM_HEADER = ["dimension", "precision", "recall", "F1", "baseline F1", "gold rate", "model flagged", "baseline flagged"]


def _ccr_lines(r: EvaluationResult) -> list[str]:
    c = r.ccr_impact
    lines = [
        f"Share of texts flagged as negative feedback — gold {_pct(c.gold_rate)}, model {_pct(c.model_rate)}"
        + (f", keyword baseline {_pct(c.baseline_rate)}." if c.baseline_rate is not None else "."),
        f"Model − gold: {_signed(c.model_excess)}.",
    ]
    if c.inflation is not None:
        ratio = f" ({c.inflation_ratio:.2f}× the model's rate)" if c.inflation_ratio is not None else ""
        lines.append(f"Keyword baseline − model (CCR inflation by the crude approach): {_signed(c.inflation)}{ratio}.")
        lines.append(f"Keyword baseline − gold: {_signed(c.baseline_excess)}.")
    return lines


def _audit_rows(r: EvaluationResult) -> list[list[str]]:
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


def render_markdown(r: EvaluationResult) -> str:
    """The summary as Markdown (tables; no plots)."""
    base = r.baseline is not None
    out = [f"# Evaluation report: {r.audit.model}" + (f" vs {r.audit.baseline} baseline" if base else ""), ""]
    out.append(f"{r.audit.rows_valid} labeled texts from `{r.audit.data_path}` "
               f"({r.audit.rows_skipped} rows skipped). 95% bootstrap intervals in brackets "
               f"({r.audit.n_boot} resamples, seed {r.audit.seed}); differences are paired.")
    out += ["", "## Summary", ""]
    out.append(_md_table(
        ["metric", "model", "baseline", "model − baseline", "model counts"],
        [[label, fmt(me), fmt(be) if base else "-", _signed(de) if base else "-", counts]
         for label, me, be, de, counts in _summary_rows(r)],
    ))
    trap = _trap(r.model)
    if trap is not None:
        bt = _trap(r.baseline) if base else None
        out += ["", f"False-positive rate on trap texts (praise in complaint words, negation, questions, neutral "
                    f"facts, lukewarm, context): model {_pct(trap)}" + (f", baseline {_pct(bt)}" if bt else "") + "."]
    out += ["", "## CCR impact", ""] + [f"- {x}" for x in _ccr_lines(r)]
    out += ["", "## Per tag", "", _md_table(_TAG_HEADER, _tag_rows(r))]
    out += ["", "## Per CCR dimension", "", _md_table(_DIM_HEADER, _dim_rows(r))]
    if r.model.slices:
        out += ["", "## Slices", "", _md_table(_SLICE_HEADER, _slice_rows(r))]
    out += ["", "## Calibration", ""]
    out.append(_md_table(["tag", "ECE", "average precision", "threshold", "precision at threshold", "recall at threshold"],
                         [[c.tag, _num(c.reliability.ece), _num(c.pr.average_precision), f"{c.pr.threshold:.3f}",
                           _num(c.pr.precision_at_threshold), _num(c.pr.recall_at_threshold)] for c in r.calibration]))
    if r.calibration_pooled is not None:
        out += ["", f"Pooled ECE over all (text, tag) pairs: {_num(r.calibration_pooled.ece)}."]
    out += ["", "## Errors", "", f"{len(r.errors)} wrong (text, tag) decisions of the model, listed in `errors.csv` "
                                 "(most confident first)."]
    fp = sum(e.error == "false_positive" for e in r.errors)
    out.append(f"False positives: {fp}; false negatives: {len(r.errors) - fp}.")
    if r.sample:
        out += ["", f"A stratified random sample of {len(r.sample)} texts for human re-check is in `sample.csv`."]
    out += ["", "## Skipped rows", ""]
    if r.skipped:
        out.append(_md_table(["line", "reason", "raw"], [[str(s.line), s.reason, s.raw] for s in r.skipped]))
    else:
        out.append("None.")
    out += ["", "## Audit trail", "", _md_table(["item", "value"], _audit_rows(r)), ""]
    return "\n".join(out)


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


# ---------------------------------------------------------------------- plots


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _err(e: Estimate) -> tuple[float, float]:
    if e.value is None or e.ci_low is None or e.ci_high is None:
        return 0.0, 0.0
    return max(0.0, e.value - e.ci_low), max(0.0, e.ci_high - e.value)


def _bars(ax: Any, names: list[str], series: list[tuple[str, list[Estimate]]], ylabel: str) -> None:
    import numpy as np

    x = np.arange(len(names))
    width = 0.8 / max(1, len(series))
    for k, (label, ests) in enumerate(series):
        vals = [e.value if e.value is not None else 0.0 for e in ests]
        errs = np.array([_err(e) for e in ests]).T if ests else None
        ax.bar(x + (k - (len(series) - 1) / 2) * width, vals, width, yerr=errs, capsize=2, label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def _grid(n: int) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure

    cols = 4
    rows = max(1, -(-n // cols))
    fig = Figure(figsize=(12, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def render_plots(r: EvaluationResult) -> dict[str, str]:
    """name → base64 PNG."""
    from matplotlib.figure import Figure

    plots: dict[str, str] = {}
    names = [t.tag for t in r.model.per_tag]
    series = [("model", [t.f1 for t in r.model.per_tag])]
    if r.baseline is not None:
        series.append(("keyword baseline", [t.f1 for t in r.baseline.per_tag]))
    fig = Figure(figsize=(10, 4), layout="constrained")
    _bars(fig.subplots(), names, series, "F1 (95% CI)")
    plots["f1_per_tag"] = _png(fig)

    if r.model.slices:
        snames = [f"{s.field}={s.value}" for s in r.model.slices]
        series = [("model", [s.fpr_no_gold for s in r.model.slices])]
        if r.baseline is not None:
            series.append(("keyword baseline", [s.fpr_no_gold for s in r.baseline.slices]))
        fig = Figure(figsize=(max(8, 0.35 * len(snames)), 4.5), layout="constrained")
        _bars(fig.subplots(), snames, series, "FPR on texts with no gold tag")
        plots["fpr_per_slice"] = _png(fig)

    c = r.ccr_impact
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ests = [c.gold_rate, c.model_rate] + ([c.baseline_rate] if c.baseline_rate is not None else [])
    _bars(fig.subplots(), ["gold", "model", "keyword"][:len(ests)], [("share of texts flagged", ests)], "share flagged")
    plots["ccr_impact"] = _png(fig)

    if r.calibration:
        fig, axes = _grid(len(r.calibration))
        for ax, cal in zip(axes, r.calibration):
            bins = [b for b in cal.reliability.bins if b.count]
            ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
            ax.plot([b.mean_confidence for b in bins], [b.frequency for b in bins], marker="o", ms=3)
            ax.set_title(f"{cal.tag}  ECE {_num(cal.reliability.ece)}", fontsize=9)
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.tick_params(labelsize=7)
        fig.supxlabel("mean predicted probability", fontsize=9)
        fig.supylabel("observed frequency", fontsize=9)
        plots["reliability"] = _png(fig)

        fig, axes = _grid(len(r.calibration))
        for ax, cal in zip(axes, r.calibration):
            pr = cal.pr
            if pr.recall:
                ax.step(pr.recall, pr.precision, where="post", lw=1)
            if pr.precision_at_threshold is not None and pr.recall_at_threshold is not None:
                ax.plot([pr.recall_at_threshold], [pr.precision_at_threshold], "o", color="C3",
                        label=f"threshold {pr.threshold:.2f}")
            if r.baseline is not None:
                bt = r.baseline.tag(cal.tag)
                if bt.precision.value is not None and bt.recall.value is not None:
                    ax.plot([bt.recall.value], [bt.precision.value], "x", color="C2", label="keyword")
            ap = _num(pr.average_precision)
            ax.set_title(f"{cal.tag}  AP {ap}  n+={pr.support}", fontsize=9)
            ax.set_xlim(0, 1.02)
            ax.set_ylim(0, 1.02)
            ax.tick_params(labelsize=7)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6, loc="lower left")
        fig.supxlabel("recall", fontsize=9)
        fig.supylabel("precision", fontsize=9)
        plots["pr_curves"] = _png(fig)
    return plots


# ---------------------------------------------------------------------- html

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;
color:#222;max-width:1300px}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:13px}
details{margin:.5em 0}
code{background:#f5f5f5;padding:0 3px}
"""


def _h(x: Any) -> str:
    return html.escape(str(x))


def _html_table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_h(c)}</th>" for c in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_h(c)}</td>' if i >= numeric_from else f"<td>{_h(c)}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(plots: dict[str, str], name: str, alt: str) -> str:
    if name not in plots:
        return ""
    return f'<img alt="{_h(alt)}" src="data:image/png;base64,{plots[name]}">'


def render_html(r: EvaluationResult, plots: dict[str, str] | None = None) -> str:
    """The self-contained HTML report (plots embedded as base64 PNG)."""
    plots = render_plots(r) if plots is None else plots
    base = r.baseline is not None
    title = f"Evaluation report: {r.audit.model}" + (f" vs {r.audit.baseline} baseline" if base else "")
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_h(title)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{_h(title)}</h1>"]
    parts.append(f'<p class="note">{r.audit.rows_valid} labeled texts from <code>{_h(r.audit.data_path)}</code> '
                 f"({r.audit.rows_skipped} rows skipped). 95% bootstrap intervals in brackets ({r.audit.n_boot} "
                 f"resamples, seed {r.audit.seed}); differences are paired. Generated {_h(r.audit.generated_at)}.</p>")
    parts.append("<h2 id=\"summary\">Summary</h2>")
    parts.append(_html_table(
        ["metric", "model", "baseline", "model − baseline", "model counts"],
        [[label, fmt(me), fmt(be) if base else "-", _signed(de) if base else "-", counts]
         for label, me, be, de, counts in _summary_rows(r)],
    ))
    trap = _trap(r.model)
    if trap is not None:
        bt = _trap(r.baseline) if base else None
        parts.append(f"<p><b>False-positive rate on trap texts</b>: model {_h(_pct(trap))}"
                     + (f", keyword baseline {_h(_pct(bt))}" if bt else "") + ".</p>")
    parts.append("<h2 id=\"ccr\">CCR impact</h2><ul>" + "".join(f"<li>{_h(x)}</li>" for x in _ccr_lines(r)) + "</ul>")
    parts.append(_img(plots, "ccr_impact", "share of texts flagged: gold, model, keyword baseline"))
    parts.append("<h2 id=\"tags\">Per tag</h2>" + _html_table(_TAG_HEADER, _tag_rows(r), numeric_from=2))
    parts.append(_img(plots, "f1_per_tag", "F1 per tag, model vs keyword baseline"))
    parts.append("<h2 id=\"dimensions\">Per CCR dimension</h2>" + _html_table(_DIM_HEADER, _dim_rows(r)))
    if r.model.slices:
        parts.append("<h2 id=\"slices\">Slices</h2>" + _html_table(_SLICE_HEADER, _slice_rows(r)))
        parts.append(_img(plots, "fpr_per_slice", "false-positive rate per slice"))
    parts.append("<h2 id=\"calibration\">Calibration</h2>")
    parts.append(_html_table(
        ["tag", "ECE", "average precision", "threshold", "precision at threshold", "recall at threshold"],
        [[c.tag, _num(c.reliability.ece), _num(c.pr.average_precision), f"{c.pr.threshold:.3f}",
          _num(c.pr.precision_at_threshold), _num(c.pr.recall_at_threshold)] for c in r.calibration],
    ))
    if r.calibration_pooled is not None:
        parts.append(f"<p>Pooled ECE over all (text, tag) pairs: {_num(r.calibration_pooled.ece)}.</p>")
    parts.append("<h3>Reliability diagrams</h3>" + _img(plots, "reliability", "reliability diagram per tag"))
    parts.append("<h3>Precision–recall curves</h3><p class=\"note\">Red dot: the model's threshold; green cross: the "
                 "keyword baseline.</p>" + _img(plots, "pr_curves", "precision-recall curve per tag"))
    fp = sum(e.error == "false_positive" for e in r.errors)
    parts.append(f"<h2 id=\"errors\">Errors</h2><p>{fp} false positives, {len(r.errors) - fp} false negatives "
                 "(per text and tag), most confident first; also in <code>errors.csv</code>.</p>")
    parts.append(_html_table(
        ["#", "id", "error", "tag", "score", "confidence", "gold", "predicted", "keyword", "text"],
        [[str(i), e.id, e.error, e.tag, _num(e.score, 4), _num(e.confidence, 4), ", ".join(e.gold) or "∅",
          ", ".join(e.predicted) or "∅", (", ".join(e.baseline) or "∅") if e.baseline is not None else "-", e.text]
         for i, e in enumerate(r.errors, start=1)],
        numeric_from=99,
    ))
    if r.sample:
        parts.append(f"<h2 id=\"sample\">Sample for human re-check</h2><p>{len(r.sample)} texts, stratified by "
                     "detection outcome; also in <code>sample.csv</code>.</p>")
        parts.append(_html_table(
            ["id", "line", "stratum", "gold", "predicted", "text", "context"],
            [[s.id, str(s.line), s.stratum, ", ".join(s.gold) or "∅", ", ".join(s.predicted) or "∅", s.text,
              s.context or ""] for s in r.sample],
            numeric_from=99,
        ))
    parts.append("<h2 id=\"skipped\">Skipped rows</h2>")
    parts.append(_html_table(["line", "reason", "raw"], [[str(s.line), s.reason, s.raw] for s in r.skipped],
                             numeric_from=99) if r.skipped else "<p>None.</p>")
    parts.append("<h2 id=\"audit\">Audit trail</h2>" + _html_table(["item", "value"], _audit_rows(r), numeric_from=99))
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------------- csv and the writer


def write_errors_csv(r: EvaluationResult, path: Path) -> Path:
    slice_cols = list(r.slice_fields)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(_ERROR_COLUMNS) + slice_cols)
        for i, e in enumerate(r.errors, start=1):
            w.writerow([i, e.id, e.line, e.error, e.tag, "" if e.score is None else e.score,
                        "" if e.threshold is None else e.threshold, "" if e.confidence is None else e.confidence,
                        " ".join(e.gold), " ".join(e.predicted), "" if e.baseline is None else " ".join(e.baseline),
                        e.text, e.context or ""] + [e.slices.get(c, "") for c in slice_cols])
    return path


def write_sample_csv(r: EvaluationResult, path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "line", "stratum", "gold", "predicted", "scores", "text", "context", "recheck_labels", "note"])
        for s in r.sample:
            w.writerow([s.id, s.line, s.stratum, " ".join(s.gold), " ".join(s.predicted),
                        json.dumps(s.scores, ensure_ascii=False), s.text, s.context or "", "", ""])
    return path


def write_report(r: EvaluationResult, out: str | PathLike[str]) -> dict[str, Path]:
    """Write every report file into ``out`` (created if needed); return name → path."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    paths = {name: root / name for name in REPORT_FILES}
    paths["report.json"].write_text(json.dumps(r.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["report.md"].write_text(render_markdown(r), encoding="utf-8")
    paths["report.html"].write_text(render_html(r), encoding="utf-8")
    write_errors_csv(r, paths["errors.csv"])
    if r.sample:
        paths["sample.csv"] = write_sample_csv(r, root / "sample.csv")
    return paths
