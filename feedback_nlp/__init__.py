"""feedback_nlp: tag Chinese consumer feedback with negative-feedback aspects, precision first.

>>> import feedback_nlp                                   # doctest: +SKIP
>>> tagger = feedback_nlp.load_tagger()                   # the shipped model, models/default
>>> tagger.predict(["送得太慢，饭都凉了", "虾太大了"])       # doctest: +SKIP
[['logistics'], []]

Everything this package raises derives from :class:`feedback_nlp.errors.FeedbackNLPError`.
The library runs on ONNX Runtime and never imports torch or the ``training`` package.
"""

from __future__ import annotations

from feedback_nlp import errors
from feedback_nlp.labels import TAG_IDS, TAGS, Dimension, Tag
from feedback_nlp.model_config import TaggerConfig
from feedback_nlp.tagger import OnnxTagger, TagResult, load_tagger

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
    "evaluate",
]


def evaluate(data, model=None, **kwargs):  # type: ignore[no-untyped-def]
    """Evaluate a model (and the keyword baseline) on a labeled JSONL file; see :func:`eval.evaluate.evaluate`.

    Returns an ``EvaluationResult`` with the numbers of ``feedback-nlp eval`` (pass
    ``out=DIR`` to also write the reports). The harness is imported only when called.
    """
    from eval.evaluate import evaluate as _evaluate

    return _evaluate(data, model, **kwargs)
