"""Micro-batching: requests from many connections are tagged together in one ONNX batch.

One worker thread owns the tagger. A request's texts wait in a bounded queue; the worker
takes the first waiting request, holds the batch open for up to ``max_wait`` (measured
from that request's arrival, so a busy worker never adds waiting) while more arrive, then
tags up to ``max_batch`` texts in one call and hands each request its own results.
Requests are never split, so a request of ``max_batch`` texts is one batch by itself.

A request that would push the queue past ``max_queue`` texts is refused at once with
:class:`QueueFullError` (the service answers 503 with ``Retry-After``). :meth:`close`
stops accepting, lets the worker finish everything already queued, and joins it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from feedback_nlp.errors import FeedbackNLPError, InvalidInputError
from feedback_nlp.tagging.arguments import check_positive_int

if TYPE_CHECKING:
    from feedback_nlp.serve.metrics import ServiceMetrics
    from feedback_nlp.tagging.onnx_tagger import OnnxTagger, TagResult

__all__ = ["MicroBatcher", "QueueFullError", "BatcherClosedError"]


class QueueFullError(FeedbackNLPError):
    """The queue holds ``max_queue`` texts already; retry later (HTTP 503 with ``Retry-After``)."""


class BatcherClosedError(FeedbackNLPError):
    """The service is shutting down and accepts no new work (HTTP 503)."""


@dataclass
class _Job:
    texts: list[str | None]
    contexts: list[str | None] | None
    future: Future = field(default_factory=Future)
    arrived: float = field(default_factory=time.monotonic)


class MicroBatcher:
    """Gathers concurrent :meth:`submit` calls into batches of at most ``max_batch`` texts.

    ``submit`` returns a :class:`concurrent.futures.Future` of one :class:`TagResult` per
    text; a cancelled future whose batch has not started is skipped. Contexts are passed to
    the tagger only when the model reads them (``tagger.use_context``).
    """

    def __init__(
        self,
        tagger: OnnxTagger,
        *,
        max_batch: int = 64,
        max_wait_s: float = 0.002,
        max_queue: int = 2048,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        check_positive_int("max_batch", max_batch)
        check_positive_int("max_queue", max_queue)
        self.tagger = tagger
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self._metrics = metrics
        self._jobs: deque[_Job] = deque()
        self._queued_texts = 0
        self._closing = False
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="feedback-nlp-batcher", daemon=True)
        self._worker.start()

    @property
    def queue_depth(self) -> int:
        """Texts waiting for the model (not counting the batch being tagged)."""
        return self._queued_texts

    def submit(self, texts: Sequence[str | None], contexts: Sequence[str | None] | None = None) -> Future:
        """Queue texts (and optional contexts, one per text) for tagging; see the class docstring."""
        if contexts is not None and len(contexts) != len(texts):
            raise InvalidInputError(f"contexts has {len(contexts)} items but texts has {len(texts)}; pass one per text")
        job = _Job(list(texts), list(contexts) if contexts is not None and self.tagger.use_context else None)
        if not job.texts:
            job.future.set_result([])
            return job.future
        with self._cond:
            if self._closing:
                raise BatcherClosedError("the service is shutting down; no new requests are accepted")
            if self._queued_texts + len(job.texts) > self.max_queue:
                raise QueueFullError(
                    f"{self._queued_texts} texts are waiting (the limit is {self.max_queue}); retry shortly"
                )
            self._jobs.append(job)
            self._queued_texts += len(job.texts)
            self._cond.notify()
        return job.future

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting work, finish what is queued, and stop the worker."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._worker.join(timeout)

    # ------------------------------------------------------------------ worker

    def _next_batch(self) -> list[_Job] | None:
        """Wait for work, hold the batch open up to ``max_wait_s``, take up to ``max_batch`` texts."""
        with self._cond:
            while not self._jobs:
                if self._closing:
                    return None
                self._cond.wait()
            deadline = self._jobs[0].arrived + self.max_wait_s
            while self._queued_texts < self.max_batch and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch: list[_Job] = []
            size = 0
            while self._jobs and (not batch or size + len(self._jobs[0].texts) <= self.max_batch):
                job = self._jobs.popleft()
                self._queued_texts -= len(job.texts)
                if job.future.set_running_or_notify_cancel():  # False: the client went away
                    batch.append(job)
                    size += len(job.texts)
            return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                self._tag(batch)

    def _tag(self, batch: list[_Job]) -> None:
        texts = [t for job in batch for t in job.texts]
        contexts = None
        if any(job.contexts is not None for job in batch):
            contexts = [c for job in batch for c in (job.contexts or [None] * len(job.texts))]
        started = time.perf_counter()
        try:
            results: list[TagResult] = self.tagger.tag(texts, contexts)
        except BaseException as e:  # noqa: BLE001 - every waiting request must hear of it
            for job in batch:
                job.future.set_exception(e)
            if not isinstance(e, Exception):
                raise
            return
        if self._metrics is not None:
            self._metrics.observe_batch(len(texts), time.perf_counter() - started)
        start = 0
        for job in batch:
            job.future.set_result(results[start:start + len(job.texts)])
            start += len(job.texts)
