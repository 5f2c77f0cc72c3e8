"""The teacher: a pretrained encoder fine-tuned with mean pooling and a linear head.

multilingual-e5 was trained with mean pooling, so its mean-pooled states are a much
better start than a freshly initialised [CLS] pooler. The encoder and the head learn
at different rates (a new head needs a large one, the pretrained encoder a small one);
one rate for both underfits. Each epoch is checkpointed, so an interrupted CPU run
resumes where it stopped; the epoch with the best dev average precision is kept.

The saved checkpoint (``config.json`` with ``tagger_head``, ``model.safetensors``,
``tokenizer.json``, ``training_state.json``) is what ``training.export`` exports.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from tokenizers import Tokenizer

from feedback_nlp.tagging.encoding import TextEncoder
from feedback_nlp.taxonomy import TAG_IDS

HEAD_KEY = "tagger_head"


class MeanPoolTagger(torch.nn.Module):
    """``BertModel`` → masked mean over tokens → dropout → linear → logits (one per tag)."""

    def __init__(self, encoder, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.config.num_labels = num_labels
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(encoder.config.hidden_size, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return SimpleNamespace(logits=self.head(self.dropout(pooled)))

    @classmethod
    def from_base(cls, base: str | Path, num_labels: int, dropout: float = 0.1, layers: int = 0) -> MeanPoolTagger:
        from transformers import BertConfig, BertModel

        config = BertConfig.from_pretrained(str(base), hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
        if layers:
            config.num_hidden_layers = layers  # keep the first `layers` pretrained layers
        encoder = BertModel.from_pretrained(str(base), config=config, add_pooling_layer=False)
        return cls(encoder, num_labels, dropout)

    def save(self, out: str | Path, labels: list[str]) -> None:
        from safetensors.torch import save_file

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        cfg = self.config.to_dict() | {HEAD_KEY: {"pooling": "mean", "labels": labels}}
        (out / "config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(out / "model.safetensors"))

    @classmethod
    def load(cls, ckpt: str | Path) -> MeanPoolTagger:
        from safetensors.torch import load_file
        from transformers import BertConfig, BertModel

        ckpt = Path(ckpt)
        raw = json.loads((ckpt / "config.json").read_text(encoding="utf-8"))
        head = raw.pop(HEAD_KEY)
        config = BertConfig.from_dict(raw)
        model = cls(BertModel(config, add_pooling_layer=False), len(head["labels"]))
        model.load_state_dict(load_file(str(ckpt / "model.safetensors")))
        return model.eval()


def is_mean_pool_checkpoint(ckpt: str | Path) -> bool:
    return HEAD_KEY in json.loads((Path(ckpt) / "config.json").read_text(encoding="utf-8"))


@dataclass
class RunConfig:
    """What teacher and student training share; validated on creation, errors echo the bad value."""

    base_model: str = ""
    data: str = "data/build/dataset"
    out: str = ""
    max_length: int = 128
    context_max_length: int = 32
    use_context: bool = True
    epochs: int = 4
    batch_size: int = 32
    encoder_lr: float = 1e-4
    head_lr: float = 3e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    pos_weight: float = 2.0
    dropout: float = 0.1
    seed: int = 42
    threads: int = 0
    device: str = "auto"  # auto = cuda when available
    labels: list[str] = field(default_factory=lambda: list(TAG_IDS))

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)!r}")
        for name in ("encoder_lr", "head_lr"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be in (0, 1), got {getattr(self, name)!r}")
        if self.context_max_length >= self.max_length:
            raise ValueError(f"context_max_length ({self.context_max_length}) must be < max_length ({self.max_length})")
        unknown = set(self.labels) - set(TAG_IDS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; valid: {', '.join(TAG_IDS)}")


@dataclass
class TeacherConfig(RunConfig):
    """Teacher fine-tuning arguments."""

    base_model: str = "models/base-e5-small"
    out: str = "runs/teacher"
    init_from: str = ""  # continue from an earlier teacher checkpoint (e.g. after new data arrived)
    layers: int = 0  # 0 = all layers of the base


def macro_average_precision(probs: np.ndarray, y: np.ndarray) -> float:
    aps = []
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0:
            continue
        order = np.argsort(-probs[:, j], kind="stable")
        g = y[order, j] > 0
        tp = np.cumsum(g)
        prec = tp / np.arange(1, len(g) + 1)
        aps.append(float((prec * g).sum() / g.sum()))
    return float(np.mean(aps)) if aps else 0.0


def train_teacher(cfg: TeacherConfig, log=print) -> Path:
    from training.finetune import Batches, label_matrix, read_split, set_seed

    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    labels = list(cfg.labels)
    tok_dir = Path(cfg.init_from) if cfg.init_from and (Path(cfg.init_from) / "tokenizer.json").exists() else Path(cfg.base_model)
    tokenizer = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    encoder = TextEncoder(tokenizer, cfg.max_length, cfg.context_max_length)
    train_rows, dev_rows = read_split(cfg.data, "train"), read_split(cfg.data, "dev")
    y_train, y_dev = label_matrix(train_rows, labels), label_matrix(dev_rows, labels)
    train = Batches(encoder, train_rows, y_train, cfg.use_context)
    dev = Batches(encoder, dev_rows, y_dev, cfg.use_context)
    model = MeanPoolTagger.load(cfg.init_from) if cfg.init_from else \
        MeanPoolTagger.from_base(cfg.base_model, len(labels), cfg.dropout, cfg.layers)
    device = pick_device(cfg.device)
    model.to(device)
    model.train()
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.encoder_lr}, {"params": head, "lr": cfg.head_lr}],
                            weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(train_rows) + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.full((len(labels),), cfg.pos_weight, device=device))

    run = EpochCheckpoints(out, model, opt, sched, labels, device, log)
    for epoch in range(run.start_epoch, cfg.epochs + 1):
        t0, losses = time.time(), []
        rng = np.random.default_rng([cfg.seed, epoch])  # per-epoch stream: a resumed run shuffles as an uninterrupted one
        model.train()
        for i, (x, y) in enumerate(train.epoch(cfg.batch_size, rng)):
            x, y = {k: v.to(device) for k, v in x.items()}, y.to(device)
            loss = loss_fn(model(**x).logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if i % 50 == 0:
                log(f"epoch {epoch} step {i}/{steps_per_epoch} loss {np.mean(losses[-50:]):.4f} {time.time() - t0:.0f}s")
        run.end_epoch(epoch, losses, time.time() - t0, dev, y_dev)
    return run.finish(cfg, tokenizer, dev, y_dev, train_examples=len(train_rows), dev_examples=len(dev_rows))


class EpochCheckpoints:
    """A run's per-epoch state in ``out/work``: resume after the last finished epoch, keep the epoch with
    the best dev macro average precision, and write the final checkpoint (weights, tokenizer, dev
    probabilities, training_state.json) that ``training.export`` reads."""

    def __init__(self, out: Path, model, opt, sched, labels: list[str], device, log=print) -> None:
        self.out, self.work = out, out / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.model, self.opt, self.sched, self.labels, self.device, self.log = model, opt, sched, labels, device, log
        self.state_path = self.work / "state.json"
        self.history: list[dict] = []
        self.best, self.start_epoch = {"ap": -1.0, "epoch": 0}, 1
        if self.state_path.exists():  # resume: weights, optimizer and scheduler of the last finished epoch
            st = json.loads(self.state_path.read_text(encoding="utf-8"))
            ck = torch.load(self.work / "last.pt", weights_only=False, map_location=device)
            model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); sched.load_state_dict(ck["sched"])
            self.history, self.best, self.start_epoch = st["history"], st["best"], st["epoch"] + 1
            log(f"resuming after epoch {st['epoch']}")

    def end_epoch(self, epoch: int, losses: list[float], seconds: float, dev, y_dev: np.ndarray) -> None:
        from training.finetune import micro_prf

        probs = predict(self.model, dev)
        ap = macro_average_precision(probs, y_dev)
        m = {"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4), "dev_macro_ap": round(ap, 4),
             "dev_micro@0.5": micro_prf(probs, y_dev, 0.5), "seconds": round(seconds, 1)}
        self.history.append(m)
        self.log(json.dumps(m))
        if ap > self.best["ap"]:
            self.best = {"ap": ap, "epoch": epoch}
            self.model.save(self.work / "best", self.labels)
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "sched": self.sched.state_dict()},
                   self.work / "last.pt")
        self.state_path.write_text(json.dumps({"epoch": epoch, "history": self.history, "best": self.best}), encoding="utf-8")

    def finish(self, cfg, tokenizer, dev, y_dev: np.ndarray, **counts: int) -> Path:
        from training.thresholds import tune_thresholds

        model = MeanPoolTagger.load(self.work / "best").to(self.device)
        probs = predict(model, dev)
        model.cpu()
        choices = tune_thresholds(probs, y_dev, self.labels, 0.9, 15)
        model.save(self.out, self.labels)
        tokenizer.save(str(self.out / "tokenizer.json"))
        np.save(self.out / "dev_probs.npy", probs)
        best = self.best
        state = {"config": asdict(cfg) | {"precision_floor": 0.9, "min_threshold_support": 15}, "labels": self.labels,
                 "history": self.history, "best_epoch": best["epoch"],
                 "summary": {"best_dev_micro@0.5_f1": next(h["dev_micro@0.5"]["f1"] for h in self.history
                                                           if h["epoch"] == best["epoch"]),
                             "best_dev_macro_ap": round(best["ap"], 4)},
                 "thresholds": {t: asdict(c) for t, c in choices.items()}, **counts}
        (self.out / "training_state.json").write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
        return self.out


def pick_device(name: str) -> torch.device:
    return torch.device("cuda" if name == "auto" and torch.cuda.is_available() else ("cpu" if name == "auto" else name))


@torch.no_grad()
def predict(model, batches, batch_size: int = 64) -> np.ndarray:
    model.eval()
    device = next(model.parameters()).device
    out = np.zeros(batches.y.shape, dtype=np.float32)
    for idx, (x, _) in batches.ordered(batch_size):
        out[idx] = torch.sigmoid(model(**{k: v.to(device) for k, v in x.items()}).logits).float().cpu().numpy()
    return out
