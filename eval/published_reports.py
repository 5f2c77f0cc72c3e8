"""The published evaluation reports of the shipped models: ``eval/reports/<name>/`` (report.json, report.md).

Each is what ``feedback-nlp eval`` measures on the frozen test split; the model cards
quote them. ``make eval`` (``python -m eval reports``) regenerates every one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import feedback_nlp

__all__ = ["regenerate", "PUBLISHED"]

PUBLISHED = ("report.json", "report.md")


def regenerate(data: Path, out: Path, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Path]:
    """Evaluate every shipped model on ``data``; keep report.json and report.md per model under ``out``."""
    written = {}
    for name in feedback_nlp.available_models():
        command = f"feedback-nlp eval {data} --model {name} --n-boot {n_boot} --seed {seed}"
        with tempfile.TemporaryDirectory() as tmp:
            feedback_nlp.evaluate(data, name, n_boot=n_boot, seed=seed, out=tmp, command=command)
            dest = out / name
            dest.mkdir(parents=True, exist_ok=True)
            for file in PUBLISHED:
                shutil.copyfile(Path(tmp) / file, dest / file)
        written[name] = dest
    return written
