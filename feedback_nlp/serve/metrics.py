"""Prometheus metrics of the service, rendered in the text exposition format (version 0.0.4).

A few counters, gauges and histograms are all the service needs, so they are kept here
rather than adding ``prometheus_client`` as a dependency. Every update takes one lock;
label values are escaped as the format requires.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable, Sequence

__all__ = ["ServiceMetrics", "LATENCY_BUCKETS", "BATCH_SIZE_BUCKETS"]

#: seconds
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: texts per ONNX batch
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    pairs = list(labels) + ([extra] if extra else [])
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Histogram:
    def __init__(self, buckets: Sequence[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value

    def lines(self, name: str, labels: Labels) -> list[str]:
        out, cumulative = [], 0
        for bound, count in zip((*self.buckets, math.inf), self.counts):
            cumulative += count
            out.append(f"{name}_bucket{_labels(labels, ('le', _number(bound)))} {cumulative}")
        out.append(f"{name}_sum{_labels(labels)} {_number(self.total)}")
        out.append(f"{name}_count{_labels(labels)} {cumulative}")
        return out


class ServiceMetrics:
    """What ``GET /metrics`` reports: requests, errors, latency, batch sizes, queue depth, the model.

    ``queue_depth`` is read when rendering (a callable), so it is never stale.
    """

    PREFIX = "feedback_nlp"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Labels, int] = {}
        self._errors: dict[Labels, int] = {}
        self._latency: dict[Labels, _Histogram] = {}
        self._batch_sizes = _Histogram(BATCH_SIZE_BUCKETS)
        self._batch_seconds = _Histogram(LATENCY_BUCKETS)
        self._texts = 0
        self._model: Labels = ()
        self._ready = 0
        self.queue_depth: Callable[[], int] = lambda: 0

    # ---------------------------------------------------------------- updates

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        key: Labels = (("path", path), ("status", str(status)))
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1
            if status >= 400:
                self._errors[key] = self._errors.get(key, 0) + 1
            self._latency.setdefault((("path", path),), _Histogram(LATENCY_BUCKETS)).observe(seconds)

    def observe_batch(self, n_texts: int, seconds: float) -> None:
        with self._lock:
            self._batch_sizes.observe(n_texts)
            self._batch_seconds.observe(seconds)
            self._texts += n_texts

    def set_model(self, name: str, sha256: str) -> None:
        with self._lock:
            self._model = (("name", name), ("sha256", sha256))
            self._ready = 1

    # ---------------------------------------------------------------- reading

    def batch_size_count_sum(self) -> tuple[int, float]:
        """(batches run, texts in them): their ratio is the mean batch size."""
        with self._lock:
            return sum(self._batch_sizes.counts), self._batch_sizes.total

    def render(self) -> str:
        p = self.PREFIX
        depth = self.queue_depth()
        with self._lock:
            out = [
                f"# HELP {p}_requests_total HTTP requests answered, by route and status code.",
                f"# TYPE {p}_requests_total counter",
                *(f"{p}_requests_total{_labels(k)} {v}" for k, v in sorted(self._requests.items())),
                f"# HELP {p}_request_errors_total HTTP requests answered with a status code >= 400.",
                f"# TYPE {p}_request_errors_total counter",
                *(f"{p}_request_errors_total{_labels(k)} {v}" for k, v in sorted(self._errors.items())),
                f"# HELP {p}_request_duration_seconds Time from receiving a request to sending its response.",
                f"# TYPE {p}_request_duration_seconds histogram",
                *(line for k, h in sorted(self._latency.items()) for line in h.lines(f"{p}_request_duration_seconds", k)),
                f"# HELP {p}_batch_size Texts per ONNX batch run by the micro-batcher.",
                f"# TYPE {p}_batch_size histogram",
                *self._batch_sizes.lines(f"{p}_batch_size", ()),
                f"# HELP {p}_batch_duration_seconds Time the model took per batch (encode, forward, decide).",
                f"# TYPE {p}_batch_duration_seconds histogram",
                *self._batch_seconds.lines(f"{p}_batch_duration_seconds", ()),
                f"# HELP {p}_texts_total Texts tagged.",
                f"# TYPE {p}_texts_total counter",
                f"{p}_texts_total {self._texts}",
                f"# HELP {p}_queue_depth Texts waiting for the model.",
                f"# TYPE {p}_queue_depth gauge",
                f"{p}_queue_depth {depth}",
                f"# HELP {p}_ready 1 once the model is loaded.",
                f"# TYPE {p}_ready gauge",
                f"{p}_ready {self._ready}",
            ]
            if self._model:
                out += [f"# HELP {p}_model_info The model being served.", f"# TYPE {p}_model_info gauge",
                        f"{p}_model_info{_labels(self._model)} 1"]
        return "\n".join(out) + "\n"
