"""File names, graph input/output names and graph metadata keys of a model directory (format 2)."""

from __future__ import annotations

__all__ = [
    "FORMAT_VERSION",
    "CONFIG_FILE",
    "MODEL_FILE",
    "TOKENIZER_FILE",
    "CARD_FILE",
    "MANIFEST_FILE",
    "REQUIRED_FILES",
    "INPUT_NAMES",
    "OUTPUT_NAME",
    "METADATA_LABELS",
    "METADATA_MAX_POSITIONS",
    "METADATA_FORMAT",
]

#: 2 = every file covered by ``manifest.json``; label order and position limit inside ``model.onnx``.
FORMAT_VERSION = 2
CONFIG_FILE = "tagger_config.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "README.md"
MANIFEST_FILE = "manifest.json"
REQUIRED_FILES: tuple[str, ...] = (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE, CARD_FILE, MANIFEST_FILE)

#: the graph's inputs (``input_ids`` required) and its one output, ``(batch, n_labels)`` logits
INPUT_NAMES: tuple[str, ...] = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "logits"

# ``metadata_props`` of the ONNX graph, written at export: the config cannot lie about them
METADATA_LABELS = "feedback_nlp.labels"  # JSON list: the output columns, in order
METADATA_MAX_POSITIONS = "feedback_nlp.max_positions"  # int: position embeddings of the encoder
METADATA_FORMAT = "feedback_nlp.format_version"
