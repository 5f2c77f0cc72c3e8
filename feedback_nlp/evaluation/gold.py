"""Read a labeled JSONL file (the record format of the labeling guide) with skipped-row accounting.

One JSON object per line: ``id``, ``text``, ``labels`` (list of tag ids, possibly empty),
optional ``context``. Every other scalar field (``kind``, ``channel``, ``domain``,
``category``, ...) becomes a *slice*: metrics are reported per value of it. A field with
more than :data:`MAX_SLICE_VALUES` distinct values (free text, per-row ids) is not a
slice; the report lists it under ``ignored_fields``.

When a ``kind`` field exists, a derived slice ``trap`` is added: ``"true"`` for texts of a
no-tag trap kind (:data:`TRAP_KINDS`, or ``kind == "context"`` with empty labels), else
``"false"``. The false-positive rate on ``trap=true`` is then reported directly.

A row that cannot be used is never silently dropped: it is kept as a
:class:`SkippedRow` with its 1-based line number and the reason. Blank lines are
not rows.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.taxonomy import TAG_IDS, TAGS_BY_ID
from feedback_nlp.model_dir import sha256_file
from feedback_nlp.text_validity import json_unencodable

__all__ = [
    "GoldRecord",
    "SkippedRow",
    "GoldData",
    "read_gold",
    "parse_gold_lines",
    "TRAP_KINDS",
    "MAX_SLICE_VALUES",
    "CORE_FIELDS",
]

#: ``kind`` values whose texts carry no tag by construction (see the labeling guide's rules 1, 2, 5, 11).
TRAP_KINDS: frozenset[str] = frozenset(
    {"praise_in_complaint_words", "negation", "question_request", "neutral_fact", "lukewarm"}
)
CORE_FIELDS: tuple[str, ...] = ("id", "text", "labels", "context")
MAX_SLICE_VALUES = 50
_RAW_CHARS = 200


@dataclass(frozen=True)
class GoldRecord:
    """One usable labeled row. ``labels`` are in taxonomy order, deduplicated."""

    line: int
    id: str
    text: str
    labels: tuple[str, ...]
    context: str | None = None
    slices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "raw": self.raw}


@dataclass
class GoldData:
    """The usable records of a file, the skipped rows, and what slices were found."""

    path: str
    sha256: str | None
    records: list[GoldRecord]
    skipped: list[SkippedRow]
    rows_read: int
    slice_fields: list[str]
    ignored_fields: list[str]

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        """Count of skipped rows per reason kind (the text before the first colon)."""
        counts = Counter(s.reason.split(":")[0] for s in self.skipped)
        return dict(sorted(counts.items()))


def _clip(raw: str) -> str:
    return raw if len(raw) <= _RAW_CHARS else raw[:_RAW_CHARS] + "…"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _slice_value(value: Any) -> str | None:
    """A scalar field as a slice value; ``None`` for lists/objects (not slices)."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _check_row(number: int, line: str, seen_ids: dict[str, int]) -> tuple[dict[str, Any] | None, str | None]:
    """(parsed object, None) for a usable row, else (None, reason)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return None, f"invalid JSON: {e.msg} (column {e.colno})"
    if not isinstance(obj, dict):
        return None, f"not an object: the row is a JSON {_type_name(obj)}"
    problem = json_unencodable(obj)
    if problem is not None:  # it could reach neither the tokenizer nor the report files
        return None, f"not Unicode: the row holds {problem} (a JSON escape such as \\udc80)"
    if "text" not in obj:
        return None, "missing text: no field 'text'"
    if not isinstance(obj["text"], str):
        return None, f"bad text: field 'text' is {_type_name(obj['text'])}, expected a string"
    if not obj["text"].strip():
        return None, "missing text: field 'text' is blank"
    if "labels" not in obj:
        return None, "missing labels: no field 'labels' (use [] for feedback with no tag)"
    labels = obj["labels"]
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return None, f"bad labels: field 'labels' must be a list of tag ids, got {json.dumps(labels, ensure_ascii=False)}"
    unknown = [x for x in labels if x not in TAGS_BY_ID]
    if unknown:
        return None, f"unknown tag: {', '.join(map(repr, unknown))} (valid tags: {', '.join(TAG_IDS)})"
    context = obj.get("context")
    if context is not None and not isinstance(context, str):
        return None, f"bad context: field 'context' is {_type_name(context)}, expected a string or null"
    row_id = obj.get("id")
    if row_id is not None and (isinstance(row_id, bool) or not isinstance(row_id, (str, int))):
        return None, f"bad id: field 'id' is {_type_name(row_id)}, expected a string or an integer"
    key = str(number if row_id is None else row_id)
    if key in seen_ids:
        return None, f"duplicate id: {key!r} was first used on line {seen_ids[key]}"
    seen_ids[key] = number
    return obj, None


def parse_gold_lines(lines: Any, path: str = "<lines>", sha256: str | None = None) -> GoldData:
    """Parse an iterable of ``bytes`` or ``str`` lines (see :func:`read_gold`)."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    skipped: list[SkippedRow] = []
    seen_ids: dict[str, int] = {}
    rows_read = 0
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                rows_read += 1
                skipped.append(SkippedRow(number, "not UTF-8: the line is not valid UTF-8",
                                          _clip(raw.decode("utf-8", errors="replace").rstrip("\r\n"))))
                continue
        else:
            line = raw.lstrip("\ufeff") if number == 1 else raw
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        rows_read += 1
        obj, reason = _check_row(number, line, seen_ids)
        if obj is None:
            skipped.append(SkippedRow(number, reason or "invalid row", _clip(line)))
        else:
            parsed.append((number, obj))

    # slice fields: scalar extra fields with few distinct values, in first-seen order
    values: dict[str, set[str]] = {}
    non_scalar: set[str] = set()
    for _, obj in parsed:
        for key, value in obj.items():
            if key in CORE_FIELDS:
                continue
            sv = _slice_value(value)
            if sv is None:
                non_scalar.add(key)
            values.setdefault(key, set())
            if sv is not None:
                values[key].add(sv)
    slice_fields = [k for k, v in values.items() if k not in non_scalar and 0 < len(v) <= MAX_SLICE_VALUES]
    ignored = sorted(k for k in values if k not in slice_fields)
    has_kind = "kind" in slice_fields

    records = []
    for number, obj in parsed:
        labels = tuple(t for t in TAG_IDS if t in set(obj["labels"]))
        slices = {k: _slice_value(obj.get(k)) or "(none)" for k in slice_fields}
        if has_kind:
            kind = obj.get("kind")
            slices["trap"] = "true" if kind in TRAP_KINDS or (kind == "context" and not labels) else "false"
        records.append(GoldRecord(
            line=number,
            id=str(number if obj.get("id") is None else obj["id"]),
            text=obj["text"],
            labels=labels,
            context=obj.get("context"),
            slices=slices,
        ))
    if has_kind:
        slice_fields = slice_fields + ["trap"]
    return GoldData(path, sha256, records, skipped, rows_read, slice_fields, ignored)


def read_gold(path: str | PathLike[str]) -> GoldData:
    """Read a labeled JSONL file; unusable rows are listed in ``skipped`` with line and reason.

    Raises :class:`~feedback_nlp.errors.InvalidInputError` when the file cannot be read or
    has no valid row.
    """
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"data file {str(p)!r} does not exist or is not a file")
    try:
        with open(p, "rb") as f:
            data = parse_gold_lines(f, path=str(path), sha256=None)
        data.sha256 = sha256_file(p)
    except OSError as e:
        raise InvalidInputError(f"cannot read data file {str(p)!r}: {e}") from e
    if not data.records:
        first = "; ".join(f"line {s.line}: {s.reason}" for s in data.skipped[:3])
        more = f" (and {len(data.skipped) - 3} more)" if len(data.skipped) > 3 else ""
        detail = f"{data.rows_read} row(s) read, all skipped — {first}{more}" if data.rows_read else "the file is empty"
        raise InvalidInputError(
            f"{str(p)!r} has no valid labeled row: {detail}. Each line must be a JSON object with "
            "'text' (a non-blank string) and 'labels' (a list of tag ids, [] for none)"
        )
    return data
