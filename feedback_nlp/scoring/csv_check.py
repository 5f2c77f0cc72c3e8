"""Read a scoring CSV once in Python before DuckDB loads it, so a broken file gets its real cause.

DuckDB's CSV sniffer guesses the dialect: a file with a BOM, ragged rows or GBK bytes can
come out as one odd column ("missing column(s)"), as zero rows, or as a sniffing
traceback. :func:`check_csv` streams the file with the ``csv`` module (any mix of CRLF
and LF) and reports, with line numbers, what makes it unusable: bytes that are not UTF-8,
binary data, rows whose field count differs from the header's, a header that is not
comma-separated. DuckDB then reads it with that header and no guessing
(:func:`read_csv_sql`), and the row counts of both readers must agree.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from feedback_nlp.scoring.schema import MAX_ROWS_PER_PROBLEM, Problem

__all__ = ["CsvShape", "check_csv", "read_csv_sql"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long review texts are legitimate fields


@dataclass
class CsvShape:
    """The header, the number of data rows and the problems of one CSV file."""

    header: list[str]
    rows: int
    problems: list[Problem] = field(default_factory=list)


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


_CHUNK = 1 << 20


def _undecodable(path: Path) -> str | None:
    """Why the bytes are not UTF-8 text (NUL bytes, invalid UTF-8), naming the first bad line; else None.

    One pass in chunks with C-speed searches and an incremental decoder.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0  # newlines in the chunks already scanned
    with _open(path) as stream:
        while chunk := stream.read(_CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = lines_before + chunk.count(b"\n", 0, nul) + 1
                return f"binary data (NUL bytes): this is not a CSV text file; first at line {line}"
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return _not_utf8(path, lines_before + chunk.count(b"\n") + 1)
            lines_before += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _not_utf8(path, lines_before + 1)
    return None


def _not_utf8(path: Path, last_line: int) -> str:
    """The message for the first line (at most ``last_line``) that is not UTF-8, with a GBK hint when it fits."""
    with _open(path) as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                hint = ""
                try:
                    raw.decode("gb18030")
                    hint = " (it decodes as GBK/GB18030: re-save the file as UTF-8, e.g. iconv -f GB18030 -t UTF-8)"
                except UnicodeDecodeError:
                    pass
                return f"not UTF-8 text{hint}; first at line {number} (byte 0x{raw[e.start]:02x} at column {e.start + 1})"
            if number >= last_line:
                break
    return f"not UTF-8 text; first near line {last_line}"  # a sequence cut at the end of the file


def check_csv(path: Path, label: str) -> CsvShape:
    """Stream ``path`` (``.csv`` or ``.csv.gz``); ``label`` names the file in problems."""
    header: list[str] = []
    rows = 0
    ragged: list[tuple[int, int, int]] = []  # (data row, line, fields)
    n_ragged = 0
    try:
        unusable = _undecodable(path)
        if unusable is not None:
            return CsvShape([], 0, [Problem(label, "", unusable)])
        with _open(path) as raw_stream, io.TextIOWrapper(raw_stream, encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            try:
                header = next(reader, [])
                if not header:
                    return CsvShape([], 0, [Problem(label, "", "the file is empty: a CSV header row is required")])
                for fields in reader:
                    if not fields:
                        continue  # blank line: DuckDB skips it too
                    rows += 1
                    if len(fields) != len(header):
                        n_ragged += 1
                        if len(ragged) < MAX_ROWS_PER_PROBLEM:
                            ragged.append((rows, reader.line_num, len(fields)))
            except csv.Error as e:
                return CsvShape(header, rows, [Problem(label, "", f"malformed CSV at line {reader.line_num}: {e}")])
    except (OSError, EOFError) as e:  # unreadable, or a truncated .gz
        return CsvShape(header, rows, [Problem(label, "", f"cannot read the file: {e}")])
    problems = []
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        problems.append(Problem(label, "", f"the header {header[0]!r} is one column: the file must be comma-separated"))
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(Problem(label, ", ".join(duplicated), "column name appears more than once in the header"))
    if n_ragged:
        problems.append(Problem(
            label, "", f"row has a different number of fields than the header ({len(header)})",
            tuple(r for r, _, _ in ragged), tuple(f"line {line}: {n} fields" for _, line, n in ragged), n_ragged,
        ))
    return CsvShape(header, rows, problems)


def read_csv_sql(path: Path, header: list[str]) -> str:
    """``read_csv(...)`` of a checked file: RFC 4180 with the given header, every column text, no sniffing."""
    def lit(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    return (f"read_csv({lit(str(path))}, header=true, auto_detect=false, columns={columns}, delim=',', quote='\"', "
            "escape='\"', strict_mode=false)")
