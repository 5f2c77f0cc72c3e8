"""Check and normalize what callers pass to the tagger: texts, contexts, sizes.

One string in gives one result out; a list (or any iterable but bytes / mappings) gives
a list. Every item is a ``str`` (valid Unicode: no lone surrogate) or ``None``; anything
else raises :class:`~feedback_nlp.errors.InvalidInputError` naming its position.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.text_validity import unencodable

__all__ = ["check_positive_int", "normalize_inputs"]


def check_positive_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        expected = "a positive int or None" if allow_none else "a positive int"
        raise InvalidInputError(f"{name} must be {expected}, got {value!r}")


def _as_list(values: Any, name: str) -> list[Any]:
    if isinstance(values, list):
        return values
    if values is None or isinstance(values, (bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
        raise InvalidInputError(
            f"{name} is {type(values).__name__}; expected a str or a list of str (None allowed as an item)"
        )
    return list(values)


def _check_items(items: Sequence[Any], name: str) -> None:
    for i, item in enumerate(items):
        if item is not None and not isinstance(item, str):
            hint = " (a missing value? pass None for it)" if isinstance(item, float) and math.isnan(item) else ""
            raise InvalidInputError(f"{name}[{i}] is {type(item).__name__}, expected str or None{hint}")
        problem = None if item is None else unencodable(item)
        if problem is not None:
            raise InvalidInputError(f"{name}[{i}] is not valid Unicode text: it holds {problem}")


def normalize_inputs(
    texts: Any, contexts: Any, use_context: bool
) -> tuple[bool, list[str | None], list[str | None] | None]:
    """(one string given?, texts as a list, contexts as a list or None when unused)."""
    single = isinstance(texts, str)
    if single:
        if contexts is not None and not isinstance(contexts, str):
            raise InvalidInputError(
                f"contexts is {type(contexts).__name__}; with a single text, pass a single context str or None"
            )
        items: list[str | None] = [texts]
        ctx = None if contexts is None else [contexts]
        _check_items(items, "texts")
    else:
        items = _as_list(texts, "texts")
        _check_items(items, "texts")
        if contexts is None:
            ctx = None
        else:
            if isinstance(contexts, str):
                raise InvalidInputError("contexts is a str but texts is a list; pass one context per text")
            ctx = _as_list(contexts, "contexts")
            if len(ctx) != len(items):
                raise InvalidInputError(
                    f"contexts has {len(ctx)} items but texts has {len(items)}; pass one context per text "
                    "(None where there is none)"
                )
    if ctx is not None:
        _check_items(ctx, "contexts")
        if not use_context:
            # stacklevel: warn at the caller of predict / predict_proba / tag
            warnings.warn(
                "this model was trained without product context (use_context=false); contexts are ignored",
                UserWarning,
                stacklevel=4,
            )
            ctx = None
    return single, items, ctx
