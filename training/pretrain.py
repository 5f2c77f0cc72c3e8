"""Masked-LM pretraining of a compact Chinese BERT (whole-word masking).

Runs on CPU or GPU, writes a checkpoint every ``--save-every`` steps and resumes
from it automatically, reports held-out MLM loss and masked-token accuracy, and
saves the final base model (safetensors + config + tokenizer.json) for fine-tuning.

    python -m training pretrain --data data/build/pretrain --out models/base-zh-mini \
        --layers 4 --hidden 256 --steps 20000
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForMaskedLM

from feedback_nlp.errors import ConfigError
from training import mlm_data
from training.optimizer import adamw


@dataclass
class PretrainConfig:
    data: str = "data/build/pretrain"
    out: str = "models/base-zh-mini"
    layers: int = 4
    hidden: int = 256
    heads: int = 4
    intermediate: int = 1024
    max_position: int = 256
    batch_size: int = 64
    steps: int = 20000
    lr: float = 5e-4
    warmup: int = 1000
    weight_decay: float = 0.01
    mask_prob: float = 0.15
    eval_fraction: float = 0.01
    eval_every: int = 1000
    save_every: int = 1000
    max_minutes: float = 0.0  # stop (and save) after this long; 0 = no limit
    seed: int = 13
    device: str = "auto"
    bf16: bool = True

    def __post_init__(self):
        if self.hidden % self.heads:
            raise ConfigError(f"hidden ({self.hidden}) must be divisible by heads ({self.heads})")
        if not 0 < self.mask_prob < 1:
            raise ConfigError(f"mask_prob must be in (0, 1), got {self.mask_prob}")


class Masker:
    """Whole-word masking: each word is chosen with ``p``; chosen tokens get 80% [MASK], 10% random, 10% kept."""

    def __init__(self, vocab_size: int, mask_id: int, pad_id: int, special_max: int, p: float, rng: np.random.Generator):
        self.vocab_size, self.mask_id, self.pad_id, self.special_max, self.p, self.rng = vocab_size, mask_id, pad_id, special_max, p, rng

    def __call__(self, ids: list[np.ndarray], wids: list[np.ndarray]):
        n, L = len(ids), max(len(x) for x in ids)
        input_ids = np.full((n, L), self.pad_id, dtype=np.int64)
        word = np.full((n, L), -1, dtype=np.int64)
        for i, (a, w) in enumerate(zip(ids, wids)):
            input_ids[i, : len(a)] = a
            word[i, : len(w)] = w
        attn = (input_ids != self.pad_id).astype(np.int64)
        pick_word = self.rng.random((n, word.max() + 2)) < self.p
        chosen = (word >= 0) & pick_word[np.arange(n)[:, None], np.maximum(word, 0)]
        # guarantee at least one masked word (all of its tokens) per sequence
        for i in np.where(~chosen.any(1))[0]:
            words = np.unique(word[i][word[i] >= 0])
            if len(words):
                chosen[i] = word[i] == self.rng.choice(words)
        labels = np.where(chosen, input_ids, -100)
        r = self.rng.random((n, L))
        input_ids = np.where(chosen & (r < 0.8), self.mask_id, input_ids)
        rand_tok = self.rng.integers(self.special_max + 1, self.vocab_size, (n, L))
        input_ids = np.where(chosen & (r >= 0.8) & (r < 0.9), rand_tok, input_ids)
        return torch.from_numpy(input_ids), torch.from_numpy(attn), torch.from_numpy(labels)


@torch.no_grad()
def evaluate(model, ids, wids, masker_args, device, batch_size=256) -> dict:
    model.eval()
    masker = Masker(*masker_args, rng=np.random.default_rng(0))  # fixed masks: comparable across runs
    loss_sum = correct = total = 0.0
    for s in range(0, len(ids), batch_size):
        x, a, y = (t.to(device) for t in masker(ids[s:s + batch_size], wids[s:s + batch_size]))
        logits = model(input_ids=x, attention_mask=a).logits.float()
        m = y != -100
        loss_sum += torch.nn.functional.cross_entropy(logits[m], y[m], reduction="sum").item()
        correct += (logits[m].argmax(-1) == y[m]).sum().item()
        total += m.sum().item()
    model.train()
    return {"mlm_loss": loss_sum / max(total, 1), "mlm_accuracy": correct / max(total, 1), "masked_tokens": int(total)}


def pretrain(cfg: PretrainConfig) -> dict:
    from tokenizers import Tokenizer

    data = Path(cfg.data)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(data / "tokenizer.json"))
    ids, wids, meta = mlm_data.load(data / "mlm_data.npz")
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(len(ids))
    n_eval = max(1, int(len(ids) * cfg.eval_fraction))
    ev = order[:n_eval]
    tr = order[n_eval:]
    ev_ids, ev_wids = [ids[i] for i in ev], [wids[i] for i in ev]

    device = torch.device("cuda" if cfg.device == "auto" and torch.cuda.is_available() else ("cpu" if cfg.device == "auto" else cfg.device))
    torch.manual_seed(cfg.seed)
    torch.set_flush_denormal(True)  # denormals slow CPUs by 10x and more
    bert_cfg = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=cfg.hidden, num_hidden_layers=cfg.layers,
        num_attention_heads=cfg.heads, intermediate_size=cfg.intermediate,
        max_position_embeddings=cfg.max_position, type_vocab_size=2, pad_token_id=tok.token_to_id("[PAD]"),
    )
    model = BertForMaskedLM(bert_cfg).to(device)
    opt = adamw(model, cfg.lr, cfg.weight_decay)

    def lr_at(step: int, elapsed: float) -> float:
        """Linear warmup, then cosine decay to 10%; with a time budget the decay follows the clock."""
        if step < cfg.warmup:
            return cfg.lr * (step + 1) / cfg.warmup
        prog = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        if cfg.max_minutes:
            prog = max(prog, elapsed / (cfg.max_minutes * 60))
        return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, prog))))

    ckpt = out / "checkpoint.pt"
    step, log, elapsed = 0, [], 0.0
    if ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, log, elapsed = state["step"], state["log"], state.get("elapsed", 0.0)
        rng = np.random.default_rng([cfg.seed, step])
        print(f"resumed from step {step}")
    special_max = max(tok.token_to_id(t) for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    masker_args = (tok.get_vocab_size(), tok.token_to_id("[MASK]"), tok.token_to_id("[PAD]"), special_max, cfg.mask_prob)
    masker = Masker(*masker_args, rng=rng)
    use_bf16 = cfg.bf16 and device.type == "cuda"

    def save_checkpoint():
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                    "step": step, "elapsed": elapsed, "log": log, "config": asdict(cfg)}, ckpt.with_suffix(".tmp"))
        shutil.move(ckpt.with_suffix(".tmp"), ckpt)

    t0 = time.time()
    t_last = t0
    model.train()
    running = []
    while step < cfg.steps:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, elapsed)
        batch = rng.choice(tr, cfg.batch_size, replace=False)
        x, a, y = (t.to(device, non_blocking=True) for t in masker([ids[i] for i in batch], [wids[i] for i in batch]))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            loss = model(input_ids=x, attention_mask=a, labels=y).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        running.append(loss.item())
        step += 1
        now = time.time()
        elapsed += now - t_last
        t_last = now
        done = step >= cfg.steps or (cfg.max_minutes and elapsed > cfg.max_minutes * 60)
        if step % cfg.eval_every == 0 or done:
            m = evaluate(model, ev_ids, ev_wids, masker_args, device)
            m.update(step=step, train_loss=float(np.mean(running)), steps_per_s=round(len(running) / (time.time() - t0 + 1e-9), 2), minutes=round(elapsed / 60, 2))
            t0, running = time.time(), []
            log.append(m)
            print(json.dumps(m), flush=True)
        if step % cfg.save_every == 0 or done:
            save_checkpoint()
        if done:
            break

    model.save_pretrained(out)
    tok.save(str(out / "tokenizer.json"))
    result = {"config": asdict(cfg), "final": log[-1] if log else {}, "log": log, "corpus_lines": len(ids),
              "eval_lines": n_eval, "parameters": sum(p.numel() for p in model.parameters())}
    (out / "pretrain_metrics.json").write_text(json.dumps(result, indent=2))
    return result
