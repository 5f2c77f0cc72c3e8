"""Evidence per tag: which character spans of a text drive each tag, by occlusion on the ONNX model.

>>> tagger = feedback_nlp.load_tagger()                                   # doctest: +SKIP
>>> ex = tagger.explain("做工很好，线头都没有")                              # doctest: +SKIP
>>> ex.evidence[0].tag, ex.evidence[0].margin, ex.evidence[0].spans[0]   # doctest: +SKIP
('quality', 0.017, Span(start=5, end=7, text='线头', weight=0.93, probability_without=0.06))

Method (model-agnostic: it only calls the model). The text is cut into units — jieba words
when jieba is installed (``pip install 'feedback-nlp[explain]'``), else the tokenizer's
pieces — and each unit is **removed** from the text in turn. All variants of one text and the
text itself run as one batch, so one text costs one forward pass and its result never depends
on the other texts of the call. A unit's ``weight`` for a tag is the probability it loses when
the unit is removed; spans are the units that lower its log-odds most (by at least ``MIN_LOGIT_DROP``). Offsets are
Python ``str`` indices into the original text (code points: an emoji or a full-width letter
is one character), so ``text[span.start:span.end] == span.text``.

Whitespace and punctuation are never units. Units past the model's ``max_length`` (the
part of a truncated text the model never reads) are not tried.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from feedback_nlp.errors import InvalidInputError, UnknownTagError
from feedback_nlp.extras import has_module, require
from feedback_nlp.model_dir.layout import OUTPUT_NAME
from feedback_nlp.tagging.arguments import check_positive_int, normalize_inputs
from feedback_nlp.tagging.decision import logit_margin, sigmoid

if TYPE_CHECKING:
    from feedback_nlp.tagging.onnx_tagger import OnnxTagger

__all__ = ["Span", "TagEvidence", "Explanation", "explain", "text_units", "highlight_html", "UNIT_KINDS"]

UNIT_KINDS = ("auto", "jieba", "tokens")
_DIGITS = 4
#: a span must lower the tag's log-odds by at least this much to count as evidence (odds × 0.9; smaller is noise).
#: Log-odds, not probability: near 1 a probability saturates, and a word that matters can move it by < 0.01.
MIN_LOGIT_DROP = 0.1


@dataclass(frozen=True)
class Span:
    """A unit of the text: ``text[start:end]``, and the probability of the tag without it."""

    start: int
    end: int
    text: str
    weight: float  # probability lost when the span is removed (> 0: the span pushes the tag up)
    probability_without: float


@dataclass(frozen=True)
class TagEvidence:
    """Why one tag has its probability: the strongest spans, and the margin to the threshold.

    ``margin = probability − threshold`` (≥ 0 when the tag is emitted).
    """

    tag: str
    probability: float
    threshold: float
    margin: float
    emitted: bool
    spans: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["spans"] = [asdict(s) for s in self.spans]
        return d


@dataclass(frozen=True)
class Explanation:
    """The evidence of one text: one :class:`TagEvidence` per explained tag (the emitted ones by default)."""

    text: str | None
    tags: list[str]
    evidence: list[TagEvidence]
    units: str  # "jieba" | "tokens"
    status: str  # the tagger's status: "ok" | "empty" | "truncated"
    n_units: int = field(default=0)

    def to_dict(self) -> list[dict[str, Any]]:
        """The ``evidence`` field of ``feedback-nlp tag --explain``: a list, one entry per tag."""
        return [e.to_dict() for e in self.evidence]


def _resolve_units(units: str) -> str:
    if units not in UNIT_KINDS:
        raise InvalidInputError(f"units must be one of {', '.join(UNIT_KINDS)}, got {units!r}")
    if units == "auto":
        return "jieba" if has_module("jieba") else "tokens"
    if units == "jieba":
        require("jieba", "explain", "evidence with jieba words")
    return units


def _is_content(piece: str) -> bool:
    """Letters, digits, CJK and symbols (emoji) are evidence; whitespace and punctuation are not."""
    return any(not (ch.isspace() or unicodedata.category(ch).startswith(("P", "Z", "C"))) for ch in piece)


def text_units(text: str, units: str, tokenizer: Any = None) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the units of ``text`` (``units``: ``"jieba"`` or ``"tokens"``)."""
    if units == "jieba":
        jieba = require("jieba", "explain", "evidence with jieba words")
        jieba.setLogLevel(60)  # no "Building prefix dict" chatter on stderr
        spans = [(s, e) for _, s, e in jieba.tokenize(text)]
    elif units == "tokens":
        if tokenizer is None:
            raise InvalidInputError("units='tokens' needs the model's tokenizer")
        spans = sorted({(s, e) for s, e in tokenizer.encode(text, add_special_tokens=False).offsets if e > s})
    else:
        raise InvalidInputError(f"units must be 'jieba' or 'tokens' here, got {units!r}")
    return [(s, e) for s, e in spans if _is_content(text[s:e])]


def _read_limit(tagger: OnnxTagger, text: str) -> int:
    """Characters of ``text`` the model reads (all of it unless it is truncated)."""
    enc = tagger._encoder
    pieces = enc.tokenizer.encode(text, add_special_tokens=False)
    budget = enc.max_length - enc.n_special_single
    return len(text) if len(pieces) <= budget else pieces.offsets[budget - 1][1]


def _one_batch(tagger: OnnxTagger, variants: list[str], context: str | None) -> np.ndarray:
    """Probabilities of ``variants`` in one forward pass; variants with no token get 0."""
    enc = tagger._encoder
    encoded = enc.encode(variants, None if context is None else [context] * len(variants))
    probs = np.zeros((len(variants), len(tagger.labels)), dtype=np.float32)
    kept = [i for i, e in enumerate(encoded) if len(e.ids) > enc.n_special_single]
    if kept:
        arrays = enc.pad([encoded[i] for i in kept])
        (logits,) = tagger._session.run([OUTPUT_NAME], {name: arrays[name] for name in tagger._feed_names})
        probs[kept] = sigmoid(logits)
    return probs


def _check_tags(tags: Any, n: int, labels: Sequence[str]) -> list[list[str] | None]:
    if tags is None:
        return [None] * n
    tags = None if isinstance(tags, (str, bytes)) else list(tags)
    if tags is None or len(tags) != n:
        raise InvalidInputError(f"tags must be a list with one list of tags per text ({n}), got {tags!r}")
    out: list[list[str] | None] = []
    for i, ts in enumerate(tags):
        if ts is None:
            out.append(None)
            continue
        unknown = [t for t in ts if t not in labels]
        if isinstance(ts, str) or unknown:
            raise UnknownTagError(f"tags[{i}] = {ts!r}: unknown tag(s) {unknown}; the model's labels: {', '.join(labels)}")
        out.append(list(ts))
    return out


def explain(
    tagger: OnnxTagger,
    texts: Any,
    contexts: Any = None,
    *,
    tags: Sequence[Sequence[str] | None] | None = None,
    units: str = "auto",
    max_spans: int = 3,
) -> Any:
    """:class:`Explanation` per text (one string in, one out); see the module docstring.

    ``tags``: one list per text of the tags to explain (``None`` in the list, or no ``tags``
    at all: the tags the model emits). Explaining a tag that is not emitted shows what
    pushes it up (a false negative in an error list). ``max_spans``: spans kept per tag.
    """
    check_positive_int("max_spans", max_spans)
    kind = _resolve_units(units)
    single, items, ctx = normalize_inputs(texts, contexts, tagger.use_context)
    if single and tags is not None:
        if isinstance(tags, str):
            raise InvalidInputError(f"tags is a str; with a single text, pass a list of tags, e.g. [{tags!r}]")
        tags = [tags]
    wanted = _check_tags(tags, len(items), tagger.labels)
    results = tagger.tag(items, ctx)
    label_index = {label: j for j, label in enumerate(tagger.labels)}
    thresholds = tagger.thresholds
    out = []
    for i, result in enumerate(results):
        explained = result.tags if wanted[i] is None else wanted[i]
        if result.status == "empty" or not explained:
            out.append(Explanation(result.text, result.tags, [], kind, result.status))
            continue
        text = result.text
        assert text is not None
        limit = _read_limit(tagger, text)
        spans = [(s, e) for s, e in text_units(text, kind, tagger._encoder.tokenizer) if s < limit]
        context = ctx[i] if ctx is not None else None
        probs = _one_batch(tagger, [text] + [text[:s] + text[e:] for s, e in spans], context)
        evidence = []
        for tag in explained:
            j = label_index[tag]
            drops = probs[0, j] - probs[1:, j]
            logit_drops = logit_margin(probs[0, j], probs[1:, j])
            order = sorted((k for k in range(len(spans)) if logit_drops[k] >= MIN_LOGIT_DROP),
                           key=lambda k: (-logit_drops[k], spans[k][0]))
            top = tuple(
                Span(spans[k][0], spans[k][1], text[spans[k][0]:spans[k][1]], round(float(drops[k]), _DIGITS),
                     round(float(probs[1 + k, j]), _DIGITS))
                for k in order[:max_spans]
            )
            p = result.scores[tag]
            evidence.append(TagEvidence(tag, round(p, _DIGITS), round(thresholds[tag], _DIGITS),
                                        round(p - thresholds[tag], _DIGITS), tag in result.tags, top))
        out.append(Explanation(text, result.tags, evidence, kind, result.status, n_units=len(spans)))
    return out[0] if single else out


def highlight_html(text: str, evidence: list[dict[str, Any]]) -> str:
    """``text`` as HTML with every evidence span in a ``<mark>`` whose strength follows its weight."""
    best: dict[tuple[int, int], list[tuple[float, str, float]]] = {}
    for e in evidence:
        for s in e["spans"]:
            best.setdefault((s["start"], s["end"]), []).append((s["weight"], e["tag"], s["probability_without"]))
    out, pos = [], 0
    for (start, end), hits in sorted(best.items()):
        if start < pos:  # units of one segmentation never overlap; keep the first if they ever did
            continue
        weight = max(w for w, _, _ in hits)
        title = "; ".join(f"{tag}: −{w:.2f} (without it {p:.2f})" for w, tag, p in sorted(hits, reverse=True))
        alpha = 0.2 + 0.6 * min(1.0, max(0.0, weight))
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark style="background:rgba(230,80,60,{alpha:.2f})" title="{html.escape(title)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
