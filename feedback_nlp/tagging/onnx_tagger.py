"""Run an exported model directory with ONNX Runtime on CPU.

>>> tagger = OnnxTagger.from_pretrained("models/default")      # doctest: +SKIP
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

import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, overload

import numpy as np

from feedback_nlp.encoding import Encoded, TextEncoder
from feedback_nlp.labels import decide
from feedback_nlp.errors import InvalidInputError, MissingDependencyError, ModelDirectoryError
from feedback_nlp.model_config import MODEL_FILE, TOKENIZER_FILE, TaggerConfig

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

__all__ = ["OnnxTagger", "TagResult", "Status", "load_tagger", "default_model_dir", "resolve_model_dir", "MODEL_ENV_VAR"]

MODEL_ENV_VAR = "FEEDBACK_NLP_MODEL"
Status = Literal["ok", "empty", "truncated"]
TextInput = Union[str, None]
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUT_NAME = "logits"


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


def default_model_dir() -> Path:
    """Where :func:`load_tagger` looks when no path is given.

    ``$FEEDBACK_NLP_MODEL`` when set, else ``models/default`` in the repository that
    holds this package (a source checkout or an editable install).
    """
    env = os.environ.get(MODEL_ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / "default"


def resolve_model_dir(path: str | PathLike[str] | None = None) -> Path:
    """``path`` as a :class:`~pathlib.Path`; for ``None``, the default model directory, which must exist."""
    if path is not None:
        return Path(path)
    default = default_model_dir()
    if not default.is_dir():
        where = f"${MODEL_ENV_VAR}={os.environ[MODEL_ENV_VAR]}" if os.environ.get(MODEL_ENV_VAR) else str(default)
        raise ModelDirectoryError(
            f"no model path was given and the default model directory ({where}) does not exist. "
            f"Pass a model directory (load_tagger('path/to/model'), or --model on the command line), "
            f"or set {MODEL_ENV_VAR}=/path/to/model. A model directory is written by training/export.py."
        )
    return default


def load_tagger(
    path: str | PathLike[str] | None = None, *, intra_op_threads: int | None = None, batch_size: int = 64
) -> OnnxTagger:
    """Load a model directory; with ``path=None``, the shipped default model (see :func:`default_model_dir`)."""
    return OnnxTagger.from_pretrained(resolve_model_dir(path), intra_op_threads=intra_op_threads, batch_size=batch_size)


def _import_runtime() -> tuple[Any, Any]:
    try:
        import onnxruntime
        import tokenizers
    except ImportError as e:  # both are core dependencies; a broken install lands here
        raise MissingDependencyError(
            f"{e.name} is required to run a tagger: pip install 'onnxruntime>=1.18' 'tokenizers>=0.19'"
        ) from e
    return onnxruntime, tokenizers


def _check_positive_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        expected = "a positive int or None" if allow_none else "a positive int"
        raise InvalidInputError(f"{name} must be {expected}, got {value!r}")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: no overflow warnings for large |x|
    return (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)


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
        _check_positive_int("batch_size", batch_size)
        self.config = config
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self.batch_size = batch_size
        self._session = session
        # The encoder owns the tokenizer and never changes its settings after this point,
        # so concurrent calls share no mutable state.
        self._encoder = TextEncoder(tokenizer, config.max_length, config.context_max_length)
        self._labels = tuple(config.labels)
        self._feed_names = self._check_session(session)

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_pretrained(
        cls, path: str | PathLike[str], intra_op_threads: int | None = None, batch_size: int = 64
    ) -> OnnxTagger:
        """Load and verify a model directory (files, sha256 of ``model.onnx``, labels).

        ``intra_op_threads`` caps ONNX Runtime's threads per call (``None``: its default,
        one per physical core); ``batch_size`` is the number of texts per forward pass.
        """
        _check_positive_int("intra_op_threads", intra_op_threads, allow_none=True)
        _check_positive_int("batch_size", batch_size)
        ort, tokenizers = _import_runtime()
        root = Path(path)
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

    def _check_session(self, session: Any) -> tuple[str, ...]:
        inputs = [i.name for i in session.get_inputs()]
        unknown = [name for name in inputs if name not in _INPUT_NAMES]
        if unknown or "input_ids" not in inputs:
            raise ModelDirectoryError(
                f"{MODEL_FILE} has inputs {inputs}; the contract allows {list(_INPUT_NAMES)} (input_ids required)"
            )
        outputs = {o.name: o for o in session.get_outputs()}
        if _OUTPUT_NAME not in outputs:
            raise ModelDirectoryError(f"{MODEL_FILE} has outputs {list(outputs)}; the contract needs 'logits'")
        shape = outputs[_OUTPUT_NAME].shape
        if len(shape) != 2 or (isinstance(shape[1], int) and shape[1] != len(self._labels)):
            raise ModelDirectoryError(
                f"{MODEL_FILE} outputs logits of shape {shape}, but the config lists {len(self._labels)} labels"
            )
        return tuple(inputs)

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

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _as_list(values: Any, name: str) -> list[Any]:
        if isinstance(values, list):
            return values
        if values is None or isinstance(values, (bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
            raise InvalidInputError(
                f"{name} is {type(values).__name__}; expected a str or a list of str (None allowed as an item)"
            )
        return list(values)

    @staticmethod
    def _check_items(items: Sequence[Any], name: str) -> None:
        for i, item in enumerate(items):
            if item is not None and not isinstance(item, str):
                hint = " (a missing value? pass None for it)" if isinstance(item, float) and math.isnan(item) else ""
                raise InvalidInputError(f"{name}[{i}] is {type(item).__name__}, expected str or None{hint}")

    def _normalize(self, texts: Any, contexts: Any) -> tuple[bool, list[str | None], list[str | None] | None]:
        single = isinstance(texts, str)
        if single:
            if contexts is not None and not isinstance(contexts, str):
                raise InvalidInputError(
                    f"contexts is {type(contexts).__name__}; with a single text, pass a single context str or None"
                )
            items: list[str | None] = [texts]
            ctx = None if contexts is None else [contexts]
        else:
            items = self._as_list(texts, "texts")
            self._check_items(items, "texts")
            if contexts is None:
                ctx = None
            else:
                if isinstance(contexts, str):
                    raise InvalidInputError("contexts is a str but texts is a list; pass one context per text")
                ctx = self._as_list(contexts, "contexts")
                if len(ctx) != len(items):
                    raise InvalidInputError(
                        f"contexts has {len(ctx)} items but texts has {len(items)}; pass one context per text "
                        "(None where there is none)"
                    )
        if ctx is not None:
            self._check_items(ctx, "contexts")
            if not self.config.use_context:
                warnings.warn(
                    "this model was trained without product context (use_context=false); contexts are ignored",
                    UserWarning,
                    stacklevel=4,
                )
                ctx = None
        return single, items, ctx

    def _run(self, texts: Any, contexts: Any) -> tuple[bool, list[str | None], np.ndarray, np.ndarray, np.ndarray]:
        """(single, texts as a list, probabilities, empty flags, truncated flags)."""
        single, items, ctx = self._normalize(texts, contexts)
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
            (logits,) = self._session.run([_OUTPUT_NAME], {name: arrays[name] for name in self._feed_names})
            out[idx] = _sigmoid(logits)
        return out
