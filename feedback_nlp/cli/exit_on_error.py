"""Map library errors to exit codes (:mod:`feedback_nlp.exit_codes`) with a one-line message on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from feedback_nlp.errors import (
    FeedbackNLPError,
    InvalidInputError,
    MissingDependencyError,
    ModelDirectoryError,
    UnknownTagError,
)
from feedback_nlp.exit_codes import ExitCode

__all__ = ["exit_on_error"]


@contextmanager
def exit_on_error() -> Iterator[None]:
    try:
        yield
    except MissingDependencyError as e:
        typer.echo(f"missing dependency: {e}", err=True)
        raise typer.Exit(ExitCode.MISSING_DEPENDENCY) from None
    except (ModelDirectoryError, UnknownTagError) as e:
        typer.echo(f"model error: {e}", err=True)
        raise typer.Exit(ExitCode.MODEL) from None
    except InvalidInputError as e:
        typer.echo(f"input error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    except FeedbackNLPError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    except OSError as e:  # unreadable input, unwritable output
        typer.echo(f"i/o error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
