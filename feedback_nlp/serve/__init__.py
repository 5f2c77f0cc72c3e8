"""An HTTP tagging service over :class:`feedback_nlp.OnnxTagger` (the ``serve`` extra: FastAPI, uvicorn).

>>> from feedback_nlp.serve import ServeConfig, create_app        # doctest: +SKIP
>>> app = create_app(ServeConfig(model="default", max_wait_ms=2))  # doctest: +SKIP

``feedback-nlp serve`` runs it (:func:`run_server`). Modules: :mod:`~.config` (settings),
:mod:`~.batcher` (micro-batching on the tagger's worker thread), :mod:`~.metrics`
(Prometheus text), :mod:`~.schemas` (JSON bodies), :mod:`~.model_info`, :mod:`~.app`
(routes and error handlers), :mod:`~.server` (uvicorn).
"""

from __future__ import annotations

from feedback_nlp.extras import require

require("fastapi", "serve", "the HTTP service")
require("uvicorn", "serve", "the HTTP service")

from feedback_nlp.serve.app import create_app  # noqa: E402
from feedback_nlp.serve.batcher import BatcherClosedError, MicroBatcher, QueueFullError  # noqa: E402
from feedback_nlp.serve.config import ServeConfig  # noqa: E402
from feedback_nlp.serve.server import run_server  # noqa: E402

__all__ = ["ServeConfig", "create_app", "run_server", "MicroBatcher", "QueueFullError", "BatcherClosedError"]
