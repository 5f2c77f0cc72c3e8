"""Fixtures of the service tests: the tiny model's tagger, and a real uvicorn server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@pytest.fixture(scope="session")
def serve_tagger(tiny_model_dir):
    """The tiny model with one ONNX batch per micro-batch (batch_size 64)."""
    from feedback_nlp import OnnxTagger

    return OnnxTagger.from_pretrained(tiny_model_dir, intra_op_threads=1, batch_size=64)


def metric_value(text: str, name: str) -> float:
    """The sum of the samples named ``name`` (any labels) in Prometheus text."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and line[len(name)] in " {")


@contextmanager
def live_server(app, **options) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yields its base URL, stops it on exit."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
