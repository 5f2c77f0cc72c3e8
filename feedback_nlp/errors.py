"""Exception hierarchy: catch :class:`FeedbackNLPError` for everything the library raises."""

from __future__ import annotations

__all__ = [
    "FeedbackNLPError",
    "InvalidInputError",
    "UnknownTagError",
    "ConfigError",
    "ModelDirectoryError",
    "ChecksumMismatchError",
    "MissingDependencyError",
]


class FeedbackNLPError(Exception):
    """Base class of every error raised by feedback_nlp."""


class InvalidInputError(FeedbackNLPError, ValueError):
    """Input that cannot be processed (wrong type, malformed row); the message names the position."""


class UnknownTagError(FeedbackNLPError, ValueError):
    """A tag id that is not in the taxonomy."""


class ConfigError(FeedbackNLPError, ValueError):
    """A :class:`~feedback_nlp.model_config.TaggerConfig` field with an invalid value; the message echoes it."""


class ModelDirectoryError(FeedbackNLPError):
    """A model directory that breaks the contract (missing file, bad config, unknown labels)."""


class ChecksumMismatchError(ModelDirectoryError):
    """``model.onnx`` does not match the sha256 recorded in its config."""


class MissingDependencyError(FeedbackNLPError, ImportError):
    """An optional extra is needed; the message gives the exact ``pip install`` command."""
