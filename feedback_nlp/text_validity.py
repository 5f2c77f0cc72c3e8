"""Is a Python string real Unicode text? JSON can smuggle in lone surrogates (``"\\udc80"``).

Such a string cannot be encoded as UTF-8: the tokenizer rejects it and no output file
can hold it. Readers turn it into a row error, the tagger into ``InvalidInputError``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["unencodable", "json_unencodable"]


def unencodable(text: str) -> str | None:
    """``None`` for valid text, else what is wrong (``"a lone surrogate U+DC80 at character 0"``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"a lone surrogate U+{ord(text[e.start]):04X} at character {e.start}"
    return None


def json_unencodable(value: Any) -> str | None:
    """:func:`unencodable` over every string (keys included) inside a parsed JSON value."""
    if isinstance(value, str):
        return unencodable(value)
    if isinstance(value, dict):
        items: Any = [x for kv in value.items() for x in kv]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        problem = json_unencodable(item)
        if problem is not None:
            return problem
    return None
