"""feedback_nlp: tag Chinese consumer feedback with negative-feedback aspects, precision first.

>>> import feedback_nlp                                   # doctest: +SKIP
>>> tagger = feedback_nlp.load_tagger()                   # the shipped model "default"
>>> tagger.predict(["送得太慢，饭都凉了", "虾太大了"])       # doctest: +SKIP
[['logistics'], []]
>>> feedback_nlp.available_models()                       # doctest: +SKIP
['default', 'accurate']

Everything this package raises derives from :class:`feedback_nlp.errors.FeedbackNLPError`.
The library runs on ONNX Runtime and never imports torch, ``training`` or ``eval``.
"""

from __future__ import annotations

from os import PathLike
from typing import TYPE_CHECKING, Any

from feedback_nlp import errors
from feedback_nlp.model_dir import TaggerConfig, available_models
from feedback_nlp.tagging.onnx_tagger import OnnxTagger, TagResult, load_tagger
from feedback_nlp.taxonomy import TAG_IDS, TAGS, Dimension, Tag

if TYPE_CHECKING:
    from feedback_nlp.evaluation import EvaluationResult

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "errors",
    "Dimension",
    "Tag",
    "TAGS",
    "TAG_IDS",
    "TaggerConfig",
    "OnnxTagger",
    "TagResult",
    "load_tagger",
    "available_models",
    "evaluate",
]


def evaluate(data: str | PathLike[str], model: Any = None, **kwargs: Any) -> EvaluationResult:
    """Evaluate a model (and the keyword baseline) on a labeled JSONL file.

    ``model``: a shipped model's name, a model directory, ``None`` for the default, or a
    tagger object. Returns an :class:`~feedback_nlp.evaluation.EvaluationResult` with the
    numbers of ``feedback-nlp eval`` (pass ``out=DIR`` to also write the reports); see
    :func:`feedback_nlp.evaluation.harness.evaluate` for every option.
    """
    from feedback_nlp.evaluation.harness import evaluate as _evaluate

    return _evaluate(data, model, **kwargs)
