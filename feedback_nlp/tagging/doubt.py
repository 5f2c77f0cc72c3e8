"""Signs that a tag may be wrong, shared by the appeal pack and the review queue.

- **small margin**: the probability sits close to the tag's threshold. Thresholds are near 1,
  so closeness is measured in logit space: ``logit(p) − logit(threshold)``.
- **models disagree**: a second model (``accurate``) decides otherwise.
- **trap pattern**: the text has a shape that the labeling guide lists among the traps of
  crude tagging — a question, a negated complaint word (没有色差), praise words (好评, 好吃).
  These are heuristics for ranking what a human should look at first, never a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from feedback_nlp.tagging.decision import logit_margin

__all__ = ["logit_margin", "trap_patterns", "agreement", "load_second_tagger", "SECOND_MODEL", "TRAP_PATTERNS", "SMALL_MARGIN"]

#: the shipped model that double-checks ``default``
SECOND_MODEL = "accurate"

#: |logit margin| below this is "small": the odds are within a factor e of the threshold's
SMALL_MARGIN = 1.0

#: name → pattern; see the labeling guide's rules on praise, negation and questions
TRAP_PATTERNS: dict[str, re.Pattern[str]] = {
    "question": re.compile(r"[?？]|请问|吗[。.!！~]*$"),
    "negated_complaint_word": re.compile(
        r"(没有|没|无|毫无|不|一点都不|一点也不|并不)(色差|线头|异味|破损|起球|掉色|褪色|开线|刺鼻|过期|发霉|变形|漏|坏|偏大|偏小|小|大|贵|慢|腻|咸)"
    ),
    "praise_words": re.compile(r"好评|五星|满意|喜欢|推荐|回购|超赞|好吃|好看|舒服|物超所值|值得|点赞|给力"),
}


def trap_patterns(text: str | None) -> list[str]:
    """Names of the :data:`TRAP_PATTERNS` found in ``text``."""
    if not text:
        return []
    return [name for name, pattern in TRAP_PATTERNS.items() if pattern.search(text)]


def agreement(tags: Iterable[str], other: Iterable[str] | None) -> str | None:
    """``"yes"`` (same tags), ``"partly"`` (some shared), ``"no"`` (none shared), ``None`` (no second model)."""
    if other is None:
        return None
    a, b = set(tags), set(other)
    return "yes" if a == b else "partly" if a & b else "no"


def load_second_tagger(model: str | None = SECOND_MODEL, **kwargs: Any) -> tuple[Any, str]:
    """(tagger or ``None``, a sentence saying which second model is used, or why none is).

    ``model``: a shipped name or a directory; ``None`` or ``"none"`` for no second model. The
    shipped ``accurate`` that is not published yet is not an error: the note says so.
    """
    from feedback_nlp.model_dir import available_models
    from feedback_nlp.tagging.onnx_tagger import load_tagger

    if model is None or model == "none":
        return None, "no second model (comparison switched off)"
    if model == SECOND_MODEL and SECOND_MODEL not in available_models():
        return None, (f"the second model '{SECOND_MODEL}' is not shipped in this install "
                      f"(shipped: {', '.join(available_models())}); model agreement is not shown")
    return load_tagger(model, **kwargs), f"second model: {model}"
