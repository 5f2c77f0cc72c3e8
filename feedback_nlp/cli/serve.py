"""``feedback-nlp serve``: a thin wrapper over :func:`feedback_nlp.serve.run_server`."""

from __future__ import annotations

import os
import socket
from typing import Annotated, Optional

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import ModelOption

__all__ = ["serve_cmd", "check_port_free"]


def check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` (exit code 2) now, rather than after the model loaded, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}; pick another --port") from None


def serve_cmd(
    model: ModelOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="Processes sharing the port; each loads its own copy of the model (memory: see the README).")] = 1,
    max_batch: Annotated[int, typer.Option(
        min=1, help="Most texts per ONNX batch, and per request (more: 413).")] = 64,
    max_wait_ms: Annotated[float, typer.Option(
        min=0, help="How long a batch is held open for concurrent requests.")] = 2.0,
    max_queue: Annotated[int, typer.Option(
        min=1, help="Most texts waiting for the model; beyond it requests get 503 with Retry-After.")] = 2048,
    max_text_chars: Annotated[int, typer.Option(
        min=1, help="Longest text or context accepted, in characters (more: 413).")] = 2000,
    threads: Annotated[Optional[int], typer.Option(
        min=1, help="ONNX Runtime threads per worker (default: one per physical core; with --workers N, the CPU "
                  "count divided by N).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")] = "info",
) -> None:
    r"""Serve the tagger over HTTP: POST /v1/tag, GET /v1/model, /healthz, /metrics, /docs.

    Example:  curl -s localhost:8000/v1/tag -H 'content-type: application/json' -d '{"texts": ["送得太慢，饭都凉了"]}'

    Concurrent requests are tagged together in one ONNX batch. Ctrl-C or SIGTERM stops it gracefully: requests in flight are answered first.

    Needs the serve extra: pip install 'feedback-nlp\[serve]'.
    """
    with exit_on_error():
        from feedback_nlp.extras import require

        require("fastapi", "serve", "feedback-nlp serve")
        require("uvicorn", "serve", "feedback-nlp serve")
        from feedback_nlp.model_dir import TaggerConfig, resolve_model_dir
        from feedback_nlp.serve import ServeConfig, run_server

        if threads is None and workers > 1:
            threads = max(1, (os.cpu_count() or 1) // workers)
        config = ServeConfig(model=model, max_batch=max_batch, max_wait_ms=max_wait_ms, max_queue=max_queue,
                             max_text_chars=max_text_chars, threads=threads)
        TaggerConfig.load(resolve_model_dir(model))  # a bad model fails here, with exit code 3, before listening
        check_port_free(host, port)
        run_server(config, host=host, port=port, workers=workers, log_level=log_level)
