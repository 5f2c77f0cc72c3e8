"""Read feedback rows from ``.txt`` / ``.jsonl`` / ``.csv`` streams, row errors kept apart.

Each reader yields :class:`Row` for a usable row and :class:`RowError` for a malformed
one (bad JSON, missing or non-string ``text``, undecodable bytes, wrong field count), so
one bad line never stops a file. Line numbers are 1-based physical lines of the input.
Blank lines are skipped and not counted.

- ``txt``: one text per line; the id is the line number.
- ``jsonl``: one JSON object per line with ``text`` (a string), optional ``id`` and
  ``context`` (string or null); other fields are ignored. A missing id becomes the line number.
  A lone surrogate escape (``"\\udc80"``) in text, context or id makes the row an error.
- ``csv``: a header row with a ``text`` column, optional ``id`` and ``context`` columns.
  An empty cell is an empty value (empty text gets status ``empty``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.text_validity import json_unencodable

__all__ = ["Row", "RowError", "InputFormat", "FORMATS", "format_from_suffix", "read_rows", "read_lines"]

InputFormat = Literal["txt", "jsonl", "csv"]
FORMATS: tuple[str, ...] = ("txt", "jsonl", "csv")
_RAW_CHARS = 200


@dataclass(frozen=True)
class Row:
    line: int
    id: Any
    text: str | None
    context: str | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "raw": self.raw}


def format_from_suffix(name: str) -> InputFormat | None:
    """``"txt"`` / ``"jsonl"`` / ``"csv"`` from a file name's suffix, else ``None``."""
    lower = name.lower()
    for fmt in FORMATS:
        if lower.endswith("." + fmt):
            return fmt  # type: ignore[return-value]
    return None


def read_rows(stream: IO[bytes], fmt: InputFormat) -> Iterator[Row | RowError]:
    """Rows of a binary stream in the given format (UTF-8; a leading BOM is ignored)."""
    if fmt == "txt":
        return _read_txt(_decoded_lines(stream))
    if fmt == "jsonl":
        return _read_jsonl(_decoded_lines(stream))
    if fmt == "csv":
        return _read_csv(stream)
    raise InvalidInputError(f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read_lines(lines: Iterable[tuple[int, str]], fmt: InputFormat) -> Iterator[Row | RowError]:
    """Rows of already decoded ``(line number, line)`` pairs in ``txt`` or ``jsonl`` format.

    For readers that split a file themselves (the Spark engine); the rules are those of :func:`read_rows`.
    """
    decoded = ((number, line, line.encode("utf-8")) for number, line in lines)
    if fmt == "txt":
        return _read_txt(decoded)
    if fmt == "jsonl":
        return _read_jsonl(decoded)
    raise InvalidInputError(f"line-wise reading supports txt and jsonl, not {fmt!r}")


def _clip(raw: str) -> str:
    return raw if len(raw) <= _RAW_CHARS else raw[:_RAW_CHARS] + "…"


def _decoded_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None, bytes]]:
    """(line number, decoded line without its newline or None if not UTF-8, raw bytes)."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            text = None
        yield number, text, raw


def _not_utf8(number: int, raw: bytes) -> RowError:
    return RowError(number, "line is not valid UTF-8", _clip(raw.decode("utf-8", errors="replace").rstrip("\r\n")))


def _read_txt(lines: Iterable[tuple[int, str | None, bytes]]) -> Iterator[Row | RowError]:
    for number, text, raw in lines:
        if text is None:
            yield _not_utf8(number, raw)
        elif text.strip():
            yield Row(number, number, text)


def _type_name(value: Any) -> str:
    return "null" if value is None else {dict: "object", list: "array", bool: "boolean", str: "string"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _read_jsonl(lines: Iterable[tuple[int, str | None, bytes]]) -> Iterator[Row | RowError]:
    for number, line, raw in lines:
        if line is None:
            yield _not_utf8(number, raw)
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield RowError(number, f"invalid JSON: {e.msg} (column {e.colno})", _clip(line))
            continue
        if not isinstance(obj, dict):
            yield RowError(number, f"row is a JSON {_type_name(obj)}, expected an object with a 'text' field", _clip(line))
            continue
        if "text" not in obj:
            yield RowError(number, "missing field 'text'", _clip(line))
            continue
        text, context = obj["text"], obj.get("context")
        if not isinstance(text, str):
            yield RowError(number, f"field 'text' is {_type_name(text)}, expected a string", _clip(line))
            continue
        if context is not None and not isinstance(context, str):
            yield RowError(number, f"field 'context' is {_type_name(context)}, expected a string or null", _clip(line))
            continue
        row_id = obj.get("id")
        bad = next(((f, p) for f in ("text", "context", "id") if (p := json_unencodable(obj.get(f))) is not None), None)
        if bad is not None:
            yield RowError(number, f"field {bad[0]!r} is not valid Unicode text: it holds {bad[1]}", _clip(line))
            continue
        yield Row(number, number if row_id is None else row_id, text, context)


def _read_csv(stream: IO[bytes]) -> Iterator[Row | RowError]:
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text_stream)
        try:
            header = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as e:
            raise InvalidInputError(f"cannot read the CSV header: {e}") from e
        names = [h.strip() for h in header]
        if "text" not in names:
            raise InvalidInputError(f"the CSV header {names} has no 'text' column; add one (id and context are optional)")
        i_text = names.index("text")
        i_id = names.index("id") if "id" in names else None
        i_ctx = names.index("context") if "context" in names else None
        start = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield RowError(start, f"malformed CSV: {e}", "")
                start = reader.line_num + 1
                continue
            except UnicodeDecodeError as e:
                raise InvalidInputError(f"the CSV file is not valid UTF-8 near line {start}: {e}") from e
            number, start = start, reader.line_num + 1
            if not fields:
                continue
            raw = _clip(",".join(fields))
            if len(fields) != len(names):
                yield RowError(number, f"row has {len(fields)} fields, the header has {len(names)}", raw)
                continue
            row_id = fields[i_id] if i_id is not None and fields[i_id] != "" else number
            context = fields[i_ctx] if i_ctx is not None and fields[i_ctx] != "" else None
            yield Row(number, row_id, fields[i_text], context)
    finally:
        text_stream.detach()
