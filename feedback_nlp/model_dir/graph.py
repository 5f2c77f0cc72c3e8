"""Check an opened ONNX graph against its config: I/O names, label order, position limit.

``model.onnx`` carries its own label order and position limit in ``metadata_props``
(written at export), so a config that was edited to permute labels or to raise
``max_length`` beyond what the encoder can embed fails at load with a readable error
instead of tagging with the wrong names or crashing inside ONNX Runtime later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_nlp.errors import ModelDirectoryError
from feedback_nlp.model_dir.config import MIGRATE_HINT, TaggerConfig
from feedback_nlp.model_dir.layout import (
    CONFIG_FILE,
    INPUT_NAMES,
    METADATA_LABELS,
    METADATA_MAX_POSITIONS,
    MODEL_FILE,
    OUTPUT_NAME,
)

__all__ = ["check_graph", "graph_metadata"]


def graph_metadata(session: Any) -> dict[str, str]:
    """The ``metadata_props`` of an ``onnxruntime.InferenceSession``'s model."""
    return dict(session.get_modelmeta().custom_metadata_map)


def check_graph(session: Any, config: TaggerConfig, model_dir: Path | None = None) -> tuple[str, ...]:
    """Validate ``session`` against ``config``; return the graph's input names (the feed).

    Raises :class:`ModelDirectoryError` naming what the config says and what the graph says.
    """
    where = str(model_dir / MODEL_FILE) if model_dir is not None else MODEL_FILE
    inputs = [i.name for i in session.get_inputs()]
    unknown = [name for name in inputs if name not in INPUT_NAMES]
    if unknown or "input_ids" not in inputs:
        raise ModelDirectoryError(
            f"{where} has inputs {inputs}; the contract allows {list(INPUT_NAMES)} (input_ids required)"
        )
    outputs = {o.name: o for o in session.get_outputs()}
    if OUTPUT_NAME not in outputs:
        raise ModelDirectoryError(f"{where} has outputs {list(outputs)}; the contract needs {OUTPUT_NAME!r}")
    shape = outputs[OUTPUT_NAME].shape
    if len(shape) != 2 or (isinstance(shape[1], int) and shape[1] != len(config.labels)):
        raise ModelDirectoryError(
            f"{where} outputs logits of shape {shape}, but the config lists {len(config.labels)} labels"
        )

    meta = graph_metadata(session)
    if METADATA_LABELS not in meta or METADATA_MAX_POSITIONS not in meta:
        raise ModelDirectoryError(
            f"{where} carries no label order / position limit in its metadata ({METADATA_LABELS}, "
            f"{METADATA_MAX_POSITIONS}); it was exported by an older version. Migrate it with: {MIGRATE_HINT}"
        )
    try:
        graph_labels = json.loads(meta[METADATA_LABELS])
        max_positions = int(meta[METADATA_MAX_POSITIONS])
    except (ValueError, TypeError) as e:
        raise ModelDirectoryError(f"{where} has malformed feedback_nlp metadata: {e}") from e
    if graph_labels != list(config.labels):
        raise ModelDirectoryError(
            f"{CONFIG_FILE} lists labels {list(config.labels)}, but {where} was exported with the output columns "
            f"{graph_labels}; the config does not belong to this model (or was edited). Re-export the directory"
        )
    if config.max_length > max_positions:
        raise ModelDirectoryError(
            f"{CONFIG_FILE} sets max_length={config.max_length}, but {where} embeds at most {max_positions} "
            f"positions; set max_length <= {max_positions} (and re-write the manifest) or re-export"
        )
    return tuple(inputs)
