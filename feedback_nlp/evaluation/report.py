"""Write an :class:`~feedback_nlp.evaluation.results.EvaluationResult` as report files.

- ``report.json``: every number (``EvaluationResult.to_dict()``), machine-readable.
- ``report.md``: the summary tables.
- ``report.html``: self-contained (inline CSS, matplotlib plots embedded as base64 PNG):
  summary, per-tag table, slices, CCR impact, calibration, PR curves, errors, sample,
  skipped rows, audit trail (:mod:`~feedback_nlp.evaluation.report_html`; without the
  ``eval`` extra the plots are left out, with a note).
- ``errors.csv``: every false positive and false negative, most confident first.
- ``sample.csv``: the stratified sample for human re-check (when one was drawn).

Text from the data cannot act on the reader: in the CSV files a cell starting with ``=``,
``+``, ``-``, ``@``, tab or CR gets a leading ``'`` (spreadsheet formula injection), and
``report.md`` escapes HTML. Each file is written to a temporary file and renamed.

All files are deterministic for the same result, except the ``generated_at`` timestamp.
"""

from __future__ import annotations

import csv
import html
import json
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_nlp.safe_output import atomic_output, check_distinct_paths, neutralize_cell
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

__all__ = ["write_report", "render_markdown", "write_errors_csv", "write_sample_csv", "fmt", "REPORT_FILES"]

REPORT_FILES = ("report.json", "report.md", "report.html", "errors.csv")
_ERROR_COLUMNS = ("rank", "id", "line", "error", "tag", "score", "threshold", "confidence", "gold", "predicted",
                  "baseline", "text", "context", "evidence")


# ---------------------------------------------------------------------- markdown


def _md_text(x: object) -> str:
    """Text from the data as inert Markdown: no HTML (``<script>`` shows as text), no table breaks."""
    return html.escape(str(x), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(r: EvaluationResult) -> str:
    """The summary as Markdown (tables; no plots)."""
    base = r.baseline is not None
    out = [f"# Evaluation report: {_md_text(r.audit.model)}" + (f" vs {_md_text(r.audit.baseline)} baseline" if base else ""), ""]
    out.append(f"{r.audit.rows_valid} labeled texts from {_md_text(r.audit.data_path)} "
               f"({r.audit.rows_skipped} rows skipped). 95% bootstrap intervals in brackets "
               f"({r.audit.n_boot} resamples, seed {r.audit.seed}); differences are paired.")
    out += ["", "## Summary", ""]
    out.append(_md_table(
        ["metric", "model", "baseline", "model − baseline", "model counts"],
        [[label, fmt(me), fmt(be) if base else "-", signed(de) if base else "-", counts]
         for label, me, be, de, counts in summary_rows(r)],
    ))
    trap = trap_fpr(r.model)
    if trap is not None:
        bt = trap_fpr(r.baseline) if base else None
        out += ["", f"False-positive rate on trap texts (praise in complaint words, negation, questions, neutral "
                    f"facts, lukewarm, context): model {pct(trap)}" + (f", baseline {pct(bt)}" if bt else "") + "."]
    out += ["", "## CCR impact", ""] + [f"- {x}" for x in ccr_lines(r)]
    out += ["", "## Per tag", "", _md_table(TAG_HEADER, tag_rows(r))]
    out += ["", "## Per CCR dimension", "", _md_table(DIM_HEADER, dim_rows(r))]
    if r.model.slices:
        out += ["", "## Slices", "", _md_table(SLICE_HEADER, slice_rows(r))]
    out += ["", "## Calibration", ""]
    out.append(_md_table(["tag", "ECE", "average precision", "threshold", "precision at threshold", "recall at threshold"],
                         [[c.tag, num(c.reliability.ece), num(c.pr.average_precision), f"{c.pr.threshold:.3f}",
                           num(c.pr.precision_at_threshold), num(c.pr.recall_at_threshold)] for c in r.calibration]))
    if r.calibration_pooled is not None:
        out += ["", f"Pooled ECE over all (text, tag) pairs: {num(r.calibration_pooled.ece)}."]
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
    out += ["", "## Audit trail", "", _md_table(["item", "value"], audit_rows(r)), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------- csv and the writer


def _evidence_cell(evidence: list[dict]) -> str:
    """``偏小[2:4] 0.82, 尺码[0:2] 0.08``: span, offsets, probability lost without it."""
    return ", ".join(f"{s['text']}[{s['start']}:{s['end']}] {s['weight']:.2f}" for e in evidence for s in e["spans"])


def _safe_row(writer: Any, cells: list[Any]) -> None:
    """A CSV row whose text cells cannot run as spreadsheet formulas (ids, texts, slice values come from the data)."""
    writer.writerow([neutralize_cell(c) for c in cells])


def write_errors_csv(r: EvaluationResult, path: Path) -> Path:
    slice_cols = list(r.slice_fields)
    with atomic_output(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(_ERROR_COLUMNS) + slice_cols)
        for i, e in enumerate(r.errors, start=1):
            _safe_row(w, [i, e.id, e.line, e.error, e.tag, "" if e.score is None else e.score,
                          "" if e.threshold is None else e.threshold, "" if e.confidence is None else e.confidence,
                          " ".join(e.gold), " ".join(e.predicted), "" if e.baseline is None else " ".join(e.baseline),
                          e.text, e.context or "", _evidence_cell(e.evidence)] + [e.slices.get(c, "") for c in slice_cols])
    return path


def write_sample_csv(r: EvaluationResult, path: Path) -> Path:
    with atomic_output(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "line", "stratum", "gold", "predicted", "scores", "text", "context", "recheck_labels", "note"])
        for s in r.sample:
            _safe_row(w, [s.id, s.line, s.stratum, " ".join(s.gold), " ".join(s.predicted),
                          json.dumps(s.scores, ensure_ascii=False), s.text, s.context or "", "", ""])
    return path


def check_report_paths(data: str | PathLike[str], out: str | PathLike[str]) -> None:
    """Refuse an ``out`` directory whose report files would overwrite the data file."""
    names = (*REPORT_FILES, "sample.csv")
    check_distinct_paths({"data file": Path(data)}, {name: Path(out) / name for name in names})


def write_report(r: EvaluationResult, out: str | PathLike[str]) -> dict[str, Path]:
    """Write every report file into ``out`` (created if needed); return name → path."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    paths = {name: root / name for name in REPORT_FILES}
    check_report_paths(r.audit.data_path, root)
    from feedback_nlp.evaluation.report_html import render_html

    for name, text in (("report.json", json.dumps(r.to_dict(), ensure_ascii=False, indent=2) + "\n"),
                       ("report.md", render_markdown(r)), ("report.html", render_html(r))):
        with atomic_output(paths[name], "w", encoding="utf-8") as f:
            f.write(text)
    write_errors_csv(r, paths["errors.csv"])
    if r.sample:
        paths["sample.csv"] = write_sample_csv(r, root / "sample.csv")
    return paths
