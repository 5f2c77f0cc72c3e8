"""The FastAPI application: ``POST /v1/tag``, ``GET /v1/model``, ``GET /healthz``, ``GET /metrics``.

:func:`create_app` builds it. The model is loaded once per process, in a background thread
when the app starts (``/healthz`` answers 503 ``loading`` until it is ready), unless a
loaded tagger is passed in. Every error is JSON with ``error`` and ``message``: 422 for a
malformed body or wrong types, 413 for too many texts, a too-long text or a too-large body,
503 with ``Retry-After`` while loading, shutting down or when the queue is full. A bug
answers 500 without a traceback (the traceback goes to the server log).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback_nlp import __version__
from feedback_nlp.errors import FeedbackNLPError
from feedback_nlp.serve.batcher import BatcherClosedError, MicroBatcher, QueueFullError
from feedback_nlp.serve.config import ServeConfig
from feedback_nlp.serve.metrics import ServiceMetrics
from feedback_nlp.serve.model_info import describe_model, model_name
from feedback_nlp.serve.schemas import ErrorBody, Health, ModelInfo, TagRequest, TagResponse
from feedback_nlp.tagging.onnx_tagger import OnnxTagger, load_tagger

__all__ = ["create_app"]

log = logging.getLogger("feedback_nlp.serve")

_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                415: "unsupported_media_type", 422: "invalid_request", 503: "unavailable"}
_EXPECTED = '{"texts": [str, ...], "contexts": [str | null, ...]?}'
_ERRORS = {code: {"model": ErrorBody, "description": desc} for code, desc in (
    (413, "Too many texts, a text or context too long, or a body too large."),
    (422, "Malformed JSON, a missing field or a wrong type; `detail` names each field."),
    (503, "The model is loading, the server is shutting down, or the queue is full; retry after `Retry-After` s."),
)}


class ServiceError(FeedbackNLPError):
    """An error answered as JSON with this HTTP status (and headers); raised inside the routes."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def _error(status: int, message: str, detail: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": _ERROR_CODES.get(status, "http_error" if status < 500 else "internal_error"),
            "message": message, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers)


def _where(loc: tuple[Any, ...]) -> str:
    """``("body", "texts", 3)`` → ``texts[3]``."""
    parts = [p for p in loc if p != "body"] or ["body"]
    out = str(parts[0])
    for p in parts[1:]:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _problem(error: Any) -> dict[str, Any]:
    """One pydantic error as ``{loc, msg, type}`` (its ``input`` and ``ctx`` may not be JSON)."""
    loc, msg, kind = tuple(error.get("loc", ())), str(error.get("msg", "")), str(error.get("type", ""))
    if kind == "json_invalid":  # loc is ("body", character offset)
        return {"loc": "body", "msg": f"{msg} at character {loc[-1]}" if len(loc) > 1 else msg, "type": kind}
    return {"loc": _where(loc), "msg": msg, "type": kind}


class _Service:
    """The per-process state: config, metrics, and the tagger once loaded."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.metrics = ServiceMetrics()
        self.batcher: MicroBatcher | None = None
        self.info: dict[str, Any] | None = None
        self.model_ref: dict[str, str] | None = None
        self.load_error: str | None = None

    def start(self, tagger: OnnxTagger | None) -> None:
        if tagger is not None:
            self._ready(tagger)
        else:
            threading.Thread(target=self._load, name="feedback-nlp-model-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            tagger = load_tagger(self.config.model, intra_op_threads=self.config.threads, batch_size=self.config.max_batch)
        except Exception as e:  # noqa: BLE001 - reported by /healthz and in the log
            self.load_error = f"{type(e).__name__}: {e}"
            log.error("cannot load the model: %s", self.load_error)
            return
        self._ready(tagger)

    def _ready(self, tagger: OnnxTagger) -> None:
        self.info = describe_model(tagger, self.config)
        self.model_ref = {"name": model_name(tagger), "sha256": tagger.config.onnx_sha256}
        batcher = MicroBatcher(tagger, max_batch=self.config.max_batch, max_wait_s=self.config.max_wait_ms / 1000,
                               max_queue=self.config.max_queue, metrics=self.metrics)
        self.metrics.queue_depth = lambda: batcher.queue_depth
        self.metrics.set_model(**self.model_ref)
        self.batcher = batcher  # last: its presence means ready
        log.info("model %s (sha256 %s) ready", self.model_ref["name"], self.model_ref["sha256"][:12])

    def stop(self) -> None:
        if self.batcher is not None:
            self.batcher.close()

    def ready_batcher(self) -> MicroBatcher:
        if self.batcher is None:
            retry = {"Retry-After": str(self.config.retry_after_s)}
            if self.load_error:
                raise ServiceError(503, f"the model could not be loaded: {self.load_error}")
            raise ServiceError(503, "the model is still loading; retry shortly", retry)
        return self.batcher


class _MetricsMiddleware:
    """Counts every HTTP request by route template and status, with its latency (pure ASGI: cheap)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            path = getattr(scope.get("route"), "path", "other")  # the template, never the raw URL
            self.metrics.observe_request(path, status, time.perf_counter() - started)


class _BodyLimitMiddleware:
    """413 for a body above ``max_bytes``: at once from ``Content-Length``, else while it is read (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _message(self, size: str) -> str:
        return f"the request body has {size} bytes; this server accepts at most {self.max_bytes}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await _error(413, self._message(length.decode()), headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:  # FastAPI passes an HTTPException raised while reading the body on
                raise HTTPException(413, self._message(f"more than {self.max_bytes}"))
            return message

        await self.app(scope, counting_receive, send)


def _check_limits(request: TagRequest, config: ServeConfig) -> None:
    if len(request.texts) > config.max_batch:
        raise ServiceError(413, f"texts has {len(request.texts)} items; this server accepts at most "
                                f"{config.max_batch} per request (split the request)")
    if request.contexts is not None and len(request.contexts) != len(request.texts):
        raise ServiceError(422, f"contexts has {len(request.contexts)} items but texts has {len(request.texts)}; "
                                "pass one context per text (null where there is none)")
    for field, values in (("texts", request.texts), ("contexts", request.contexts or [])):
        for i, value in enumerate(values):
            if value is not None and len(value) > config.max_text_chars:
                raise ServiceError(413, f"{field}[{i}] has {len(value)} characters; this server accepts at most "
                                        f"{config.max_text_chars} (the model reads only the first tokens anyway)")


def _limit(node: Any, max_items: int, max_chars: int) -> None:
    """Write the server's limits into a JSON-schema node: ``maxItems`` on arrays, ``maxLength`` on strings."""
    if isinstance(node, dict):
        if node.get("type") == "array":
            node["maxItems"] = max_items
        elif node.get("type") == "string":
            node["maxLength"] = max_chars
        for value in node.values():
            _limit(value, max_items, max_chars)
    elif isinstance(node, list):
        for value in node:
            _limit(value, max_items, max_chars)


def create_app(config: ServeConfig | None = None, *, tagger: OnnxTagger | None = None) -> FastAPI:
    """The service for ``config`` (default :class:`ServeConfig`); ``tagger``: serve this loaded tagger."""
    config = config or ServeConfig()
    service = _Service(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.start(tagger)
        try:
            yield
        finally:  # uvicorn lets in-flight requests finish before this runs
            await asyncio.to_thread(service.stop)

    app = FastAPI(
        title="feedback-nlp tagging service",
        version=__version__,
        description="Tag Chinese consumer feedback with negative-feedback aspects (quality, size, logistics, ...). "
                    "Concurrent requests are tagged together in one ONNX batch (micro-batching).",
        lifespan=lifespan,
    )
    app.state.service = service
    schema_without_limits = app.openapi

    def openapi_with_limits() -> dict[str, Any]:
        # the limits are this server's config, so they are written into its schema, not into the model class;
        # they are checked by _check_limits (413), not by validation (which would answer 422)
        if app.openapi_schema is None:
            schema = schema_without_limits()
            for name in ("texts", "contexts"):
                _limit(schema["components"]["schemas"]["TagRequest"]["properties"][name], config.max_batch,
                       config.max_text_chars)
        return app.openapi_schema

    app.openapi = openapi_with_limits  # type: ignore[method-assign]
    app.add_middleware(_BodyLimitMiddleware, max_bytes=config.body_limit)
    app.add_middleware(_MetricsMiddleware, metrics=service.metrics)

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return _error(exc.status, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [_problem(e) for e in exc.errors()]
        more = f" (and {len(detail) - 1} more problem(s), see detail)" if len(detail) > 1 else ""
        first = f"{detail[0]['loc']}: {detail[0]['msg']}" if detail else "invalid request"
        return _error(422, f"{first}{more}; expected {_EXPECTED}", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8, ...): malformed, 422
            return _error(422, f"body: {exc.detail}; send UTF-8 JSON like {_EXPECTED}")
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return _error(500, "internal error; the server log has the details")

    @app.post("/v1/tag", response_model=TagResponse, responses=_ERRORS, summary="Tag texts")
    async def tag(request: TagRequest) -> JSONResponse:
        """Tag up to `max_batch` texts; the same tags as `OnnxTagger.tag` in the library."""
        batcher = service.ready_batcher()
        _check_limits(request, config)
        warnings = []
        if request.contexts is not None and not batcher.tagger.use_context:
            warnings.append("this model was trained without product context (use_context=false); contexts are ignored")
        try:
            future = batcher.submit(request.texts, request.contexts)
        except QueueFullError as e:
            raise ServiceError(503, str(e), {"Retry-After": str(config.retry_after_s)}) from None
        except BatcherClosedError as e:
            raise ServiceError(503, str(e), {"Retry-After": str(config.retry_after_s), "Connection": "close"}) from None
        results = await asyncio.wrap_future(future)
        return JSONResponse({
            "model": service.model_ref,
            "results": [{"tags": r.tags, "scores": r.scores, "status": r.status} for r in results],
            "warnings": warnings,
        })

    @app.get("/v1/model", response_model=ModelInfo, responses={503: _ERRORS[503]}, summary="The model being served")
    async def model() -> dict[str, Any]:
        """Labels (with Chinese names and thresholds), sha256, versions, the model card's summary, the limits."""
        service.ready_batcher()
        assert service.info is not None
        return service.info

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health, "description": "Not ready."}},
             summary="Readiness")
    async def healthz() -> JSONResponse:
        """200 once the model is loaded; 503 while it loads or when it failed to load."""
        if service.batcher is not None:
            return JSONResponse({"status": "ok", "model": service.model_ref, "message": None})
        if service.load_error:
            return JSONResponse({"status": "failed", "model": None, "message": service.load_error}, status_code=503)
        return JSONResponse({"status": "loading", "model": None, "message": "the model is loading"}, status_code=503,
                            headers={"Retry-After": str(config.retry_after_s)})

    @app.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
    async def metrics() -> PlainTextResponse:
        """Requests, errors, latency and batch-size histograms, queue depth (Prometheus text format 0.0.4)."""
        return PlainTextResponse(service.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
