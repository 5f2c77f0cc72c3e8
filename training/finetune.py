"""Fine-tune a BERT-family base as the multi-label negative-feedback tagger.

    python -m training finetune --config training/configs/default.json
    python -m training finetune --base-model hfl/chinese-roberta-wwm-ext

Sigmoid/BCE over the 14 tags, optional product context as the second segment (encoded
by the library's own :class:`feedback_nlp.tagging.encoding.TextEncoder`, so training and
inference see identical inputs), positive-class weighting for rare tags, early
stopping on dev, fixed seeds, metrics logged per epoch, and per-tag thresholds tuned
on dev for maximum recall at a precision floor. Writes a PyTorch checkpoint
directory that ``training.export`` turns into a model directory.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from feedback_nlp.errors import ConfigError
from feedback_nlp.tagging.encoding import TextEncoder
from feedback_nlp.taxonomy import TAG_IDS
from training.optimizer import adamw
from training.thresholds import tune_thresholds

TRAINING_STATE = "training_state.json"


#: the config file ``python -m training finetune`` reads when given none
DEFAULT_CONFIG = Path(__file__).resolve().parent / "configs" / "default.json"


@dataclass
class FinetuneConfig:
    """Training arguments; validated on creation, errors echo the bad value."""

    base_model: str = "models/base-zh-mini"
    data: str = "data/build/dataset"
    out: str = "runs/finetune"
    max_length: int = 128
    context_max_length: int = 32
    use_context: bool = True
    epochs: int = 12
    batch_size: int = 32
    lr: float = 2e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_pos_weight: float = 8.0
    patience: int = 3
    precision_floor: float = 0.9
    min_threshold_support: int = 15
    seed: int = 42
    threads: int = 0  # 0 = torch default
    device: str = "auto"  # auto = cuda when available
    max_train_examples: int = 0  # 0 = all (small values make smoke runs)
    dropout: float = 0.1
    labels: list[str] = field(default_factory=lambda: list(TAG_IDS))

    def __post_init__(self):
        for name in ("epochs", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be ≥ 1, got {getattr(self, name)!r}")
        if not 0 < self.precision_floor <= 1:
            raise ConfigError(f"precision_floor must be in (0, 1], got {self.precision_floor!r}")
        if not 0 < self.lr < 1:
            raise ConfigError(f"lr must be in (0, 1), got {self.lr!r}")
        if self.context_max_length >= self.max_length:
            raise ConfigError(f"context_max_length ({self.context_max_length}) must be < max_length ({self.max_length})")
        unknown = set(self.labels) - set(TAG_IDS)
        if unknown:
            raise ConfigError(f"unknown labels {sorted(unknown)}; valid: {', '.join(TAG_IDS)}")

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> FinetuneConfig:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.update({k: v for k, v in overrides.items() if v is not None})
        names = {f.name for f in dataclasses.fields(cls)}
        bad = set(data) - names
        if bad:
            raise ConfigError(f"unknown config keys {sorted(bad)} in {path}; valid: {', '.join(sorted(names))}")
        return cls(**data)


def set_seed(seed: int) -> None:
    # tiny gradients late in training turn into denormals, which slow x86 CPUs by 10x and more
    torch.set_flush_denormal(True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_base_tokenizer(base: str) -> Tokenizer:
    """``tokenizer.json`` of a local base, else the fast tokenizer of a Hugging Face checkpoint."""
    p = Path(base)
    if (p / "tokenizer.json").exists() and not (p / "tokenizer_config.json").exists():
        return Tokenizer.from_file(str(p / "tokenizer.json"))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base).backend_tokenizer


def read_split(data: str | Path, split: str) -> list[dict]:
    with open(Path(data) / f"{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def label_matrix(rows: list[dict], labels: list[str]) -> np.ndarray:
    y = np.zeros((len(rows), len(labels)), dtype=np.float32)
    index = {t: j for j, t in enumerate(labels)}
    for i, r in enumerate(rows):
        for t in r["labels"]:
            if t in index:
                y[i, index[t]] = 1
    return y


class Batches:
    """Length-bucketed batches: sorted chunks of 50 batches, shuffled, padded per batch."""

    def __init__(self, encoder: TextEncoder, rows: list[dict], y: np.ndarray, use_context: bool):
        self.encoder = encoder
        self.enc = encoder.encode([r["text"] for r in rows], [r.get("context") for r in rows] if use_context else None)
        self.y = y

    def _make(self, idx, arrays=None):
        arrays = arrays if arrays is not None else self.encoder.pad([self.enc[i] for i in idx])
        return {k: torch.from_numpy(v) for k, v in arrays.items()}, torch.from_numpy(self.y[idx])

    def epoch(self, batch_size: int, rng: np.random.Generator):
        idx = rng.permutation(len(self.enc))
        chunk = batch_size * 50
        batches = []
        for s in range(0, len(idx), chunk):
            part = sorted(idx[s:s + chunk], key=lambda i: len(self.enc[i].ids))
            batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
        rng.shuffle(batches)
        for b in batches:
            yield self._make(np.asarray(b))

    def ordered(self, batch_size: int):
        for idx, arrays in self.encoder.batches(self.enc, batch_size):
            idx = np.asarray(idx)
            yield idx, self._make(idx, arrays)


@torch.no_grad()
def predict_proba(model, batches: Batches, batch_size: int = 128) -> np.ndarray:
    model.eval()
    device = next(model.parameters()).device
    out = np.zeros(batches.y.shape, dtype=np.float32)
    for idx, (x, _) in batches.ordered(batch_size):
        x = {k: v.to(device) for k, v in x.items()}
        out[idx] = torch.sigmoid(model(**x).logits).float().cpu().numpy()
    return out


def micro_prf(probs: np.ndarray, y: np.ndarray, thresholds: np.ndarray | float) -> dict:
    pred = probs >= thresholds
    tp = float((pred & (y > 0)).sum())
    p = tp / max(float(pred.sum()), 1.0)
    r = tp / max(float(y.sum()), 1.0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4)}


def finetune(cfg: FinetuneConfig, log=print) -> Path:
    from transformers import AutoModelForSequenceClassification

    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    labels = list(cfg.labels)
    tokenizer = load_base_tokenizer(cfg.base_model)
    encoder = TextEncoder(tokenizer, cfg.max_length, cfg.context_max_length)
    train_rows, dev_rows = read_split(cfg.data, "train"), read_split(cfg.data, "dev")
    if cfg.max_train_examples:
        train_rows = train_rows[: cfg.max_train_examples]
    y_train, y_dev = label_matrix(train_rows, labels), label_matrix(dev_rows, labels)
    train = Batches(encoder, train_rows, y_train, cfg.use_context)
    dev = Batches(encoder, dev_rows, y_dev, cfg.use_context)

    model = AutoModelForSequenceClassification.from_pretrained(
        cfg.base_model, num_labels=len(labels), problem_type="multi_label_classification",
        id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)},
        hidden_dropout_prob=cfg.dropout, attention_probs_dropout_prob=cfg.dropout,
    )
    device = torch.device("cuda" if cfg.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if cfg.device == "auto" else cfg.device))
    model.to(device)
    if model.config.max_position_embeddings < cfg.max_length:
        raise ConfigError(f"max_length {cfg.max_length} > base model positions {model.config.max_position_embeddings}")
    pos = y_train.sum(0)
    pos_weight = torch.tensor(np.clip(np.sqrt((len(y_train) - pos) / np.maximum(pos, 1)), 1.0, cfg.max_pos_weight), dtype=torch.float32, device=device)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = adamw(model, cfg.lr, cfg.weight_decay)
    steps_per_epoch = (len(train_rows) + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))

    rng = np.random.default_rng(cfg.seed)
    best_f1, best_state, bad_epochs, history = -1.0, None, 0, []
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.time()
        model.train()
        losses = []
        for x, y in train.epoch(cfg.batch_size, rng):
            x, y = {k: v.to(device) for k, v in x.items()}, y.to(device)
            loss = loss_fn(model(**x).logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
        probs = predict_proba(model, dev)
        dev_loss = float(torch.nn.functional.binary_cross_entropy(torch.from_numpy(probs).clamp(1e-6, 1 - 1e-6), torch.from_numpy(y_dev)))
        m = {"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4), "dev_loss": round(dev_loss, 4),
             "dev_micro@0.5": micro_prf(probs, y_dev, 0.5), "seconds": round(time.time() - t0, 1)}
        history.append(m)
        log(json.dumps(m))
        f1 = m["dev_micro@0.5"]["f1"]
        if f1 > best_f1:
            best_f1, bad_epochs = f1, 0
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
            if bad_epochs >= cfg.patience:
                log(f"early stop: dev micro-F1 did not improve for {cfg.patience} epochs")
                break
    model.load_state_dict(best_state)
    model.cpu()
    probs = predict_proba(model, dev)
    choices = tune_thresholds(probs, y_dev, labels, cfg.precision_floor, cfg.min_threshold_support)
    thr = np.array([choices[t].threshold for t in labels], dtype=np.float32)
    summary = {"best_dev_micro@0.5_f1": best_f1, "dev_micro@tuned": micro_prf(probs, y_dev, thr)}
    log(json.dumps(summary))
    model.save_pretrained(out)
    tokenizer.save(str(out / "tokenizer.json"))
    state = {"config": asdict(cfg), "labels": labels, "history": history, "summary": summary,
             "thresholds": {t: dataclasses.asdict(c) for t, c in choices.items()},
             "pos_weight": dict(zip(labels, [round(float(w), 3) for w in pos_weight.cpu()])),
             "train_examples": len(train_rows), "dev_examples": len(dev_rows)}
    (out / TRAINING_STATE).write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
    return out


def retune_thresholds(checkpoint: str | Path, precision_floor: float | None = None, log=print) -> dict:
    """Re-tune the thresholds of a fine-tuned checkpoint on dev (no retraining) and update its state file."""
    from transformers import AutoModelForSequenceClassification

    ckpt = Path(checkpoint)
    state = json.loads((ckpt / TRAINING_STATE).read_text(encoding="utf-8"))
    cfg = FinetuneConfig(**state["config"])
    if precision_floor is not None:
        cfg.precision_floor = precision_floor
    labels = state["labels"]
    encoder = TextEncoder(Tokenizer.from_file(str(ckpt / "tokenizer.json")), cfg.max_length, cfg.context_max_length)
    dev_rows = read_split(cfg.data, "dev")
    y_dev = label_matrix(dev_rows, labels)
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, dtype=torch.float32)
    probs = predict_proba(model, Batches(encoder, dev_rows, y_dev, cfg.use_context))
    choices = tune_thresholds(probs, y_dev, labels, cfg.precision_floor, cfg.min_threshold_support)
    thr = np.array([choices[t].threshold for t in labels], dtype=np.float32)
    state["config"]["precision_floor"] = cfg.precision_floor
    state["thresholds"] = {t: dataclasses.asdict(c) for t, c in choices.items()}
    state["summary"]["dev_micro@tuned"] = micro_prf(probs, y_dev, thr)
    (ckpt / TRAINING_STATE).write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
    log(json.dumps(state["summary"]))
    return state
