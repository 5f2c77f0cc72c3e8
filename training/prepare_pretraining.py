"""Train the tokenizer on the MLM corpus and pre-tokenize it for pretraining.

    python -m training.prepare_pretraining --corpus data/build/mlm_corpus.txt --out data/build/pretrain
writes ``tokenizer.json`` and ``mlm_data.npz`` (token ids + whole-word ids).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from training import mlm_data
from training.tokenizer import train_tokenizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/build/mlm_corpus.txt")
    ap.add_argument("--out", default="data/build/pretrain")
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--no-whole-word", action="store_true")
    args = ap.parse_args()
    lines = [l for l in Path(args.corpus).read_text(encoding="utf-8").splitlines() if l.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t = time.time()
    tok = train_tokenizer(lines, vocab_size=args.vocab_size)
    tok.save(str(out / "tokenizer.json"))
    arrays = mlm_data.encode_corpus(lines, tok, args.max_length, whole_word=not args.no_whole_word)
    mlm_data.save(out / "mlm_data.npz", arrays, max_length=args.max_length, whole_word=not args.no_whole_word)
    n_unk = int((arrays["input_ids"] == tok.token_to_id("[UNK]")).sum())
    print(json.dumps({"lines": len(lines), "vocab": tok.get_vocab_size(), "tokens": int(arrays["input_ids"].size),
                      "unk_rate": round(n_unk / arrays["input_ids"].size, 5), "seconds": round(time.time() - t, 1)}))


if __name__ == "__main__":
    main()
