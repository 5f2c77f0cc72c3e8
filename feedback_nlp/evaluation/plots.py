"""Plots of an evaluation report (matplotlib, the ``eval`` extra), as base64 PNG.

Without matplotlib the report is still complete (every table and number); the plots are
left out and :func:`render_plots` returns ``{}`` after one warning with the pip hint.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import TYPE_CHECKING, Any

from feedback_nlp.evaluation.metrics import Estimate
from feedback_nlp.extras import has_module, pip_hint

if TYPE_CHECKING:
    from feedback_nlp.evaluation.results import EvaluationResult

__all__ = ["render_plots", "EVAL_EXTRA_HINT"]

EVAL_EXTRA_HINT = pip_hint("eval")


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


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
    """name → base64 PNG; ``{}`` (with a warning naming the extra) when matplotlib is missing."""
    if not has_module("matplotlib"):
        warnings.warn(f"plots left out of the report: matplotlib is not installed ({EVAL_EXTRA_HINT})", UserWarning,
                      stacklevel=2)
        return {}
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
