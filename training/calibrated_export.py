"""Export a teacher or student checkpoint with calibrated probabilities and transferable thresholds.

Reads the checkpoint's dev probabilities (written by training), fits per-tag Platt
scaling and picks operating points (:mod:`training.operating_points`), folds the
scaling into the head (thresholds raised together until at most 4% of the dev praise/neutral
traps are flagged), then runs the standard export (ONNX, fusion, batch-independent
int8 weights, parity gate, config, model card).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from training.build_dataset import TRAP_KINDS
from training.export import export_model_dir, load_checkpoint_model
from training.operating_points import calibrate, fold_platt_into_head, points_as_dict


def export_calibrated(checkpoint: str | Path, out_dir: str | Path, *, name: str, dev: str | Path | None = None,
                      target_precision: float = 0.85, min_threshold: float = 0.5, quantize: str | bool = "int8-weights",
                      min_agreement: float = 0.995, keep_fp32: bool = False, extra: dict | None = None,
                      max_trap_rate: float = 0.04) -> Path:
    from training.finetune import label_matrix, read_split

    ckpt = Path(checkpoint)
    state = json.loads((ckpt / "training_state.json").read_text(encoding="utf-8"))
    cfg, labels = state["config"], state["labels"]
    dev_rows = read_split(cfg["data"], "dev")
    y_dev = label_matrix(dev_rows, labels)
    dev_probs = np.load(ckpt / "dev_probs.npy")
    if dev_probs.shape != y_dev.shape:
        raise ValueError(f"{ckpt}/dev_probs.npy has shape {dev_probs.shape}, dev split {cfg['data']} gives {y_dev.shape}")
    traps = np.array([r.get("source") == "written" and not r["labels"] and r.get("kind") in TRAP_KINDS | {"context"}
                      for r in dev_rows])
    cal = calibrate(dev_probs, y_dev, labels, target_precision, min_threshold, traps, max_trap_rate)
    model = load_checkpoint_model(ckpt)
    fold_platt_into_head(model, cal["platt"], labels)
    rows = None
    if dev:
        with open(dev, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    return export_model_dir(
        model, Tokenizer.from_file(str(ckpt / "tokenizer.json")), out_dir, labels,
        {t: cal["points"][t].threshold for t in labels},
        max_length=cfg["max_length"], use_context=cfg["use_context"], context_max_length=cfg["context_max_length"],
        base_model=cfg.get("base_model"),
        extra_config={"name": name,
                      "calibration": {"method": "Platt scaling per tag on dev, folded into the head",
                                      "parameters": {t: [round(a, 5), round(b, 5)] for t, (a, b) in cal["platt"].items()}},
                      "threshold_tuning": cal["summary"] | {"split": "dev", "per_label": points_as_dict(cal["points"])},
                      "training": {k: cfg[k] for k in ("epochs", "batch_size", "seed", "data", "encoder_lr", "head_lr", "alpha")
                                   if k in cfg} | {"best_epoch": state.get("best_epoch"), **state["summary"]},
                      **(extra or {})},
        optimize=True, quantize=quantize, parity_rows=rows, min_agreement=min_agreement, keep_fp32=keep_fp32,
    )
