"""The published evaluation reports of the shipped models: ``eval/reports/<name>/`` (report.json, report.md).

Each is what ``feedback-nlp eval`` measures on the frozen test split; the model cards
quote them. ``make eval`` (``python -m eval reports``) regenerates every one.

The test split holds third-party corpus texts, which are never committed: the published
``report.json`` keeps every number but not the per-text lists (errors, sample, skipped
rows); ``report.md`` has no texts. The full report is a local ``feedback-nlp eval`` away.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import feedback_nlp

__all__ = ["regenerate", "redact", "PUBLISHED"]

PUBLISHED = ("report.json", "report.md")


def redact(report: dict[str, Any]) -> dict[str, Any]:
    """``report.json`` without the texts (error rows, sample and skipped rows become counts) and without the
    per-score points of the PR curves (average precision and the operating point stay)."""
    out = dict(report)
    calibration = dict(report["calibration"])
    calibration["per_tag"] = [
        dict(c, pr={k: v for k, v in c["pr"].items() if k not in ("precision", "recall", "thresholds")})
        for c in report["calibration"]["per_tag"]
    ]
    out["calibration"] = calibration
    out["errors"] = {"count": report["errors"]["count"], "rows": [], "rows_removed": "texts are not published"}
    out["sample"] = []
    out["skipped"] = [{"line": s["line"], "reason": s["reason"]} for s in report["skipped"]]
    return out


def regenerate(data: Path, out: Path, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Path]:
    """Evaluate every shipped model on ``data``; keep report.json and report.md per model under ``out``."""
    written = {}
    for name in feedback_nlp.available_models():
        command = f"feedback-nlp eval {data} --model {name} --n-boot {n_boot} --seed {seed}"
        with tempfile.TemporaryDirectory() as tmp:
            feedback_nlp.evaluate(data, name, n_boot=n_boot, seed=seed, out=tmp, command=command)
            dest = out / name
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "report.md", dest / "report.md")
            full = json.loads((Path(tmp) / "report.json").read_text(encoding="utf-8"))
            (dest / "report.json").write_text(json.dumps(redact(full), ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
        written[name] = dest
    return written
