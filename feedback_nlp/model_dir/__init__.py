"""The model-directory contract, written by ``training`` and read by the library.

A model directory (format 2, ``docs/model-directory.md``) holds:

- ``model.onnx`` — inputs ``input_ids`` / ``attention_mask`` / ``token_type_ids``, output
  ``logits`` ``(batch, n_labels)``; its ``metadata_props`` record the label order and the
  position limit (:mod:`~feedback_nlp.model_dir.layout`);
- ``tokenizer.json`` — no truncation or padding baked in;
- ``tagger_config.json`` — :class:`TaggerConfig` (labels, thresholds, lengths, versions);
- ``README.md`` — the model card (:mod:`~feedback_nlp.model_dir.card`);
- ``manifest.json`` — sha256 of every other file (:mod:`~feedback_nlp.model_dir.manifest`).

Shipped models are found by name (:mod:`~feedback_nlp.model_dir.shipped`).
"""

from __future__ import annotations

from feedback_nlp.model_dir.config import MIGRATE_HINT, TaggerConfig
from feedback_nlp.model_dir.layout import (
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
    REQUIRED_FILES,
    TOKENIZER_FILE,
)
from feedback_nlp.model_dir.manifest import hash_directory, sha256_file, verify_manifest, write_manifest
from feedback_nlp.model_dir.shipped import (
    DEFAULT_MODEL,
    MODEL_ENV_VAR,
    available_models,
    resolve_model_dir,
    shipped_model_dir,
)

__all__ = [
    "TaggerConfig", "MIGRATE_HINT",
    "FORMAT_VERSION", "CONFIG_FILE", "MODEL_FILE", "TOKENIZER_FILE", "CARD_FILE", "MANIFEST_FILE", "REQUIRED_FILES",
    "INPUT_NAMES", "OUTPUT_NAME", "METADATA_LABELS", "METADATA_MAX_POSITIONS", "METADATA_FORMAT",
    "sha256_file", "hash_directory", "write_manifest", "verify_manifest",
    "MODEL_ENV_VAR", "DEFAULT_MODEL", "available_models", "shipped_model_dir", "resolve_model_dir",
]
