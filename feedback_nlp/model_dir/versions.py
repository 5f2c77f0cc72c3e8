"""Library versions recorded in a model's config and an evaluation's audit trail."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata

__all__ = ["library_versions", "EXPORT_PACKAGES"]

#: packages whose versions an export records in ``tagger_config.json``
EXPORT_PACKAGES = ("feedback-nlp", "torch", "transformers", "onnxruntime", "onnx", "onnxscript", "tokenizers")


def library_versions(packages: Iterable[str] = EXPORT_PACKAGES, *, missing: str | None = None) -> dict[str, str]:
    """``{"python": ..., package: version}``; packages not installed are left out (or set to ``missing``).

    Keys use ``_`` for ``-`` (``feedback_nlp``).
    """
    versions = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package.replace("-", "_")] = metadata.version(package)
        except metadata.PackageNotFoundError:
            if missing is not None:
                versions[package.replace("-", "_")] = missing
    if versions.get("feedback_nlp") in (None, missing):  # a checkout that is not pip-installed
        import feedback_nlp

        versions["feedback_nlp"] = feedback_nlp.__version__
    return versions
