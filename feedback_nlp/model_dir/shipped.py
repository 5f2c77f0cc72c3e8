"""Find a model directory by name or path: the shipped models are package data.

Every directory under ``feedback_nlp/models/`` that holds a ``tagger_config.json`` is a
shipped model, named after its directory (``default``, ``accurate``, ...). Shipping
another model is adding its directory there (``python -m training publish``); nothing
else lists the names. They are found with :mod:`importlib.resources`, so they work from
a wheel, an editable install or a checkout, whatever the working directory.

Resolution of ``model`` (:func:`resolve_model_dir`), also for ``$FEEDBACK_NLP_MODEL``:

- ``None``: ``$FEEDBACK_NLP_MODEL`` when set, else the shipped model ``default``;
- a :class:`~pathlib.Path`: that directory;
- a ``str`` naming a shipped model: that model; a ``str`` that is an existing
  directory: that directory; a bare name that is neither: :class:`UnknownModelError`
  listing the shipped names.
"""

from __future__ import annotations

import os
from importlib import resources
from os import PathLike
from pathlib import Path

from feedback_nlp.errors import ModelDirectoryError, UnknownModelError
from feedback_nlp.model_dir.layout import CONFIG_FILE

__all__ = ["MODEL_ENV_VAR", "DEFAULT_MODEL", "available_models", "shipped_model_dir", "resolve_model_dir"]

MODEL_ENV_VAR = "FEEDBACK_NLP_MODEL"
DEFAULT_MODEL = "default"


def _models_root() -> Path:
    root = resources.files("feedback_nlp") / "models"
    # an installed wheel or a checkout is a plain directory; a zipped install is not supported
    return Path(str(root))


def available_models() -> list[str]:
    """Names of the shipped models, sorted (``default`` first)."""
    root = _models_root()
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and (p / CONFIG_FILE).is_file()]
    return sorted(names, key=lambda n: (n != DEFAULT_MODEL, n))


def shipped_model_dir(name: str = DEFAULT_MODEL) -> Path:
    """The package-data directory of the shipped model ``name``; :class:`UnknownModelError` lists the names."""
    names = available_models()
    if name not in names:
        shown = ", ".join(names) if names else "none (this installation ships no model)"
        raise UnknownModelError(
            f"no shipped model named {name!r}; available: {shown}. Or pass the path of a model directory "
            f"(load_tagger('path/to/model'), --model path/to/model, {MODEL_ENV_VAR}=path/to/model)"
        )
    return _models_root() / name


def _looks_like_name(value: str) -> bool:
    return bool(value) and "/" not in value and os.sep not in value and value not in (".", "..")


def resolve_model_dir(model: str | PathLike[str] | None = None) -> Path:
    """The model directory for a shipped name, a path or ``None`` (see the module docstring)."""
    if model is None:
        env = os.environ.get(MODEL_ENV_VAR)
        if not env:
            return shipped_model_dir(DEFAULT_MODEL)
        try:
            path = resolve_model_dir(env)
        except ModelDirectoryError as e:
            raise type(e)(f"${MODEL_ENV_VAR}={env!r}: {e}") from None
        if not path.is_dir():
            raise ModelDirectoryError(
                f"${MODEL_ENV_VAR}={env!r} names no shipped model and no existing directory (shipped: "
                f"{', '.join(available_models()) or 'none'}); the model directory {str(path)!r} does not exist. "
                f"Unset it, or point it at a model directory (`python -m training export` writes one)"
            )
        return path
    if isinstance(model, str):
        if _looks_like_name(model) and model in available_models():
            return shipped_model_dir(model)
        if Path(model).is_dir() or not _looks_like_name(model):
            return Path(model)
        return shipped_model_dir(model)  # raises, listing the names
    return Path(model)
