"""Is the evidence faithful? Remove a tag's top span, and a random span of the same length.

For every (text, tag) the model emits, two variants of the text run in the same batch as
the text itself: one without the top evidence span (:mod:`feedback_nlp.tagging.explain`), one
without a random span of the same number of characters (seeded, anywhere in the text). If the
evidence is faithful, the first drops the tag below its threshold in most cases and the second
much less often. Pairs with no evidence span count as "top span did not drop it".

    python -m eval faithfulness --model default --split test     # the numbers of the model card
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from feedback_nlp.tagging.explain import _one_batch

__all__ = ["Rate", "FaithfulnessResult", "measure_faithfulness", "CARD_SECTION"]

CARD_SECTION = "Evidence faithfulness"


@dataclass(frozen=True)
class Rate:
    """``k`` of ``n``, with a 95% Wilson interval."""

    k: int
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None

    @classmethod
    def of(cls, k: int, n: int, z: float = 1.96) -> Rate:
        if n == 0:
            return cls(k, n, None, None, None)
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return cls(k, n, round(p, 4), round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}] ({self.k}/{self.n})"


@dataclass(frozen=True)
class FaithfulnessResult:
    model: str
    data: str
    data_sha256: str | None
    n_texts: int
    units: str
    seed: int
    top_span: Rate  # removing the top span drops the tag below its threshold
    random_span: Rate  # removing a random span of the same length does
    no_evidence: int  # pairs without an evidence span
    per_tag: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"format": "feedback-nlp-faithfulness/1", **asdict(self)}

    def to_markdown(self, command: str | None = None) -> str:
        """The model-card section (no texts, only counts)."""
        lines = [
            f"On `{self.data}` ({self.n_texts} texts; {self.top_span.n} (text, tag) pairs the model emits), "
            f"removing a tag's **top evidence span** drops it below its threshold in **{self.top_span}** of "
            f"the pairs; removing a **random span of the same length** does in **{self.random_span}**. "
            f"Units: {self.units}; seed {self.seed}; 95% Wilson intervals; {self.no_evidence} pairs had no evidence span "
            "(counted as not dropped).",
            "",
            "| tag | pairs | top span removed: dropped | random span removed: dropped |",
            "|---|---|---|---|",
        ]
        for tag, d in self.per_tag.items():
            lines.append(f"| `{tag}` | {d['n']} | {d['top']:.2f} | {d['random']:.2f} |")
        if command:
            lines += ["", f"Reproduce: `{command}`."]
        return "\n".join(lines)


def measure_faithfulness(
    tagger: Any,
    texts: Sequence[str | None],
    contexts: Sequence[str | None] | None = None,
    *,
    seed: int = 0,
    units: str = "auto",
    model: str = "model",
    data: str = "<texts>",
    data_sha256: str | None = None,
) -> FaithfulnessResult:
    """Deletion test of the evidence of ``tagger`` (an :class:`~feedback_nlp.OnnxTagger`) on ``texts``."""
    explanations = tagger.explain(list(texts), None if contexts is None else list(contexts), units=units)
    thresholds = tagger.thresholds
    index = {label: j for j, label in enumerate(tagger.labels)}
    per_tag = {label: [0, 0, 0] for label in tagger.labels}  # pairs, top dropped, random dropped
    no_evidence = 0
    kind = explanations[0].units if explanations else units
    for i, ex in enumerate(explanations):
        if not ex.evidence:
            continue
        text = ex.text
        rng = np.random.default_rng([seed, i])
        tops, randoms = [], []
        for ev in ex.evidence:
            top = ev.spans[0] if ev.spans else None
            length = min(len(text), top.end - top.start if top else 1)
            start = int(rng.integers(0, len(text) - length + 1))
            tops.append(text[:top.start] + text[top.end:] if top else text)
            randoms.append(text[:start] + text[start + length:])
        context = contexts[i] if contexts is not None and tagger.use_context else None
        probs = _one_batch(tagger, [text] + tops + randoms, context)
        k = len(ex.evidence)
        for m, ev in enumerate(ex.evidence):
            j, t = index[ev.tag], thresholds[ev.tag]
            if probs[0, j] < t:  # emitted by the tagger's batch, not by this one: nothing to test
                continue
            no_evidence += not ev.spans
            counts = per_tag[ev.tag]
            counts[0] += 1
            counts[1] += bool(ev.spans) and bool(probs[1 + m, j] < t)
            counts[2] += bool(probs[1 + k + m, j] < t)
    n = sum(c[0] for c in per_tag.values())
    return FaithfulnessResult(
        model=model, data=data, data_sha256=data_sha256, n_texts=len(explanations), units=kind, seed=seed,
        top_span=Rate.of(sum(c[1] for c in per_tag.values()), n),
        random_span=Rate.of(sum(c[2] for c in per_tag.values()), n),
        no_evidence=no_evidence,
        per_tag={tag: {"n": c[0], "top": Rate.of(c[1], c[0]).value, "random": Rate.of(c[2], c[0]).value}
                 for tag, c in per_tag.items() if c[0]},
    )
