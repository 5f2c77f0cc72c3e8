"""``tagger_config.json``: the config of a model directory, a validated dataclass.

See ``docs/model-directory.md``. :class:`TaggerConfig` validates its fields when it is
built (errors echo the bad value); :meth:`TaggerConfig.load` also checks the directory
around it: every contract file present, every file matching ``manifest.json``, every
label a tag of the taxonomy. The graph's own metadata is checked when a session is
opened (:mod:`feedback_nlp.model_dir.graph`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import Any

from feedback_nlp.errors import ChecksumMismatchError, ConfigError, ModelDirectoryError, UnknownTagError
from feedback_nlp.model_dir.layout import CONFIG_FILE, FORMAT_VERSION, MODEL_FILE, REQUIRED_FILES
from feedback_nlp.model_dir.manifest import verify_manifest
from feedback_nlp.taxonomy import TAG_IDS, TAGS_BY_ID

__all__ = ["TaggerConfig", "MIGRATE_HINT"]

MIGRATE_HINT = "python -m training migrate-model-dir DIR (in the repository, with the [train] extra)"

# [CLS] A [SEP] B [SEP]: a pair needs 3 special tokens, and the text at least one token.
_PAIR_SPECIAL_TOKENS = 3
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REQUIRED_KEYS = ("format_version", "labels", "thresholds", "max_length", "onnx_sha256")


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class TaggerConfig:
    """Everything the library needs to run a model besides ``model.onnx`` and ``tokenizer.json``.

    ``labels`` are the model's output columns, in order; ``thresholds`` map each label to
    the probability at or above which the tag is emitted. Keys this version does not know
    are kept in ``extra`` (so a newer writer's config still loads) and written back at
    the top level by :meth:`save`.
    """

    labels: list[str]
    thresholds: dict[str, float]
    onnx_sha256: str
    max_length: int = 128
    use_context: bool = False
    context_max_length: int = 32
    quantization: str | None = None
    base_model: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=_utc_now)
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _is_int(self.format_version) or self.format_version < 1:
            raise ConfigError(f"format_version must be a positive int, got {self.format_version!r}")
        if self.format_version > FORMAT_VERSION:
            raise ConfigError(
                f"format_version {self.format_version} was written by a newer feedback-nlp; this version "
                f"reads format_version {FORMAT_VERSION}. Upgrade: pip install -U feedback-nlp"
            )
        self._check_labels()
        self._check_thresholds()
        self._check_lengths()
        if not isinstance(self.use_context, bool):
            raise ConfigError(f"use_context must be true or false, got {self.use_context!r}")
        if not isinstance(self.onnx_sha256, str) or not _SHA256.fullmatch(self.onnx_sha256):
            raise ConfigError(f"onnx_sha256 must be 64 lower-case hex digits, got {self.onnx_sha256!r}")
        for name in ("quantization", "base_model"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"{name} must be a non-empty string or null, got {value!r}")
        if not isinstance(self.versions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.versions.items()
        ):
            raise ConfigError(f"versions must map package names to version strings, got {self.versions!r}")
        self.versions = dict(self.versions)
        if not isinstance(self.created_at, str) or not self.created_at:
            raise ConfigError(f"created_at must be an ISO 8601 string, got {self.created_at!r}")
        if not isinstance(self.extra, dict):
            raise ConfigError(f"extra must be a dict, got {type(self.extra).__name__}")
        clash = sorted(set(self.extra) & {f.name for f in fields(self)})
        if clash:
            raise ConfigError(f"extra keys {clash} shadow TaggerConfig fields; set the fields directly")

    def _check_labels(self) -> None:
        if isinstance(self.labels, str) or not isinstance(self.labels, (list, tuple)) or not self.labels:
            raise ConfigError(f"labels must be a non-empty list of tag ids, got {self.labels!r}")
        self.labels = list(self.labels)
        if not all(isinstance(x, str) for x in self.labels):
            raise ConfigError(f"labels must be strings, got {self.labels!r}")
        dupes = sorted({x for x in self.labels if self.labels.count(x) > 1})
        if dupes:
            raise ConfigError(f"labels must be unique; repeated: {dupes}")
        unknown = [x for x in self.labels if x not in TAGS_BY_ID]
        if unknown:
            raise UnknownTagError(f"unknown label(s) {unknown} in config; valid tags: {', '.join(TAG_IDS)}")

    def _check_thresholds(self) -> None:
        if not isinstance(self.thresholds, dict):
            raise ConfigError(f"thresholds must map each label to a probability, got {self.thresholds!r}")
        missing = [x for x in self.labels if x not in self.thresholds]
        extra = [x for x in self.thresholds if x not in self.labels]
        if missing or extra:
            raise ConfigError(
                f"thresholds must have exactly one entry per label; missing {missing}, not in labels {extra}"
            )
        for label in self.labels:
            value = self.thresholds[label]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or not 0.0 <= value <= 1.0:
                raise ConfigError(f"thresholds[{label!r}] must be a probability in [0, 1], got {value!r}")
        # in label order, so the dict reads like the model's output columns
        self.thresholds = {label: float(self.thresholds[label]) for label in self.labels}

    def _check_lengths(self) -> None:
        if not _is_int(self.max_length) or self.max_length < 2 * _PAIR_SPECIAL_TOKENS:
            raise ConfigError(f"max_length must be an int >= {2 * _PAIR_SPECIAL_TOKENS}, got {self.max_length!r}")
        if not _is_int(self.context_max_length) or self.context_max_length < 1:
            raise ConfigError(f"context_max_length must be a positive int, got {self.context_max_length!r}")
        if self.use_context and self.context_max_length > self.max_length - _PAIR_SPECIAL_TOKENS - 1:
            raise ConfigError(
                f"context_max_length={self.context_max_length} leaves no room for the text in "
                f"max_length={self.max_length}; it must be <= {self.max_length - _PAIR_SPECIAL_TOKENS - 1}"
            )

    # ---------------------------------------------------------------- (de)serialization

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to ``tagger_config.json`` (``extra`` merged at the top level)."""
        data = asdict(self)
        extra = data.pop("extra")
        ordered = {"format_version": data.pop("format_version")}
        ordered.update(data)
        ordered.update(extra)
        return ordered

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaggerConfig:
        """Build from a parsed ``tagger_config.json``; unknown keys go to ``extra``."""
        if not isinstance(data, dict):
            raise ConfigError(f"the config must be a JSON object, got {type(data).__name__}")
        missing = [k for k in _REQUIRED_KEYS if k not in data]
        if missing:
            raise ConfigError(f"missing required key(s) {missing}")
        known = {f.name for f in fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs, extra=extra)

    def save(self, model_dir: str | PathLike[str]) -> Path:
        """Write ``tagger_config.json`` into ``model_dir`` (created if needed); return its path."""
        path = Path(model_dir) / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, model_dir: str | PathLike[str], *, verify: bool = True) -> TaggerConfig:
        """Read ``model_dir/tagger_config.json`` and check the directory against the contract.

        Raises :class:`ModelDirectoryError` for a missing directory or file, a malformed
        config or an older format, :class:`ChecksumMismatchError` when a file differs
        from ``manifest.json`` (skipped with ``verify=False``), and
        :class:`UnknownTagError` for a label the taxonomy does not know.
        """
        root = Path(model_dir)
        if not root.is_dir():
            raise ModelDirectoryError(f"model directory {str(root)!r} does not exist or is not a directory")
        missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
        if missing and missing != ["manifest.json"]:
            raise ModelDirectoryError(
                f"model directory {str(root)!r} is missing {', '.join(missing)}; a model directory holds "
                f"{', '.join(REQUIRED_FILES)} (see docs/model-directory.md; `python -m training export` writes one)"
            )
        config_path = root / CONFIG_FILE
        try:
            data = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelDirectoryError(f"cannot read {config_path}: {e}") from e
        if isinstance(data, dict) and _is_int(data.get("format_version")) and 0 < data["format_version"] < FORMAT_VERSION:
            raise ModelDirectoryError(
                f"{config_path} has format_version {data['format_version']} (no manifest, no label order in the "
                f"graph); this version reads format_version {FORMAT_VERSION}. Migrate it with: {MIGRATE_HINT}"
            )
        if missing:
            raise ModelDirectoryError(
                f"model directory {str(root)!r} is missing manifest.json; a model directory holds "
                f"{', '.join(REQUIRED_FILES)} (see docs/model-directory.md; `python -m training export` writes one)"
            )
        try:
            config = cls.from_dict(data)
        except UnknownTagError as e:
            raise UnknownTagError(f"{config_path}: {e}") from e
        except (ConfigError, TypeError) as e:
            raise ModelDirectoryError(f"malformed {config_path}: {e}") from e
        if verify:
            listed = verify_manifest(root)
            if listed[MODEL_FILE] != config.onnx_sha256:
                raise ChecksumMismatchError(
                    f"{root / MODEL_FILE} has sha256 {listed[MODEL_FILE]}, but {CONFIG_FILE} records "
                    f"{config.onnx_sha256}; the model file was changed or replaced. Re-export the directory"
                )
        return config
