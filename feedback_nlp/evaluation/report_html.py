"""The self-contained HTML evaluation report (inline CSS, plots embedded as base64 PNG)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from feedback_nlp.evaluation.plots import EVAL_EXTRA_HINT, render_plots
from feedback_nlp.tagging.explain import highlight_html
from feedback_nlp.evaluation.report_tables import (
    DIM_HEADER,
    SLICE_HEADER,
    TAG_HEADER,
    audit_rows,
    ccr_lines,
    dim_rows,
    fmt,
    num,
    pct,
    signed,
    slice_rows,
    summary_rows,
    tag_rows,
    trap_fpr,
)

if TYPE_CHECKING:
    from feedback_nlp.evaluation.results import EvaluationResult

__all__ = ["render_html"]

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
mark{padding:0 1px;border-radius:2px;color:#000}
"""


def _h(x: Any) -> str:
    return html.escape(str(x))


class _Raw(str):
    """A cell that is already HTML (highlighted evidence)."""


def _cell(c: Any) -> str:
    return c if isinstance(c, _Raw) else _h(c)


def _html_table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_h(c)}</th>" for c in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_cell(c)}</td>' if i >= numeric_from else f"<td>{_cell(c)}</td>" for i, c in enumerate(row)
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
    if not plots:
        parts.append(f'<p class="note">Plots left out: matplotlib is not installed ({_h(EVAL_EXTRA_HINT)}).</p>')
    parts.append("<h2 id=\"summary\">Summary</h2>")
    parts.append(_html_table(
        ["metric", "model", "baseline", "model − baseline", "model counts"],
        [[label, fmt(me), fmt(be) if base else "-", signed(de) if base else "-", counts]
         for label, me, be, de, counts in summary_rows(r)],
    ))
    trap = trap_fpr(r.model)
    if trap is not None:
        bt = trap_fpr(r.baseline) if base else None
        parts.append(f"<p><b>False-positive rate on trap texts</b>: model {_h(pct(trap))}"
                     + (f", keyword baseline {_h(pct(bt))}" if bt else "") + ".</p>")
    parts.append("<h2 id=\"ccr\">CCR impact</h2><ul>" + "".join(f"<li>{_h(x)}</li>" for x in ccr_lines(r)) + "</ul>")
    parts.append(_img(plots, "ccr_impact", "share of texts flagged: gold, model, keyword baseline"))
    parts.append("<h2 id=\"tags\">Per tag</h2>" + _html_table(TAG_HEADER, tag_rows(r), numeric_from=2))
    parts.append(_img(plots, "f1_per_tag", "F1 per tag, model vs keyword baseline"))
    parts.append("<h2 id=\"dimensions\">Per CCR dimension</h2>" + _html_table(DIM_HEADER, dim_rows(r)))
    if r.model.slices:
        parts.append("<h2 id=\"slices\">Slices</h2>" + _html_table(SLICE_HEADER, slice_rows(r)))
        parts.append(_img(plots, "fpr_per_slice", "false-positive rate per slice"))
    parts.append("<h2 id=\"calibration\">Calibration</h2>")
    parts.append(_html_table(
        ["tag", "ECE", "average precision", "threshold", "precision at threshold", "recall at threshold"],
        [[c.tag, num(c.reliability.ece), num(c.pr.average_precision), f"{c.pr.threshold:.3f}",
          num(c.pr.precision_at_threshold), num(c.pr.recall_at_threshold)] for c in r.calibration],
    ))
    if r.calibration_pooled is not None:
        parts.append(f"<p>Pooled ECE over all (text, tag) pairs: {num(r.calibration_pooled.ece)}.</p>")
    parts.append("<h3>Reliability diagrams</h3>" + _img(plots, "reliability", "reliability diagram per tag"))
    parts.append("<h3>Precision–recall curves</h3><p class=\"note\">Red dot: the model's threshold; green cross: the "
                 "keyword baseline.</p>" + _img(plots, "pr_curves", "precision-recall curve per tag"))
    fp = sum(e.error == "false_positive" for e in r.errors)
    parts.append(f"<h2 id=\"errors\">Errors</h2><p>{fp} false positives, {len(r.errors) - fp} false negatives "
                 "(per text and tag), most confident first; also in <code>errors.csv</code>. Highlighted: the words "
                 "that push the tag up (evidence by occlusion; hover for the probability lost without them).</p>")
    parts.append(_html_table(
        ["#", "id", "error", "tag", "score", "confidence", "gold", "predicted", "keyword", "text"],
        [[str(i), e.id, e.error, e.tag, num(e.score, 4), num(e.confidence, 4), ", ".join(e.gold) or "∅",
          ", ".join(e.predicted) or "∅", (", ".join(e.baseline) or "∅") if e.baseline is not None else "-",
          _Raw(highlight_html(e.text, e.evidence))]
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
    parts.append("<h2 id=\"audit\">Audit trail</h2>" + _html_table(["item", "value"], audit_rows(r), numeric_from=99))
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)
