"""Micro-batching against a real uvicorn server on loopback: concurrent requests share ONNX batches.

Also the batcher on its own: cancellation, the queue bound, and closing with work queued.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
httpx = pytest.importorskip("httpx", reason="the HTTP client of these tests ([dev] extra)")

from feedback_nlp.serve import BatcherClosedError, MicroBatcher, QueueFullError, ServeConfig, create_app  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402
from tests.serve.conftest import live_server, metric_value  # noqa: E402



def test_concurrent_requests_are_batched_and_match_single_calls(serve_tagger):
    texts = SENTENCES + ["质量太差了" * 20, None, " "]
    config = ServeConfig(max_batch=64, max_wait_ms=50)  # a wide window, so the 32 clients surely overlap
    with live_server(create_app(config, tagger=serve_tagger)) as base, httpx.Client(base_url=base, timeout=30) as client:
        barrier = threading.Barrier(32)

        def one(i: int) -> dict:
            text = texts[i % len(texts)]
            with httpx.Client(base_url=base, timeout=30) as own:  # one connection per client, as real callers
                barrier.wait()
                response = own.post("/v1/tag", json={"texts": [text]})
            assert response.status_code == 200, response.text
            return response.json()["results"][0]

        with ThreadPoolExecutor(32) as pool:
            served = list(pool.map(one, range(96)))
        metrics = client.get("/metrics").text
    batches = metric_value(metrics, "feedback_nlp_batch_size_count")
    batched_texts = metric_value(metrics, "feedback_nlp_batch_size_sum")
    assert batched_texts == 96
    assert batched_texts / batches > 1, f"{batches:.0f} batches for 96 texts: nothing was batched"
    for i, result in enumerate(served):
        (alone,) = serve_tagger.tag([texts[i % len(texts)]])  # the library, one text per call
        assert result["tags"] == alone.tags and result["status"] == alone.status
        np.testing.assert_allclose(list(result["scores"].values()), list(alone.scores.values()), atol=1e-5)


def test_batches_respect_max_batch_and_never_split_a_request(serve_tagger):
    batcher = MicroBatcher(serve_tagger, max_batch=8, max_wait_s=0.5, max_queue=64)
    sizes = []
    original = serve_tagger.tag

    class Spy:  # records the batch sizes the worker hands to the tagger
        use_context = False

        def tag(self, texts, contexts=None):
            sizes.append(len(texts))
            return original(texts, contexts)

    batcher.tagger = Spy()
    futures = [batcher.submit(SENTENCES[:n]) for n in (3, 3, 3, 8, 1)]
    results = [f.result(30) for f in futures]
    batcher.close()
    assert [len(r) for r in results] == [3, 3, 3, 8, 1]
    assert max(sizes) <= 8 and sum(sizes) == 18 and 8 in sizes
    assert [r.tags for r in results[3]] == serve_tagger.predict(SENTENCES[:8])


def test_cancelled_requests_are_skipped_and_a_full_queue_refuses(serve_tagger):
    batcher = MicroBatcher(serve_tagger, max_batch=4, max_wait_s=0.5, max_queue=4)
    cancelled = batcher.submit(SENTENCES[:2])
    assert cancelled.cancel()
    kept = batcher.submit(SENTENCES[2:3])
    assert batcher.queue_depth == 3
    with pytest.raises(QueueFullError, match="limit is 4"):
        batcher.submit(SENTENCES[:2])
    assert [r.tags for r in kept.result(30)] == serve_tagger.predict(SENTENCES[2:3])
    batcher.close()


def test_close_finishes_queued_work_then_refuses(serve_tagger):
    batcher = MicroBatcher(serve_tagger, max_batch=64, max_wait_s=30, max_queue=64)  # would wait 30 s
    pending = batcher.submit(SENTENCES[:5])
    started = time.monotonic()
    batcher.close(timeout=30)
    assert time.monotonic() - started < 10  # closing does not wait out max_wait
    assert [r.tags for r in pending.result(0)] == serve_tagger.predict(SENTENCES[:5])
    with pytest.raises(BatcherClosedError):
        batcher.submit(["好"])


def test_a_tagger_error_reaches_every_request_of_the_batch(serve_tagger):
    class Broken:
        use_context = False

        def tag(self, texts, contexts=None):
            raise RuntimeError("onnx runtime failed")

    batcher = MicroBatcher(Broken(), max_batch=8, max_wait_s=0.2, max_queue=8)
    futures = [batcher.submit(["a"]), batcher.submit(["b", "c"])]
    for f in futures:
        with pytest.raises(RuntimeError, match="onnx runtime failed"):
            f.result(30)
    batcher.close()
