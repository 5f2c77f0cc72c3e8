"""Compare candidate taggers on the frozen test split and on test-v2, per channel and per domain.

Candidates: any model directories (v1 tiny, the teacher, the student, the student
without distillation) plus a character 1–3-gram TF-IDF logistic regression trained on
the same train split with thresholds tuned on dev (precision ≥ 0.9 per tag, as v1).
Writes ``eval/reports/model-selection.json`` and the tables of ``docs/model-selection.md``.

    python -m eval model-selection --model v1=runs/v1-default --model teacher=models/accurate ...
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from feedback_nlp.taxonomy import TAG_IDS

TRAP_KINDS = {"praise_in_complaint_words", "negation", "question_request", "neutral_fact", "lukewarm", "context", "comparison"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


def gold_matrix(rows: list[dict]) -> np.ndarray:
    y = np.zeros((len(rows), len(TAG_IDS)), dtype=bool)
    for i, r in enumerate(rows):
        for t in r["labels"]:
            y[i, TAG_IDS.index(t)] = True
    return y


def scores(pred: np.ndarray, y: np.ndarray, rows: list[dict]) -> dict:
    tp = int((pred & y).sum())
    no_gold = ~y.any(1)
    traps = np.array([not r["labels"] and r.get("source", "written") == "written" and (r.get("kind") in TRAP_KINDS)
                      for r in rows])
    out = {"n": len(rows), "micro_precision": tp / max(int(pred.sum()), 1), "micro_recall": tp / max(int(y.sum()), 1),
           "no_gold_flagged": float(pred[no_gold].any(1).mean()) if no_gold.any() else None,
           "traps_flagged": float(pred[traps].any(1).mean()) if traps.any() else None, "traps": int(traps.sum())}
    p, r = out["micro_precision"], out["micro_recall"]
    out["micro_f1"] = 2 * p * r / max(p + r, 1e-9)
    return out


def sliced(pred: np.ndarray, y: np.ndarray, rows: list[dict], field: str, min_n: int = 30) -> dict:
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r.get(field) or "n/a"].append(i)
    return {k: scores(pred[idx], y[idx], [rows[i] for i in idx]) for k, idx in sorted(groups.items()) if len(idx) >= min_n}


def char_ngram_predictions(train: list[dict], dev: list[dict], sets: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from training.thresholds import tune_thresholds

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in train])
    clfs = [LogisticRegression(C=4.0, max_iter=2000).fit(x, gold_matrix(train)[:, j]) for j in range(len(TAG_IDS))]
    proba = lambda rows: np.stack([c.predict_proba(vec.transform([r["text"] for r in rows]))[:, 1] for c in clfs], 1)  # noqa: E731
    choices = tune_thresholds(proba(dev), gold_matrix(dev).astype(float), list(TAG_IDS), 0.9, 15)
    thr = np.array([choices[t].threshold for t in TAG_IDS])
    return {name: proba(rows) >= thr for name, rows in sets.items()}


def model_predictions(model_dir: str, sets: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    import feedback_nlp

    tagger = feedback_nlp.load_tagger(model_dir)
    out = {}
    for name, rows in sets.items():
        tags = tagger.predict([r["text"] for r in rows], contexts=[r.get("context") for r in rows])
        pred = np.zeros((len(rows), len(TAG_IDS)), dtype=bool)
        for i, ts in enumerate(tags):
            for t in ts:
                pred[i, TAG_IDS.index(t)] = True
        out[name] = pred
    return out


def compare(dataset: Path, test_v2: Path, models: dict[str, str], baseline: bool = True) -> dict:
    sets = {"test": read_jsonl(dataset / "test.jsonl"), "test-v2": read_jsonl(test_v2)}
    preds = {name: model_predictions(d, sets) for name, d in models.items()}
    if baseline:
        preds = {"char-ngram LR": char_ngram_predictions(read_jsonl(dataset / "train.jsonl"), read_jsonl(dataset / "dev.jsonl"),
                                                         sets)} | preds
    report = {}
    for model, by_set in preds.items():
        report[model] = {}
        for set_name, rows in sets.items():
            y = gold_matrix(rows)
            p = by_set[set_name]
            report[model][set_name] = {"all": scores(p, y, rows), "channel": sliced(p, y, rows, "channel"),
                                       "domain": sliced(p, y, rows, "domain", 40 if set_name == "test" else 17)}
    return report


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def markdown(report: dict) -> str:
    models = list(report)
    L = []
    for set_name in ("test", "test-v2"):
        L += [f"### {set_name}: all texts", "", "| model | texts | micro P | micro R | micro F1 | no-gold flagged | traps flagged |",
              "|---|---|---|---|---|---|---|"]
        for m in models:
            s = report[m][set_name]["all"]
            L.append(f"| {m} | {s['n']} | {_f(s['micro_precision'])} | {_f(s['micro_recall'])} | {_f(s['micro_f1'])} | "
                     f"{_f(s['no_gold_flagged'])} | {_f(s['traps_flagged'])} ({s['traps']}) |")
        for field in ("channel", "domain"):
            keys = list(report[models[0]][set_name][field])
            L += ["", f"### {set_name}: micro P / R / traps flagged by {field}", "",
                  "| " + field + " | " + " | ".join(models) + " |", "|---" * (len(models) + 1) + "|"]
            for k in keys:
                cells = []
                for m in models:
                    s = report[m][set_name][field].get(k)
                    cells.append("n/a" if s is None else f"{_f(s['micro_precision'])} / {_f(s['micro_recall'])} / {_f(s['traps_flagged'])}")
                L.append(f"| {k} ({report[models[0]][set_name][field][k]['n']}) | " + " | ".join(cells) + " |")
        L.append("")
    return "\n".join(L)
