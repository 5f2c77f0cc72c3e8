"""Run an exported model directory with ONNX Runtime on CPU.

>>> tagger = OnnxTagger.from_pretrained("default")             # doctest: +SKIP  (a shipped name or a path)
>>> tagger.predict("送得太慢，饭都凉了")                          # doctest: +SKIP
['logistics']
>>> tagger.predict(["虾太大了", "尺码偏大"])                      # doctest: +SKIP
[[], ['size']]

One string in gives one result out; a list in gives a list out. ``None``, empty and
whitespace-only texts get no tags, probability 0 and status ``"empty"``.

An :class:`OnnxTagger` may be shared by threads: it holds no per-call state, ONNX
Runtime's ``InferenceSession.run`` is thread-safe, and the tokenizer is configured once
when the tagger is built and never changed afterwards (truncation is done per encoding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, overload

import numpy as np

from feedback_nlp.errors import MissingDependencyError, ModelDirectoryError
from feedback_nlp.model_dir.config import TaggerConfig
from feedback_nlp.model_dir.graph import check_graph
from feedback_nlp.model_dir.layout import MODEL_FILE, OUTPUT_NAME, TOKENIZER_FILE
from feedback_nlp.model_dir.shipped import resolve_model_dir
from feedback_nlp.tagging.arguments import check_positive_int, normalize_inputs
from feedback_nlp.tagging.decision import decide, sigmoid
from feedback_nlp.tagging.encoding import Encoded, TextEncoder

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

__all__ = ["OnnxTagger", "TagResult", "Status", "load_tagger"]

Status = Literal["ok", "empty", "truncated"]
TextInput = Union[str, None]


@dataclass(frozen=True)
class TagResult:
    """The tagging of one text.

    ``scores`` holds the probability of every label of the model; ``tags`` are the labels
    whose probability reaches its threshold. ``status`` is ``"empty"`` for ``None`` /
    blank text, ``"truncated"`` when the text was longer than the model's ``max_length``
    and only its beginning was read, else ``"ok"``.
    """

    text: str | None
    tags: list[str]
    scores: dict[str, float]
    status: Status
    truncated: bool


def load_tagger(
    model: str | PathLike[str] | None = None, *, intra_op_threads: int | None = None, batch_size: int = 64
) -> OnnxTagger:
    """Load a shipped model by name (``load_tagger("accurate")``) or a model directory by path.

    ``load_tagger()`` is ``$FEEDBACK_NLP_MODEL`` when set, else the shipped ``default``;
    :func:`feedback_nlp.available_models` lists the shipped names (see
    :func:`feedback_nlp.model_dir.resolve_model_dir`).
    """
    return OnnxTagger.from_pretrained(model, intra_op_threads=intra_op_threads, batch_size=batch_size)


def _import_runtime() -> tuple[Any, Any]:
    try:
        import onnxruntime
        import tokenizers
    except ImportError as e:  # both are core dependencies; a broken install lands here
        raise MissingDependencyError(
            f"{e.name} is required to run a tagger: pip install 'onnxruntime>=1.18' 'tokenizers>=0.19'"
        ) from e
    return onnxruntime, tokenizers


class OnnxTagger:
    """Multi-label tagger over an exported model directory (see ``docs/model-directory.md``).

    Build it with :meth:`from_pretrained` (or :func:`load_tagger`); the constructor only
    stores already-loaded parts.
    """

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        tokenizer: tokenizers.Tokenizer,
        config: TaggerConfig,
        *,
        model_dir: str | PathLike[str] | None = None,
        batch_size: int = 64,
    ) -> None:
        check_positive_int("batch_size", batch_size)
        self.config = config
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self.batch_size = batch_size
        self._session = session
        # The encoder owns the tokenizer and never changes its settings after this point,
        # so concurrent calls share no mutable state.
        self._encoder = TextEncoder(tokenizer, config.max_length, config.context_max_length)
        self._labels = tuple(config.labels)
        self._feed_names = check_graph(session, config, self.model_dir)

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_pretrained(
        cls, model: str | PathLike[str] | None = None, intra_op_threads: int | None = None, batch_size: int = 64
    ) -> OnnxTagger:
        """Load and verify a model directory: manifest of every file, labels, the graph's metadata.

        ``model`` is a shipped model's name, a directory, or ``None`` for the default.
        ``intra_op_threads`` caps ONNX Runtime's threads per call (``None``: its default,
        one per physical core); ``batch_size`` is the number of texts per forward pass.
        """
        check_positive_int("intra_op_threads", intra_op_threads, allow_none=True)
        check_positive_int("batch_size", batch_size)
        ort, tokenizers = _import_runtime()
        root = resolve_model_dir(model)
        config = TaggerConfig.load(root)
        try:
            tokenizer = tokenizers.Tokenizer.from_file(str(root / TOKENIZER_FILE))
        except Exception as e:  # tokenizers raises a bare Exception on a malformed file
            raise ModelDirectoryError(f"cannot load {root / TOKENIZER_FILE}: {e}") from e
        options = ort.SessionOptions()
        if intra_op_threads is not None:
            options.intra_op_num_threads = intra_op_threads
        try:
            session = ort.InferenceSession(str(root / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph/... types
            raise ModelDirectoryError(f"ONNX Runtime cannot load {root / MODEL_FILE}: {e}") from e
        return cls(session, tokenizer, config, model_dir=root, batch_size=batch_size)

    # ------------------------------------------------------------------ properties

    @property
    def labels(self) -> tuple[str, ...]:
        """The model's labels, in output-column order."""
        return self._labels

    @property
    def thresholds(self) -> dict[str, float]:
        """Per-label probability threshold (a copy; the tagger's own thresholds do not change)."""
        return dict(self.config.thresholds)

    @property
    def use_context(self) -> bool:
        return self.config.use_context

    def __repr__(self) -> str:
        where = f"{str(self.model_dir)!r}, " if self.model_dir is not None else ""
        return (
            f"OnnxTagger({where}labels={len(self._labels)}, max_length={self.config.max_length}, "
            f"use_context={self.config.use_context}, batch_size={self.batch_size})"
        )

    # ------------------------------------------------------------------ public API

    @overload
    def predict(self, texts: TextInput, contexts: TextInput = None) -> list[str]: ...
    @overload
    def predict(self, texts: Iterable[TextInput], contexts: Iterable[TextInput] | None = None) -> list[list[str]]: ...

    def predict(self, texts, contexts=None):
        """Tags per text (labels at or above their threshold, in label order)."""
        single, _, probs, _, _ = self._run(texts, contexts)
        hits = decide(probs, self._labels, self.config.thresholds)
        tags = [[self._labels[j] for j in np.flatnonzero(row)] for row in hits]
        return tags[0] if single else tags

    @overload
    def predict_proba(self, texts: TextInput, contexts: TextInput = None) -> np.ndarray: ...
    @overload
    def predict_proba(self, texts: Iterable[TextInput], contexts: Iterable[TextInput] | None = None) -> np.ndarray: ...

    def predict_proba(self, texts, contexts=None):
        """Probabilities, float32 array ``(n_texts, n_labels)``; ``(n_labels,)`` for one string."""
        single, _, probs, _, _ = self._run(texts, contexts)
        return probs[0] if single else probs

    @overload
    def tag(self, texts: TextInput, contexts: TextInput = None) -> TagResult: ...
    @overload
    def tag(self, texts: Iterable[TextInput], contexts: Iterable[TextInput] | None = None) -> list[TagResult]: ...

    def tag(self, texts, contexts=None):
        """:class:`TagResult` per text: tags, every label's score, and a status."""
        single, items, probs, empty, truncated = self._run(texts, contexts)
        hits = decide(probs, self._labels, self.config.thresholds)
        results = []
        for text, row, hit, is_empty, is_truncated in zip(items, probs, hits, empty, truncated):
            scores = {label: float(p) for label, p in zip(self._labels, row)}
            tags = [label for label, on in zip(self._labels, hit) if on]
            status: Status = "empty" if is_empty else "truncated" if is_truncated else "ok"
            results.append(TagResult(text=text, tags=tags, scores=scores, status=status, truncated=bool(is_truncated)))
        return results[0] if single else results

    def explain(self, texts, contexts=None, *, tags=None, units: str = "auto", max_spans: int = 3):
        """Evidence per emitted tag (or per tag in ``tags``): the character spans that drive it and
        the margin to the threshold; an :class:`~feedback_nlp.tagging.explain.Explanation` per text.

        Occlusion of jieba words (or the tokenizer's pieces), one forward pass per text: see
        :mod:`feedback_nlp.tagging.explain`.
        """
        from feedback_nlp.tagging.explain import explain

        return explain(self, texts, contexts, tags=tags, units=units, max_spans=max_spans)

    # ------------------------------------------------------------------ internals

    def _run(self, texts: Any, contexts: Any) -> tuple[bool, list[str | None], np.ndarray, np.ndarray, np.ndarray]:
        """(single, texts as a list, probabilities, empty flags, truncated flags)."""
        single, items, ctx = normalize_inputs(texts, contexts, self.config.use_context)
        n = len(items)
        probs = np.zeros((n, len(self._labels)), dtype=np.float32)
        empty = np.ones(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        live = [i for i, t in enumerate(items) if t is not None and t.strip()]
        if live:
            encoded = self._encoder.encode([items[i] for i in live], None if ctx is None else [ctx[i] for i in live])
            # texts that normalize to nothing (control characters only) stay "empty"
            kept = [(i, e) for i, e in zip(live, encoded) if len(e.ids) > self._encoder.n_special_single]
            for i, e in kept:
                empty[i] = False
                truncated[i] = e.truncated
            if kept:
                probs[[i for i, _ in kept]] = self._forward([e for _, e in kept])
        return single, items, probs, empty, truncated

    def _forward(self, encoded: list[Encoded]) -> np.ndarray:
        """Probabilities for encoded texts: batches of similar length, padded per batch."""
        out = np.empty((len(encoded), len(self._labels)), dtype=np.float32)
        for idx, arrays in self._encoder.batches(encoded, self.batch_size):
            (logits,) = self._session.run([OUTPUT_NAME], {name: arrays[name] for name in self._feed_names})
            out[idx] = sigmoid(logits)
        return out
