"""Exception hierarchy: catch :class:`FeedbackNLPError` for everything the library raises.

::

    FeedbackNLPError
    ├── InvalidInputError (ValueError)      bad argument, unusable input row or file
    │   └── InputValidationError            scoring tables that break the input contract
    ├── UnknownTagError (ValueError)        a tag id the taxonomy does not know
    ├── ConfigError (ValueError)            a config field with an invalid value
    ├── ModelDirectoryError                 a model directory that breaks the contract
    │   ├── ChecksumMismatchError           a file differs from its sha256 in manifest.json
    │   └── UnknownModelError               no shipped model of that name
    ├── MissingDependencyError (ImportError) an optional extra is missing; says what to pip install
    └── ParityError                         an export whose ONNX decisions drift from PyTorch

The command line maps these to exit codes (``feedback_nlp.cli.exit_codes``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "FeedbackNLPError",
    "InvalidInputError",
    "InputValidationError",
    "UnknownTagError",
    "ConfigError",
    "ModelDirectoryError",
    "ChecksumMismatchError",
    "UnknownModelError",
    "MissingDependencyError",
    "ParityError",
]


class FeedbackNLPError(Exception):
    """Base class of every error raised by feedback_nlp."""


class InvalidInputError(FeedbackNLPError, ValueError):
    """Input that cannot be processed (wrong type, malformed row); the message names the position."""


class InputValidationError(InvalidInputError):
    """The scoring input tables break the contract; ``.problems`` lists every problem found."""

    def __init__(self, problems: Sequence[object]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} input problem(s) (rows are 1-based data rows, header excluded):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class UnknownTagError(FeedbackNLPError, ValueError):
    """A tag id that is not in the taxonomy."""


class ConfigError(FeedbackNLPError, ValueError):
    """A config field (model, training or scoring) with an invalid value; the message echoes it."""


class ModelDirectoryError(FeedbackNLPError):
    """A model directory that breaks the contract (missing file, bad config, unknown labels, lying metadata)."""


class ChecksumMismatchError(ModelDirectoryError):
    """A file of the model directory does not match the sha256 recorded in its ``manifest.json``."""


class UnknownModelError(ModelDirectoryError):
    """A model name that is not one of the shipped models; the message lists the available names."""


class MissingDependencyError(FeedbackNLPError, ImportError):
    """An optional extra is needed; the message gives the exact ``pip install`` command."""


class ParityError(FeedbackNLPError):
    """An exported model's decisions differ from PyTorch's on too many (text, tag) pairs."""
