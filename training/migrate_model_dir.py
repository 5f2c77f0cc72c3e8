"""Bring a format-1 model directory to format 2, keeping its weights.

    python -m training migrate-model-dir models/accurate [--max-positions 256]

Format 1 recorded the sha256 of ``model.onnx`` only. Format 2 adds ``manifest.json``
(every file) and records the label order and position limit inside the graph's
``metadata_props``. The migration writes exactly those: the graph's nodes and
initializers are not touched (checked), the config gets ``format_version: 2`` and the new
``onnx_sha256``, the model card's checksum line is updated, and the manifest is written.
"""

from __future__ import annotations

import json
import re
from os import PathLike
from pathlib import Path

from feedback_nlp.errors import ModelDirectoryError
from feedback_nlp.model_dir import CARD_FILE, CONFIG_FILE, FORMAT_VERSION, MODEL_FILE, TaggerConfig, sha256_file, write_manifest

__all__ = ["migrate_model_dir", "graph_position_limit"]


def graph_position_limit(model) -> int | None:  # noqa: ANN001 - an onnx.ModelProto
    """Rows of the position-embedding table of a BERT graph (``None`` if there is none by that name)."""
    for init in model.graph.initializer:
        if "position_embeddings" in init.name and len(init.dims) == 2:
            return int(init.dims[0])
    return None


def _weights_digest(model) -> str:  # noqa: ANN001
    import hashlib

    digest = hashlib.sha256()
    for init in model.graph.initializer:
        digest.update(init.SerializeToString())
    for node in model.graph.node:
        digest.update(node.SerializeToString())
    return digest.hexdigest()


def migrate_model_dir(model_dir: str | PathLike[str], *, max_positions: int | None = None) -> TaggerConfig:
    """Migrate ``model_dir`` in place; return its new config. Already format 2: only re-checks it."""
    import onnx

    from feedback_nlp import OnnxTagger
    from training.export import embed_graph_metadata

    root = Path(model_dir)
    raw = json.loads((root / CONFIG_FILE).read_text(encoding="utf-8"))
    if raw.get("format_version") == FORMAT_VERSION:
        OnnxTagger.from_pretrained(root)
        return TaggerConfig.load(root)
    old = TaggerConfig.from_dict(raw)
    if sha256_file(root / MODEL_FILE) != old.onnx_sha256:
        raise ModelDirectoryError(f"{root / MODEL_FILE} does not match the sha256 in its config; refusing to migrate")
    before = onnx.load(str(root / MODEL_FILE))
    positions = max_positions or graph_position_limit(before)
    if positions is None:
        raise ModelDirectoryError(f"cannot find the position-embedding table in {root / MODEL_FILE}; pass --max-positions")
    weights = _weights_digest(before)
    embed_graph_metadata(root / MODEL_FILE, old.labels, positions)
    if _weights_digest(onnx.load(str(root / MODEL_FILE))) != weights:
        raise ModelDirectoryError("the graph changed while adding metadata; restore model.onnx from git")
    new_sha = sha256_file(root / MODEL_FILE)
    data = dict(raw, format_version=FORMAT_VERSION, onnx_sha256=new_sha)
    config = TaggerConfig.from_dict(data)
    config.save(root)
    card = root / CARD_FILE
    card.write_text(re.sub(re.escape(old.onnx_sha256), new_sha, card.read_text(encoding="utf-8")), encoding="utf-8")
    write_manifest(root)
    OnnxTagger.from_pretrained(root)
    return config
