"""Train the tokenizer on the MLM corpus and pre-tokenize it for pretraining.

    python -m training prepare-pretraining --corpus data/build/mlm_corpus.txt --out data/build/pretrain
writes ``tokenizer.json`` and ``mlm_data.npz`` (token ids + whole-word ids).
"""

from __future__ import annotations

import time
from pathlib import Path

from training import mlm_data
from training.tokenizer import train_tokenizer


def prepare_pretraining(corpus: str | Path = "data/build/mlm_corpus.txt", out: str | Path = "data/build/pretrain", *,
                        vocab_size: int = 8000, max_length: int = 128, whole_word: bool = True) -> dict:
    """Train the tokenizer on the MLM corpus and encode it for pretraining; return statistics."""
    lines = [line for line in Path(corpus).read_text(encoding="utf-8").splitlines() if line.strip()]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = time.time()
    tok = train_tokenizer(lines, vocab_size=vocab_size)
    tok.save(str(out / "tokenizer.json"))
    arrays = mlm_data.encode_corpus(lines, tok, max_length, whole_word=whole_word)
    mlm_data.save(out / "mlm_data.npz", arrays, max_length=max_length, whole_word=whole_word)
    n_unk = int((arrays["input_ids"] == tok.token_to_id("[UNK]")).sum())
    return {"lines": len(lines), "vocab": tok.get_vocab_size(), "tokens": int(arrays["input_ids"].size),
            "unk_rate": round(n_unk / arrays["input_ids"].size, 5), "seconds": round(time.time() - t, 1)}
