"""The JSON bodies of the service (pydantic models), with the examples shown in the OpenAPI schema."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TagRequest", "TagResponse", "TextResult", "ModelRef", "ModelInfo", "LabelInfo", "ServingLimits",
           "Health", "ErrorBody"]

_EXAMPLE_SCORES = {"quality": 0.012, "size": 0.004, "color": 0.002, "taste": 0.006, "freshness": 0.003,
                   "hygiene": 0.001, "quantity": 0.009, "mismatch": 0.002, "price": 0.003, "logistics": 0.991,
                   "damage": 0.004, "service": 0.011, "after_sales": 0.005, "other": 0.021}
_EXAMPLE_MODEL = {"name": "default", "sha256": "644dc0632840837fb24182e067132547ff16d7a9011dc81a269085607f1e20fb"}


class TagRequest(BaseModel):
    """Texts to tag, with an optional product context (title / SKU) per text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"texts": ["送得太慢，饭都凉了", "虾太大了，好吃到停不下来"]},
            {"texts": ["尺码偏大，按尺码表买的还是大"], "contexts": ["男士休闲衬衫 XL"]},
        ]},
    )

    texts: list[Optional[str]] = Field(
        description="The texts, at most the server's max_batch of them (GET /v1/model: serving.max_batch), each at "
                    "most serving.max_text_chars characters; more is answered 413. null or blank texts get no "
                    "tags and status 'empty'.",
    )
    contexts: Optional[list[Optional[str]]] = Field(
        default=None,
        description="Product context per text (null where there is none), as many as texts. Read only by models "
                    "trained with context (GET /v1/model: use_context); other models ignore it with a warning.",
    )


class TextResult(BaseModel):
    tags: list[str] = Field(description="Labels whose probability reaches its threshold, in label order.")
    scores: dict[str, float] = Field(description="Probability of every label of the model.")
    status: Literal["ok", "empty", "truncated"] = Field(
        description="'empty': null or blank text; 'truncated': only the first max_length tokens were read.")


class ModelRef(BaseModel):
    name: str = Field(description="The shipped model's name, or the model directory's name.")
    sha256: str = Field(description="sha256 of the model's model.onnx.")


class TagResponse(BaseModel):
    """One result per text, in the order of the request."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "model": _EXAMPLE_MODEL,
        "results": [{"tags": ["logistics"], "scores": _EXAMPLE_SCORES, "status": "ok"}],
        "warnings": [],
    }]})

    model: ModelRef
    results: list[TextResult]
    warnings: list[str] = Field(default_factory=list, description="E.g. contexts ignored by a model without context.")


class LabelInfo(BaseModel):
    tag: str
    name_zh: str
    dimension: str
    threshold: float


class ServingLimits(BaseModel):
    max_batch: int = Field(description="Most texts per request and per ONNX batch.")
    max_wait_ms: float = Field(description="How long a batch is held open for concurrent requests.")
    max_queue: int = Field(description="Most texts waiting; beyond it requests get 503 with Retry-After.")
    max_text_chars: int = Field(description="Longest text or context accepted, in characters.")
    max_body_bytes: int = Field(description="Largest request body accepted, in bytes.")


class ModelInfo(BaseModel):
    """The model being served: what ``feedback-nlp info`` shows, plus the card's summary and the limits."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    sha256: str
    labels: list[LabelInfo] = Field(description="The model's labels in output order, with their thresholds.")
    max_length: int
    use_context: bool
    context_max_length: int
    quantization: Optional[str]
    base_model: Optional[str]
    created_at: str
    versions: dict[str, str]
    card_summary: str = Field(description="The Evaluation section of the model card (README.md), Markdown.")
    serving: ServingLimits


class Health(BaseModel):
    status: Literal["ok", "loading", "failed"]
    model: Optional[ModelRef] = None
    message: Optional[str] = None


class ErrorBody(BaseModel):
    """Every error: a machine-readable ``error``, a ``message`` for people, and per-field ``detail`` for 422."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": "too_large", "message": "texts has 65 items; this server accepts at most 64 per request "
                                         "(split the request)", "detail": None,
    }]})

    error: str
    message: str
    detail: Optional[list[dict[str, Any]]] = None
