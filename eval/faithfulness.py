"""``python -m eval faithfulness``: measure the evidence's faithfulness on a frozen split and publish it.

Writes ``eval/reports/<name>/faithfulness.json`` and ``faithfulness.md`` (counts only, no texts), and
with ``card=True`` puts the same section into the model card (``README.md`` of the model directory,
manifest rewritten): the numbers that ``docs/evidence.md`` and the card quote.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedback_nlp
from feedback_nlp.evaluation.faithfulness import CARD_SECTION, FaithfulnessResult, measure_faithfulness
from feedback_nlp.evaluation.gold import read_gold
from feedback_nlp.model_dir.card import set_card_section
from feedback_nlp.model_dir.manifest import write_manifest

__all__ = ["run_faithfulness"]


def run_faithfulness(model: str, data: Path, out: Path, *, seed: int = 0, units: str = "auto",
                     card: bool = False, command: str | None = None) -> FaithfulnessResult:
    tagger = feedback_nlp.load_tagger(model)
    gold = read_gold(data)
    records = gold.records
    result = measure_faithfulness(
        tagger, [r.text for r in records], [r.context for r in records], seed=seed, units=units,
        model=model, data=data.name, data_sha256=gold.sha256,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "faithfulness.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    section = result.to_markdown(command)
    (out / "faithfulness.md").write_text(f"# {CARD_SECTION}: {model}\n\n{section}\n", encoding="utf-8")
    if card:
        readme = tagger.model_dir / "README.md"
        readme.write_text(set_card_section(readme.read_text(encoding="utf-8"), CARD_SECTION, section),
                          encoding="utf-8")
        write_manifest(tagger.model_dir)
    return result
