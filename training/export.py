"""Write a model directory (``docs/model-directory.md``) from a trained classifier.

The pipeline, in order (each step is its own function so that steps can be inserted):

1. :func:`_check_arguments` — fail fast, before the slow export, on bad labels,
   thresholds or lengths (the same validation the library applies when loading).
2. :func:`export_onnx` — ``torch.onnx.export`` with the dynamo exporter, opset
   :data:`OPSET`, one self-contained file (no external weights), dynamic batch and
   sequence axes.
3. ONNX post-processing — none yet. Graph optimisation and int8 quantisation go here;
   each step rewrites ``model.onnx`` in place and the last one sets ``quantization``.
4. :func:`save_tokenizer` — ``tokenizer.json`` with no truncation or padding baked in
   (the library truncates per encoding).
5. ``tagger_config.json`` via :class:`feedback_nlp.TaggerConfig` (sha256 of the final
   ``model.onnx``, library versions), then the ``README.md`` model card.

``tagger_config.json`` is written last and removed first, so an interrupted export
leaves a directory that fails to load instead of one that loads with stale settings.
"""

from __future__ import annotations

import logging
import platform
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata
from os import PathLike
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from feedback_nlp.labels import TAGS_BY_ID
from feedback_nlp.model_config import CARD_FILE, CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE, TaggerConfig, sha256_file

__all__ = ["OPSET", "INPUT_NAMES", "OUTPUT_NAME", "export_model_dir", "export_onnx", "save_tokenizer",
           "library_versions", "render_model_card"]

OPSET = 20
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "logits"
_VERSIONED_PACKAGES = ("feedback-nlp", "torch", "transformers", "onnxruntime", "onnx", "onnxscript", "tokenizers")


class _LogitsOnly(torch.nn.Module):
    """Positional ``(input_ids, attention_mask, token_type_ids) -> logits``: the graph the contract names."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


def library_versions() -> dict[str, str]:
    """Versions recorded in ``tagger_config.json`` (packages not installed are left out)."""
    versions = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package.replace("-", "_")] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    if "feedback_nlp" not in versions:  # running from a checkout that is not pip-installed
        import feedback_nlp

        versions["feedback_nlp"] = feedback_nlp.__version__
    return versions


def export_onnx(model: torch.nn.Module, path: str | PathLike[str], *, max_length: int = 128, opset: int = OPSET) -> Path:
    """Export a sequence classifier's logits to one ONNX file at ``path``.

    Uses the dynamo exporter (``torch.export``), which in torch 2.13 gives a clean graph
    with no tracer warnings; the legacy TorchScript exporter bakes Python branches of
    transformers' masking code into the trace.
    """
    path = Path(path)
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        seq = min(16, max_length)
        example = (
            torch.randint(5, 100, (2, seq), dtype=torch.long, device=device).clamp(max=model.config.vocab_size - 1),
            torch.ones(2, seq, dtype=torch.long, device=device),
            torch.zeros(2, seq, dtype=torch.long, device=device),
        )
        batch_dim = torch.export.Dim("batch")
        seq_dim = torch.export.Dim("seq", max=max(max_length, getattr(model.config, "max_position_embeddings", max_length)))
        dynamic_shapes = {name: {0: batch_dim, 1: seq_dim} for name in INPUT_NAMES}
        with warnings.catch_warnings(), _quiet_exporter_logs():
            warnings.simplefilter("ignore", (UserWarning, FutureWarning, DeprecationWarning))
            program = torch.onnx.export(
                _LogitsOnly(model),
                example,
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_shapes=dynamic_shapes,
                opset_version=opset,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            program.save(path, external_data=False)
    finally:
        model.train(was_training)
    return path


class _quiet_exporter_logs:
    """Silence torch.onnx's progress lines and optional-op notices (torchvision) during export."""

    _names = ("torch.onnx", "torch.export", "torch._export")

    def __enter__(self) -> None:
        self._levels = {}
        for name in self._names:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


def save_tokenizer(tokenizer: Tokenizer, path: str | PathLike[str]) -> Path:
    """Save a copy of ``tokenizer`` without truncation or padding (the caller's object is not changed)."""
    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_truncation()
    copy.no_padding()
    path = Path(path)
    copy.save(str(path))
    return path


def _check_arguments(model: torch.nn.Module, labels: Sequence[str], config: TaggerConfig) -> None:
    n_out = getattr(model.config, "num_labels", None)
    if n_out is not None and n_out != len(labels):
        raise ValueError(f"the model has {n_out} outputs but {len(labels)} labels were given: {list(labels)}")
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions is not None and config.max_length > positions:
        raise ValueError(f"max_length={config.max_length} exceeds the model's max_position_embeddings={positions}")


def export_model_dir(
    model: torch.nn.Module,
    tokenizer: Tokenizer,
    out_dir: str | PathLike[str],
    labels: Sequence[str],
    thresholds: Mapping[str, float],
    max_length: int = 128,
    use_context: bool = False,
    context_max_length: int = 32,
    base_model: str | None = None,
    extra_config: Mapping[str, Any] | None = None,
) -> Path:
    """Export a multi-label ``BertForSequenceClassification`` (or alike) as a model directory.

    ``labels`` are the model's output columns in order; ``thresholds`` maps each label
    to its decision threshold. ``extra_config`` adds keys to ``tagger_config.json``.
    Returns ``out_dir``.
    """
    out = Path(out_dir)
    placeholder = "0" * 64  # validated now, replaced by the real digest after export
    draft = TaggerConfig(
        labels=list(labels), thresholds=dict(thresholds), onnx_sha256=placeholder, max_length=max_length,
        use_context=use_context, context_max_length=context_max_length, base_model=base_model,
        extra=dict(extra_config or {}),
    )
    _check_arguments(model, labels, draft)

    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG_FILE).unlink(missing_ok=True)

    onnx_path = export_onnx(model, out / MODEL_FILE, max_length=max_length)
    quantization: str | None = None
    # ONNX post-processing (optimisation, quantisation, parity gate) goes here.

    save_tokenizer(tokenizer, out / TOKENIZER_FILE)
    config = TaggerConfig(
        labels=draft.labels, thresholds=draft.thresholds, onnx_sha256=sha256_file(onnx_path),
        max_length=max_length, use_context=use_context, context_max_length=context_max_length,
        quantization=quantization, base_model=base_model, versions=library_versions(),
        extra={"onnx_opset": OPSET, **draft.extra},
    )
    (out / CARD_FILE).write_text(render_model_card(config), encoding="utf-8")
    config.save(out)
    return out


_CARD = """\
# feedback-nlp tagger

Multi-label negative-feedback tagger for Chinese consumer feedback (reviews, after-sales
reasons, complaints, chat). Each text gets zero or more of the {n_labels} tags below; no tag
means no dissatisfaction. Load it with `feedback_nlp.OnnxTagger.from_pretrained("<this dir>")`.

## Labels and thresholds

| tag | 中文 | dimension | threshold |
|---|---|---|---|
{label_rows}

## Input

- max length: {max_length} tokens (longer texts are cut; their status is `truncated`)
- product context: {context}

## Evaluation

{metrics}

## Files

- `model.onnx` sha256: `{sha}`
- quantization: {quantization}
- base model: {base_model}
- created: {created_at}

## Versions

{versions}
"""

_NO_METRICS = "_Not measured yet._ Run the eval harness on the frozen test split and put its report here."


def render_model_card(config: TaggerConfig, metrics_markdown: str | None = None) -> str:
    """The ``README.md`` model card; ``metrics_markdown`` is the eval harness's report."""
    rows = "\n".join(
        f"| `{label}` | {TAGS_BY_ID[label].name_zh} | {TAGS_BY_ID[label].dimension.value} | {config.thresholds[label]:.3f} |"
        for label in config.labels
    )
    context = (
        f"second segment of the pair, at most {config.context_max_length} tokens" if config.use_context else "not used"
    )
    versions = "\n".join(f"- {name}: {version}" for name, version in config.versions.items()) or "- (not recorded)"
    return _CARD.format(
        n_labels=len(config.labels), label_rows=rows, max_length=config.max_length, context=context,
        metrics=metrics_markdown or _NO_METRICS, sha=config.onnx_sha256, quantization=config.quantization or "none (fp32)",
        base_model=config.base_model or "(not recorded)", created_at=config.created_at, versions=versions,
    )
