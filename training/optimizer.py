"""AdamW with the usual BERT exclusions: no weight decay on biases and LayerNorm weights."""

from __future__ import annotations

import torch


def adamw(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    def exempt(name: str) -> bool:
        return name.endswith("bias") or "LayerNorm" in name

    params = list(model.named_parameters())
    return torch.optim.AdamW([
        {"params": [p for n, p in params if not exempt(n)], "weight_decay": weight_decay},
        {"params": [p for n, p in params if exempt(n)], "weight_decay": 0.0},
    ], lr=lr)
