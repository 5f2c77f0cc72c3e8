"""``ServeConfig``: the settings of the HTTP tagging service, a validated dataclass."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from feedback_nlp.errors import ConfigError

__all__ = ["ServeConfig"]

# a character outside the BMP written by an ASCII-only JSON encoder: \ud83d\ude00 (12 bytes)
_MAX_JSON_BYTES_PER_CHAR = 12


def _positive_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive int{' or None' if allow_none else ''}, got {value!r}")


@dataclass(frozen=True)
class ServeConfig:
    """How ``feedback-nlp serve`` loads its model, batches requests and bounds its inputs.

    - ``model``: a shipped model's name or a model directory (``None``: ``$FEEDBACK_NLP_MODEL``,
      else ``default``), loaded once per process;
    - ``max_batch``: the most texts in one ONNX batch, and so the most texts one request may
      carry (more is answered 413);
    - ``max_wait_ms``: how long the first waiting request holds the batch open for others;
    - ``max_queue``: the most texts waiting for the model; a request that would exceed it is
      answered 503 with ``Retry-After: retry_after_s``;
    - ``max_text_chars``: the longest text or context accepted (longer is answered 413);
      the model reads only its first ``max_length`` tokens anyway;
    - ``max_body_bytes``: the largest request body accepted (413 above); ``None``: room for
      ``max_batch`` texts and contexts of ``max_text_chars`` characters, each written as a
      ``\\uXXXX`` surrogate pair (the worst case of JSON);
    - ``threads``: ONNX Runtime intra-op threads (``None``: one per physical core).
    """

    model: str | None = None
    max_batch: int = 64
    max_wait_ms: float = 2.0
    max_queue: int = 2048
    max_text_chars: int = 2000
    max_body_bytes: int | None = None
    threads: int | None = None
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ConfigError(f"model must be a non-empty str (a shipped name or a directory) or None, got {self.model!r}")
        for name in ("max_batch", "max_queue", "max_text_chars", "retry_after_s"):
            _positive_int(name, getattr(self, name))
        _positive_int("threads", self.threads, allow_none=True)
        _positive_int("max_body_bytes", self.max_body_bytes, allow_none=True)
        wait = self.max_wait_ms
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not math.isfinite(wait) or wait < 0:
            raise ConfigError(f"max_wait_ms must be a finite number >= 0, got {wait!r}")
        if self.max_queue < self.max_batch:
            raise ConfigError(
                f"max_queue ({self.max_queue}) must be at least max_batch ({self.max_batch}), "
                "or a full-size request could never be queued"
            )

    @property
    def body_limit(self) -> int:
        """``max_body_bytes``, or the worst-case size of a request within the other limits."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return 2 * self.max_batch * (self.max_text_chars * _MAX_JSON_BYTES_PER_CHAR + 8) + 4096

    def to_json(self) -> str:
        """The config as JSON (how ``--workers`` processes receive it)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"serve config is not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"serve config must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown serve config keys {unknown}; valid keys: {sorted(known)}")
        return cls(**data)
