"""Optional extras: whether one is installed, and the exact ``pip install`` that adds it.

- ``eval``: matplotlib, for the plots of evaluation and shop reports (they degrade to
  tables without it);
- ``explain``: jieba, word units for the evidence of a tag (without it: the tokenizer's pieces);
- ``serve``: FastAPI and uvicorn, for ``feedback-nlp serve`` (the HTTP service);
- ``spark``: pyspark and sqlglot, for ``--engine spark`` (:mod:`feedback_nlp.spark`);
- ``train``: torch, transformers, onnx, ... — used only by the repository's ``training/``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from feedback_nlp.errors import MissingDependencyError

__all__ = ["EXTRAS", "pip_hint", "has_module", "require"]

#: extra → the modules it provides (the ones the code imports)
EXTRAS: dict[str, tuple[str, ...]] = {
    "eval": ("matplotlib",),
    "explain": ("jieba",),
    "serve": ("fastapi", "uvicorn"),
    "train": ("torch", "transformers", "onnx", "datasets"),
    "spark": ("pyspark", "sqlglot"),
}


def pip_hint(extra: str) -> str:
    """``pip install 'feedback-nlp[eval]'``."""
    return f"pip install 'feedback-nlp[{extra}]'"


def has_module(name: str) -> bool:
    """Whether ``name`` can be imported (a broken install counts as missing)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` ending in the pip hint of ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(f"{purpose} needs {module} (could not import {e.name or module}); "
                                     f"install it with: {pip_hint(extra)}") from None
