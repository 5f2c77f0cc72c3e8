"""Output files that never destroy an input and are never left half-written; CSV cells that are safe.

- :func:`check_distinct_paths`: refuse an output that is an input or another output
  (after resolving symbolic links and ``..``; hard links too when both exist).
- :func:`atomic_output`: write to a temporary file beside the target and rename it over
  the target only when the writing finished, so an interrupted run leaves the old file.
- :func:`neutralize_cell` / :func:`neutralize_frame`: spreadsheet formula injection
  (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return gets a leading ``'`` so a spreadsheet shows it as text instead of
  running it. Plain numbers (``-0.25``) are left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from feedback_nlp.errors import InvalidInputError

__all__ = ["check_distinct_paths", "atomic_output", "neutralize_cell", "neutralize_frame", "FORMULA_PREFIXES"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_UMASK = os.umask(0o022)  # read once (setting it is process-wide), then restored
os.umask(_UMASK)


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_distinct_paths(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None]) -> None:
    """Raise :class:`InvalidInputError` when an output is an input, another output, or a directory.

    Keys are what the user calls the paths (``"--errors"``, ``"input"``); ``None`` values are skipped.
    """
    ins = [(k, p) for k, p in inputs.items() if p is not None]
    outs = [(k, p) for k, p in outputs.items() if p is not None]
    for i, (name, out) in enumerate(outs):
        if out.is_dir():
            raise InvalidInputError(f"{name} {str(out)!r} is a directory; give a file path")
        for in_name, inp in ins:
            if _same_file(out, inp):
                raise InvalidInputError(
                    f"{name} {str(out)!r} is the {in_name} {str(inp)!r}; writing it would destroy the input — "
                    "choose another path"
                )
        for other_name, other in outs[:i]:
            if _same_file(out, other):
                raise InvalidInputError(f"{name} {str(out)!r} is also {other_name}; give the two outputs different paths")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on any error it is removed.

    The parent directory is created. The file keeps the permissions of the file it replaces,
    or gets those a plain ``open`` would give.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.is_file() else 0o666 & ~_UMASK)
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def neutralize_cell(value: Any) -> Any:
    """A string that a spreadsheet would run as a formula gets a leading ``'``; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralize_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame with :func:`neutralize_cell` applied to its text columns."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(neutralize_cell)
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    return out
