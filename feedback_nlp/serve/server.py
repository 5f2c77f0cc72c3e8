"""Run the service with uvicorn: one process, or ``workers`` processes sharing the port.

Each worker process loads its own copy of the model (see the README for what that costs
in memory) and has its own micro-batcher and metrics. Workers get the config through the
environment variable :data:`CONFIG_ENV_VAR` and build the app with :func:`app_from_env`.
On SIGINT / SIGTERM uvicorn stops accepting connections, lets in-flight requests finish
(up to ``graceful_timeout_s``), then the batcher finishes its queue and stops.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from feedback_nlp.serve.app import create_app
from feedback_nlp.serve.config import ServeConfig

__all__ = ["CONFIG_ENV_VAR", "app_from_env", "run_server"]

CONFIG_ENV_VAR = "FEEDBACK_NLP_SERVE_CONFIG"


def app_from_env() -> FastAPI:
    """The app for a uvicorn worker process, from ``$FEEDBACK_NLP_SERVE_CONFIG`` (JSON)."""
    return create_app(ServeConfig.from_json(os.environ.get(CONFIG_ENV_VAR, "{}")))


def run_server(config: ServeConfig, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
               log_level: str = "info", graceful_timeout_s: float = 30.0) -> None:
    """Serve until interrupted (blocks)."""
    import uvicorn

    common = dict(host=host, port=port, log_level=log_level, timeout_graceful_shutdown=graceful_timeout_s,
                  access_log=False)  # per-request logs would cost more than the request at high rates
    if workers == 1:
        uvicorn.run(create_app(config), **common)
        return
    os.environ[CONFIG_ENV_VAR] = config.to_json()
    uvicorn.run(f"{__name__}:app_from_env", factory=True, workers=workers, **common)
