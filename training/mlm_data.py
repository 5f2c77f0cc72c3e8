"""Tokenize the pretraining corpus once into compact arrays (with whole-word ids).

Whole-word masking needs word boundaries; Chinese has none in the text, so jieba
segments each line and every token gets the index of the word it falls in. The
arrays are saved as one ``.npz`` so pretraining (possibly on another machine)
needs neither jieba nor the raw text.
"""

from __future__ import annotations

import numpy as np
from tokenizers import Tokenizer


def word_ids_for(text: str, offsets: list[tuple[int, int]], words: list[str]) -> list[int]:
    """Index of the jieba word containing each token's first character (-1 for specials)."""
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w)
    out, wi = [], 0
    for a, b in offsets:
        if a == b:  # special token
            out.append(-1)
            continue
        while wi + 1 < len(starts) and starts[wi + 1] <= a:
            wi += 1
        out.append(wi)
    return out


def encode_corpus(lines: list[str], tokenizer: Tokenizer, max_length: int = 128, whole_word: bool = True) -> dict[str, np.ndarray]:
    tok = Tokenizer.from_str(tokenizer.to_str())
    tok.enable_truncation(max_length)
    tok.no_padding()
    if whole_word:
        import jieba

        jieba.setLogLevel(60)
    encs = tok.encode_batch(lines)
    ids, wids, lengths = [], [], []
    for line, e in zip(lines, encs):
        ids.extend(e.ids)
        lengths.append(len(e.ids))
        if whole_word:
            w = word_ids_for(line, e.offsets, list(jieba.cut(line)))
            # keep indices small: renumber words within the line
            wids.extend(min(x, 32767) for x in w)
        else:  # every token is its own word; specials (empty offsets) are never masked
            wids.extend(-1 if a == b else j for j, (a, b) in enumerate(e.offsets))
    return {
        "input_ids": np.asarray(ids, dtype=np.uint16 if tok.get_vocab_size() < 65536 else np.int32),
        "word_ids": np.asarray(wids, dtype=np.int16),
        "lengths": np.asarray(lengths, dtype=np.int32),
    }


def save(path, arrays: dict[str, np.ndarray], **meta) -> None:
    np.savez_compressed(path, **arrays, **{f"meta_{k}": np.asarray(v) for k, v in meta.items()})


def load(path) -> tuple[list[np.ndarray], list[np.ndarray], dict]:
    """Return per-line token ids, per-line word ids, and metadata."""
    z = np.load(path)
    # index each array once: every z[...] access decompresses the whole member
    flat_ids, flat_wids = z["input_ids"].astype(np.int64), z["word_ids"].astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(z["lengths"])])
    ids = np.split(flat_ids, bounds[1:-1])
    wids = np.split(flat_wids, bounds[1:-1])
    meta = {k[5:]: z[k].item() for k in z.files if k.startswith("meta_")}
    return ids, wids, meta
