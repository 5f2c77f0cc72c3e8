"""The tagger that scoring uses for feedback without tags, chosen by name and loaded on first use.

Scoring data that already carries tags never needs a model, so the model directory is
opened only when ``predict`` is first called.
"""

from __future__ import annotations

from os import PathLike
from typing import Any

from feedback_nlp.errors import InvalidInputError

__all__ = ["LazyTagger", "TAGGER_KINDS"]

TAGGER_KINDS = ("model", "keyword")


class LazyTagger:
    """``kind`` is ``"model"`` (``model``: a shipped name, a path or None) or ``"keyword"``."""

    def __init__(self, kind: str = "model", model: str | PathLike[str] | None = None) -> None:
        if kind not in TAGGER_KINDS:
            raise InvalidInputError(f"tagger must be one of {', '.join(TAGGER_KINDS)}, got {kind!r}")
        self.kind, self.model, self._tagger = kind, model, None

    def fingerprint(self) -> str | None:
        """The key of the tag cache (:mod:`feedback_nlp.scoring.tag_cache`); loads the tagger."""
        from feedback_nlp.scoring.tag_cache import source_fingerprint, tagger_fingerprint

        tagger = self._load()
        return source_fingerprint(tagger, "keyword-baseline") if self.kind == "keyword" else tagger_fingerprint(tagger)

    def predict(self, texts: list[str], contexts: Any = None) -> list[list[str]]:
        return self._load().predict(texts, contexts)

    def _load(self) -> Any:
        if self._tagger is None:
            if self.kind == "keyword":
                from feedback_nlp.tagging.keyword_baseline import KeywordTagger

                self._tagger = KeywordTagger()
            else:
                from feedback_nlp.tagging.onnx_tagger import load_tagger

                self._tagger = load_tagger(self.model)
        return self._tagger
