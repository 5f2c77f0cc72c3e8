"""Write a model directory (``docs/model-directory.md``) from a trained classifier.

The pipeline, in order (each step is its own function so that steps can be inserted):

1. :func:`_check_arguments` — fail fast, before the slow export, on bad labels,
   thresholds or lengths (the same validation the library applies when loading).
2. :func:`export_onnx` — ``torch.onnx.export`` with the dynamo exporter, opset
   :data:`OPSET`, one self-contained file (no external weights), dynamic batch and
   sequence axes.
3. ONNX post-processing: :func:`optimize_onnx` (ONNX Runtime's transformer fusions:
   attention, LayerNorm, GELU) and :func:`quantize_onnx` (int8 weights, batch-independent), then
   the **parity gate** (:func:`parity_gate`): on a dev set, PyTorch, ONNX fp32 and ONNX
   int8 decisions must agree on ≥ 99.5% of (text, tag) pairs, or the export fails.
4. :func:`embed_graph_metadata` — the label order and the position limit go into the
   graph's ``metadata_props``, so a config that lies about them fails at load.
5. :func:`save_tokenizer` — ``tokenizer.json`` with no truncation or padding baked in
   (the library truncates per encoding).
6. ``tagger_config.json`` via :class:`feedback_nlp.TaggerConfig` (sha256 of the final
   ``model.onnx``, library versions), the ``README.md`` model card, and last
   ``manifest.json`` (sha256 of every file).

``manifest.json`` and ``tagger_config.json`` are removed first and written last, so an
interrupted export leaves a directory that fails to load instead of one that loads with
stale settings. The contract itself (names, config, manifest, card template) is
:mod:`feedback_nlp.model_dir`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from feedback_nlp.errors import ConfigError, ParityError
from feedback_nlp.model_dir import (
    CARD_FILE,
    CONFIG_FILE,
    FORMAT_VERSION,
    INPUT_NAMES,
    MANIFEST_FILE,
    METADATA_FORMAT,
    METADATA_LABELS,
    METADATA_MAX_POSITIONS,
    MODEL_FILE,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    TaggerConfig,
    sha256_file,
    write_manifest,
)
from feedback_nlp.model_dir.card import render_model_card
from feedback_nlp.model_dir.versions import library_versions
from feedback_nlp.tagging.encoding import TextEncoder

__all__ = ["ParityError", "optimize_onnx", "quantize_onnx", "parity_gate", "OPSET", "export_model_dir", "export_onnx",
           "save_tokenizer", "embed_graph_metadata", "export_checkpoint", "FP32_FILE"]

OPSET = 20
FP32_FILE = "model.fp32.onnx"  # kept with keep_fp32=True, for benchmarks (covered by the manifest)


class _LogitsOnly(torch.nn.Module):
    """Positional ``(input_ids, attention_mask, token_type_ids) -> logits``: the graph the contract names."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


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
        with warnings.catch_warnings(), _quiet_logs("torch.onnx", "torch.export", "torch._export"):
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


def optimize_onnx(src: Path, dst: Path, bert_config: Any) -> Path:
    """Fuse attention / LayerNorm / GELU with ONNX Runtime's transformer optimizer (CPU)."""
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings(), _quiet_logs("onnxruntime", "onnxruntime.transformers"):
        warnings.simplefilter("ignore")
        opt = optimize_model(str(src), model_type="bert", num_heads=bert_config.num_attention_heads,
                             hidden_size=bert_config.hidden_size, opt_level=1, use_gpu=False)
    opt.save_model_to_file(str(dst))
    return dst


QUANTIZATIONS = ("int8-weights", "int8-dynamic")


def quantize_onnx(src: Path, dst: Path, method: str = "int8-weights") -> Path:
    """Quantize the MatMul/Gemm weights to int8.

    ``int8-weights`` (default): ``MatMulNBits`` with 8-bit blocks of 32 weights, and
    activations quantized per row at run time, so a text's scores do not depend on the
    other texts of its batch. ``int8-dynamic``: ONNX Runtime's dynamic quantization,
    faster on some CPUs, but its activation scale is computed over the whole batch, so a
    text's probabilities change with its batch neighbours (Δp up to 0.2 measured).
    """
    if method not in QUANTIZATIONS:
        raise ConfigError(f"unknown quantization {method!r}; valid: {', '.join(QUANTIZATIONS)}")
    if method == "int8-dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with _quiet_logs("onnxruntime", "root"):
            quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False,
                             op_types_to_quantize=["MatMul", "Gemm"])
        return dst
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    with _quiet_logs("onnxruntime", "root"):
        q = MatMulNBitsQuantizer(onnx.load(str(src)), bits=8, block_size=32, is_symmetric=True, accuracy_level=4)
        q.process()
        q.model.save_model_to_file(str(dst))
    return dst


def _probabilities(forward: Any, encoder: TextEncoder, encoded: list, batch_size: int = 64) -> Any:
    """Run ``forward`` (model inputs -> probabilities) over length-sorted batches, in input order."""
    import numpy as np

    out = None
    for idx, arrays in encoder.batches(encoded, batch_size):
        probs = forward(arrays)
        if out is None:
            out = np.empty((len(encoded), probs.shape[1]), dtype=np.float32)
        out[idx] = probs
    return out


def _onnx_forward(path: Path) -> Any:
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}

    def forward(arrays):
        (logits,) = sess.run([OUTPUT_NAME], {k: v for k, v in arrays.items() if k in names})
        return 1 / (1 + np.exp(-logits))

    return forward


def parity_gate(model: torch.nn.Module, encoder: TextEncoder, onnx_paths: Mapping[str, Path],
                rows: Sequence[Mapping[str, Any]], thresholds: Sequence[float], *, use_context: bool = False,
                min_agreement: float = 0.995) -> dict[str, Any]:
    """Compare PyTorch with each ONNX file on ``rows``; raise :class:`ParityError` below ``min_agreement``.

    Agreement is the share of (text, tag) pairs with the same decision at ``thresholds``.
    Returns the report: agreement, flipped pairs and max |Δprob| for each file.
    """
    import numpy as np

    texts = [r["text"] for r in rows]
    contexts = [r.get("context") for r in rows] if use_context else None
    encoded = encoder.encode(texts, contexts)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        ref = _probabilities(lambda arrays: torch.sigmoid(model(**{k: torch.from_numpy(v) for k, v in arrays.items()}).logits).numpy(),
                             encoder, encoded)
    model.train(was_training)
    thr = np.asarray(thresholds, dtype=np.float32)
    report: dict[str, Any] = {"rows": len(rows), "pairs": int(ref.size), "min_agreement": min_agreement}
    failures = []
    for name, path in onnx_paths.items():
        probs = _probabilities(_onnx_forward(Path(path)), encoder, encoded)
        same = (probs >= thr) == (ref >= thr)
        r = {"agreement": round(float(same.mean()), 5), "flipped_pairs": int((~same).sum()),
             "max_abs_prob_diff": round(float(np.abs(probs - ref).max()), 5)}
        report[name] = r
        if r["agreement"] < min_agreement:
            failures.append(f"{name}: {r['agreement']:.4f} < {min_agreement} ({r['flipped_pairs']} flipped pairs)")
    if failures:
        raise ParityError("parity gate failed — decisions differ from PyTorch: " + "; ".join(failures))
    return report


class _quiet_logs:
    def __init__(self, *names: str) -> None:
        self._names = names

    def __enter__(self) -> None:
        self._levels = {n: logging.getLogger(n).level for n in self._names}
        for n in self._names:
            logging.getLogger(n).setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        for n, level in self._levels.items():
            logging.getLogger(n).setLevel(level)


def save_tokenizer(tokenizer: Tokenizer, path: str | PathLike[str]) -> Path:
    """Save a copy of ``tokenizer`` without truncation or padding (the caller's object is not changed)."""
    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_truncation()
    copy.no_padding()
    path = Path(path)
    copy.save(str(path))
    return path


def _check_arguments(model: torch.nn.Module, labels: Sequence[str], config: TaggerConfig) -> int:
    """Fail fast on a config the model cannot honour; return the model's position limit."""
    n_out = getattr(model.config, "num_labels", None)
    if n_out is not None and n_out != len(labels):
        raise ConfigError(f"the model has {n_out} outputs but {len(labels)} labels were given: {list(labels)}")
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions is not None and config.max_length > positions:
        raise ConfigError(f"max_length={config.max_length} exceeds the model's max_position_embeddings={positions}")
    return int(positions) if positions is not None else config.max_length


def embed_graph_metadata(path: str | PathLike[str], labels: Sequence[str], max_positions: int) -> Path:
    """Record the label order and the position limit in the ONNX graph's ``metadata_props`` (weights untouched)."""
    import json

    import onnx

    path = Path(path)
    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    props.update({METADATA_LABELS: json.dumps(list(labels)), METADATA_MAX_POSITIONS: str(int(max_positions)),
                  METADATA_FORMAT: str(FORMAT_VERSION)})
    onnx.helper.set_model_props(model, props)
    onnx.save(model, str(path))
    return path


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
    *,
    optimize: bool = False,
    quantize: bool | str = False,
    parity_rows: Sequence[Mapping[str, Any]] | None = None,
    min_agreement: float = 0.995,
    keep_fp32: bool = False,
) -> Path:
    """Export a multi-label ``BertForSequenceClassification`` (or alike) as a model directory.

    ``labels`` are the model's output columns in order; ``thresholds`` maps each label
    to its decision threshold. ``extra_config`` adds keys to ``tagger_config.json``.
    ``optimize`` fuses the graph, ``quantize`` makes int8 weights; with ``parity_rows``
    (records with ``text`` and optional ``context``) the parity gate runs and raises
    :class:`ParityError` when decisions drift. Returns ``out_dir``.
    """
    out = Path(out_dir)
    placeholder = "0" * 64  # validated now, replaced by the real digest after export
    draft = TaggerConfig(
        labels=list(labels), thresholds=dict(thresholds), onnx_sha256=placeholder, max_length=max_length,
        use_context=use_context, context_max_length=context_max_length, base_model=base_model,
        extra=dict(extra_config or {}),
    )
    max_positions = _check_arguments(model, labels, draft)

    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST_FILE).unlink(missing_ok=True)
    (out / CONFIG_FILE).unlink(missing_ok=True)

    onnx_path = export_onnx(model, out / MODEL_FILE, max_length=max_length)
    quantization: str | None = None
    parity: dict[str, Any] | None = None
    if optimize or quantize:
        fp32 = out / FP32_FILE
        onnx_path.replace(fp32)
        if optimize:
            optimize_onnx(fp32, fp32, model.config)
        final = fp32
        if quantize:
            quantization = quantize if isinstance(quantize, str) else QUANTIZATIONS[0]
            final = quantize_onnx(fp32, out / "model.int8.onnx", quantization)
        if parity_rows is not None:
            encoder = TextEncoder(Tokenizer.from_str(tokenizer.to_str()), max_length, context_max_length)
            candidates = {"onnx_fp32": fp32} | ({"onnx_int8": final} if quantize else {})
            parity = parity_gate(model, encoder, candidates, parity_rows, [thresholds[t] for t in labels],
                                 use_context=use_context, min_agreement=min_agreement)
        final.replace(onnx_path)
        if fp32.exists() and keep_fp32:
            embed_graph_metadata(fp32, labels, max_positions)
        else:
            fp32.unlink(missing_ok=True)
    if not keep_fp32:
        (out / FP32_FILE).unlink(missing_ok=True)  # a stale one from an earlier export would break the manifest
    embed_graph_metadata(onnx_path, labels, max_positions)

    save_tokenizer(tokenizer, out / TOKENIZER_FILE)
    config = TaggerConfig(
        labels=draft.labels, thresholds=draft.thresholds, onnx_sha256=sha256_file(onnx_path),
        max_length=max_length, use_context=use_context, context_max_length=context_max_length,
        quantization=quantization, base_model=base_model, versions=library_versions(),
        extra={"onnx_opset": OPSET, **({"parity": parity} if parity else {}), **draft.extra},
    )
    (out / CARD_FILE).write_text(render_model_card(config), encoding="utf-8")
    config.save(out)
    write_manifest(out)
    return out


def load_checkpoint_model(ckpt: str | PathLike[str]) -> torch.nn.Module:
    """A fine-tuned checkpoint: the mean-pooling tagger of ``training.teacher`` or a HF sequence classifier."""
    from training.teacher import MeanPoolTagger, is_mean_pool_checkpoint

    if is_mean_pool_checkpoint(ckpt):
        return MeanPoolTagger.load(ckpt)
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(ckpt).eval()


def export_checkpoint(checkpoint: str | PathLike[str], out_dir: str | PathLike[str], *, dev: str | PathLike[str] | None = None,
                      optimize: bool = True, quantize: bool | str = True, min_agreement: float = 0.995,
                      keep_fp32: bool = False) -> Path:
    """Export a ``training.finetune`` output directory (weights, tokenizer, tuned thresholds)."""
    import json

    ckpt = Path(checkpoint)
    state = json.loads((ckpt / "training_state.json").read_text(encoding="utf-8"))
    cfg = state["config"]
    labels = state["labels"]
    model = load_checkpoint_model(ckpt)
    tokenizer = Tokenizer.from_file(str(ckpt / "tokenizer.json"))
    rows = None
    if dev:
        with open(dev, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    return export_model_dir(
        model, tokenizer, out_dir, labels, {t: state["thresholds"][t]["threshold"] for t in labels},
        max_length=cfg["max_length"], use_context=cfg["use_context"], context_max_length=cfg["context_max_length"],
        base_model=cfg["base_model"],
        extra_config={"threshold_tuning": {"precision_floor": cfg["precision_floor"], "split": "dev",
                                           "per_label": {t: state["thresholds"][t] for t in labels}},
                      "training": {k: cfg[k] for k in ("epochs", "batch_size", "lr", "seed", "data") if k in cfg} | {
                          "best_epoch_dev_micro_f1": state["summary"]["best_dev_micro@0.5_f1"]}},
        optimize=optimize, quantize=quantize, parity_rows=rows, min_agreement=min_agreement, keep_fp32=keep_fp32,
    )
