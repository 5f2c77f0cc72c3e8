"""Distil the teacher into a fast student on soft targets over labeled and unlabeled text.

1. :func:`unlabeled_texts` — every feedback-length piece of both corpora
   (:mod:`training.sentences`: deduplicated, test texts excluded, gold texts left out).
2. :func:`teacher_targets` — the teacher's probabilities for each text, computed with the
   exported teacher (ONNX, through the library's own tagger) in resumable chunks.
3. :func:`train_student` — the student (a compact encoder with the same mean-pooling
   head as the teacher) minimises ``α·BCE(gold) + (1−α)·BCE(teacher)`` on labeled texts
   and ``BCE(teacher)`` on unlabeled ones; the epoch with the best dev average precision
   is kept. With ``alpha=1`` and no unlabeled texts it is the same student trained
   without distillation (the comparison the model-selection notes report).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from feedback_nlp.tagging.encoding import TextEncoder
from training.teacher import EpochCheckpoints, MeanPoolTagger, RunConfig, pick_device


def unlabeled_texts(corpora, gold_texts: list[str], max_chars: int = 90) -> list[str]:
    """Corpus pieces for distillation: no gold text (any split), no test text."""
    from training.sentences import feedback_pieces, test_keys
    from training.splits import split_key

    return [p.text for p in feedback_pieces(corpora, max_chars=max_chars, min_chars=4,
                                             exclude_keys={split_key(t) for t in gold_texts},
                                             test_gold_keys=test_keys(gold_texts))]


def teacher_targets(model_dir: str | Path, texts: list[str], contexts: list[str | None] | None, cache: str | Path,
                    chunk: int = 8192, log=print) -> np.ndarray:
    """Teacher probabilities ``(len(texts), n_labels)``, cached chunk by chunk in ``cache`` (a folder)."""
    import feedback_nlp

    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    tagger = feedback_nlp.load_tagger(model_dir)
    parts = []
    for k, start in enumerate(range(0, len(texts), chunk)):
        f = cache / f"part-{k:04d}.npy"
        if f.exists():
            parts.append(np.load(f))
            continue
        t0 = time.time()
        ctx = contexts[start:start + chunk] if contexts is not None else None
        p = tagger.predict_proba(texts[start:start + chunk], contexts=ctx).astype(np.float32)
        np.save(f, p)
        parts.append(p)
        log(f"teacher targets {start + len(p)}/{len(texts)} ({len(p) / (time.time() - t0):.0f} texts/s)")
    return np.concatenate(parts) if parts else np.zeros((0, len(tagger.labels)), np.float32)


@dataclass
class StudentConfig(RunConfig):
    """Student training arguments (the shared ones in :class:`training.teacher.RunConfig`)."""

    base_model: str = "models/base-zh-tiny-sent"
    out: str = "runs/student"
    alpha: float = 0.5  # weight of the gold labels on labeled texts; 1 = no distillation
    labeled_repeats: int = 2  # labeled texts are seen this many times per epoch
    max_unlabeled: int = 0  # 0 = every unlabeled sentence; else a seeded random subset of this size
    epochs: int = 3
    batch_size: int = 64
    encoder_lr: float = 3e-4

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha!r}")
        if self.labeled_repeats < 1:
            raise ValueError(f"labeled_repeats must be ≥ 1, got {self.labeled_repeats!r}")


class _Examples:
    """Encoded texts with gold labels (or none), teacher targets (or none), in length-bucketed batches."""

    def __init__(self, encoder: TextEncoder, texts, contexts, gold: np.ndarray | None, soft: np.ndarray | None, n_labels: int):
        self.encoder = encoder
        self.enc = encoder.encode(texts, contexts)
        n = len(self.enc)
        self.gold = gold if gold is not None else np.zeros((n, n_labels), np.float32)
        self.has_gold = np.full(n, gold is not None)
        self.soft = soft if soft is not None else np.zeros((n, n_labels), np.float32)
        self.has_soft = np.full(n, soft is not None)


def _epoch_batches(parts: list[tuple[_Examples, int]], batch_size: int, rng: np.random.Generator):
    items = [(k, i) for k, (ex, rep) in enumerate(parts) for _ in range(rep) for i in range(len(ex.enc))]
    order = rng.permutation(len(items))
    chunk = batch_size * 50
    batches = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s:s + chunk], key=lambda j: len(parts[items[j][0]][0].enc[items[j][1]].ids))
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    for b in batches:
        sel = [items[j] for j in b]
        encoder = parts[0][0].encoder
        x = encoder.pad([parts[k][0].enc[i] for k, i in sel])
        pick = lambda attr: np.stack([getattr(parts[k][0], attr)[i] for k, i in sel])  # noqa: E731
        yield ({k: torch.from_numpy(v) for k, v in x.items()},
               *(torch.from_numpy(np.asarray(pick(a), dtype=np.float32)) for a in ("gold", "has_gold", "soft", "has_soft")))


def train_student(cfg: StudentConfig, train_soft: np.ndarray | None, unlabeled: list[str], unlabeled_soft: np.ndarray | None,
                  log=print) -> Path:
    """Train (and checkpoint per epoch) the student; returns the checkpoint directory."""
    from training.finetune import Batches, label_matrix, read_split, set_seed

    set_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out, labels = Path(cfg.out), list(cfg.labels)
    tokenizer = Tokenizer.from_file(str(Path(cfg.base_model) / "tokenizer.json"))
    encoder = TextEncoder(tokenizer, cfg.max_length, cfg.context_max_length)
    train_rows, dev_rows = read_split(cfg.data, "train"), read_split(cfg.data, "dev")
    ctx = (lambda rows: [r.get("context") for r in rows] if cfg.use_context else None)  # noqa: E731
    labeled = _Examples(encoder, [r["text"] for r in train_rows], ctx(train_rows), label_matrix(train_rows, labels),
                        train_soft if cfg.alpha < 1 else None, len(labels))
    parts = [(labeled, cfg.labeled_repeats)]
    if unlabeled and unlabeled_soft is not None and cfg.max_unlabeled and len(unlabeled) > cfg.max_unlabeled:
        keep = np.sort(np.random.default_rng(cfg.seed).choice(len(unlabeled), cfg.max_unlabeled, replace=False))
        unlabeled, unlabeled_soft = [unlabeled[i] for i in keep], unlabeled_soft[keep]
    if unlabeled and unlabeled_soft is not None and cfg.alpha < 1:
        parts.append((_Examples(encoder, unlabeled, None, None, unlabeled_soft, len(labels)), 1))
    y_dev = label_matrix(dev_rows, labels)
    dev = Batches(encoder, dev_rows, y_dev, cfg.use_context)
    model = MeanPoolTagger.from_base(cfg.base_model, len(labels), cfg.dropout)
    device = pick_device(cfg.device)
    model.to(device)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.encoder_lr}, {"params": head, "lr": cfg.head_lr}],
                            weight_decay=cfg.weight_decay)
    n_items = sum(len(ex.enc) * rep for ex, rep in parts)
    steps_per_epoch = (n_items + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    pw = torch.full((len(labels),), cfg.pos_weight, device=device)

    run = EpochCheckpoints(out, model, opt, sched, labels, device, log)
    for epoch in range(run.start_epoch, cfg.epochs + 1):
        t0, losses = time.time(), []
        rng = np.random.default_rng([cfg.seed, epoch])  # per-epoch stream: a resumed run shuffles as an uninterrupted one
        model.train()
        for i, (x, gold, has_gold, soft, has_soft) in enumerate(_epoch_batches(parts, cfg.batch_size, rng)):
            x = {k: v.to(device) for k, v in x.items()}
            gold, has_gold, soft, has_soft = (t.to(device) for t in (gold, has_gold, soft, has_soft))
            logits = model(**x).logits
            hard = torch.nn.functional.binary_cross_entropy_with_logits(logits, gold, pos_weight=pw, reduction="none").mean(1)
            distil = torch.nn.functional.binary_cross_entropy_with_logits(logits, soft, reduction="none").mean(1)
            # labeled + teacher: alpha / 1 - alpha; labeled only: gold alone; unlabeled: teacher alone
            w_hard = has_gold * torch.where(has_soft > 0, cfg.alpha, 1.0)
            w_soft = has_soft * torch.where(has_gold > 0, 1 - cfg.alpha, 1.0)
            loss = (w_hard * hard + w_soft * distil).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if i % 200 == 0:
                log(f"epoch {epoch} step {i}/{steps_per_epoch} loss {np.mean(losses[-200:]):.4f} {time.time() - t0:.0f}s")
        run.end_epoch(epoch, losses, time.time() - t0, dev, y_dev)
    return run.finish(cfg, tokenizer, dev, y_dev, train_examples=len(train_rows),
                       unlabeled_examples=len(unlabeled) if len(parts) > 1 else 0, dev_examples=len(dev_rows))
