"""Errors → exit codes for ``python -m training``, and imports of the torch-based modules on demand."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.errors import MissingDependencyError, ParityError
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.extras import pip_hint

__all__ = ["guarded", "training_module", "TRAIN_EXTRA_HINT"]

TRAIN_EXTRA_HINT = pip_hint("train")


def training_module(name: str, command: str) -> ModuleType:
    """Import ``training.<name>``; without the ``[train]`` extra, :class:`MissingDependencyError` with the hint."""
    try:
        return importlib.import_module(f"training.{name}")
    except ImportError as e:
        missing = getattr(e, "name", None) or str(e)
        raise MissingDependencyError(
            f"`python -m training {command}` needs PyTorch and transformers (could not import {missing}); "
            f"install them with: {TRAIN_EXTRA_HINT}"
        ) from None


@contextmanager
def guarded() -> Iterator[None]:
    """The library's error → exit-code table, plus 5 for an export refused by the parity gate."""
    with exit_on_error():
        try:
            yield
        except ParityError as e:  # before exit_on_error, which would call it a usage error
            typer.echo(f"export refused: {e}", err=True)
            raise typer.Exit(ExitCode.PARITY) from None
