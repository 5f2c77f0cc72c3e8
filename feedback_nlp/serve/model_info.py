"""What ``GET /v1/model`` says about the model being served."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedback_nlp.model_dir.layout import CARD_FILE
from feedback_nlp.taxonomy import TAGS_BY_ID

if TYPE_CHECKING:
    from feedback_nlp.serve.config import ServeConfig
    from feedback_nlp.tagging.onnx_tagger import OnnxTagger

__all__ = ["model_name", "card_summary", "describe_model"]


def model_name(tagger: OnnxTagger) -> str:
    """The shipped model's name (its directory's name), or the model directory's name."""
    return tagger.model_dir.name if tagger.model_dir is not None else "model"


def card_summary(card: str) -> str:
    """The ``## Evaluation`` section of a model card, up to its first sub-section (the headline table)."""
    lines = card.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == "## evaluation")
    except StopIteration:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start + 1:end]).strip()


def describe_model(tagger: OnnxTagger, config: ServeConfig) -> dict[str, Any]:
    cfg = tagger.config
    card_path = tagger.model_dir / CARD_FILE if tagger.model_dir is not None else None
    card = card_path.read_text(encoding="utf-8") if card_path is not None and card_path.is_file() else ""
    return {
        "name": model_name(tagger),
        "sha256": cfg.onnx_sha256,
        "labels": [
            {"tag": label, "name_zh": TAGS_BY_ID[label].name_zh, "dimension": TAGS_BY_ID[label].dimension.value,
             "threshold": cfg.thresholds[label]}
            for label in cfg.labels
        ],
        "max_length": cfg.max_length,
        "use_context": cfg.use_context,
        "context_max_length": cfg.context_max_length,
        "quantization": cfg.quantization,
        "base_model": cfg.base_model,
        "created_at": cfg.created_at,
        "versions": dict(cfg.versions),
        "card_summary": card_summary(card),
        "serving": {"max_batch": config.max_batch, "max_wait_ms": config.max_wait_ms, "max_queue": config.max_queue,
                    "max_text_chars": config.max_text_chars, "max_body_bytes": config.body_limit},
    }
