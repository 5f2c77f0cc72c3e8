"""Round-3 annotation sample: texts the current models are unsure about, plus a random draw.

Two kinds of candidates, both from train/dev-split corpus texts not annotated before:

* ``uncertain`` — where a text sits near a shipped-model threshold (in logit space) or
  where the shipped model and a character n-gram logistic regression trained on the
  current train split disagree on some tag. Only the selection uses the models; the
  gold labels are read and decided one by one by annotators who never see a score.
* ``random`` — a uniform draw from the same pool, for an unbiased estimate of the label
  distribution.

    python -m training.sample_uncertain --dataset data/build/dataset --out .annotate/r3
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np

from training.corpora import DEFAULT_OSC10, Corpora, sha256
from training.sentences import feedback_pieces
from training.splits import split_key

SEED = 20261128
MAX_WHOLE = 90
ANNOTATIONS = Path(__file__).parent / "data" / "annotations"


def candidate_pool(corpora: Corpora, exclude: set[str]) -> list[dict]:
    """Every feedback-length piece (whole short text or one sentence) of train/dev texts, deduplicated."""
    return [{"id": p.ref, "source": p.source, "row": p.row, "span": list(p.span) if p.span else None,
             "sha256": sha256(p.text), "text": p.text, "category": p.category}
            for p in feedback_pieces(corpora, max_chars=MAX_WHOLE, min_chars=2, exclude_keys=exclude)]


def char_ngram_probs(train: list[dict], texts: list[str], labels: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in train])
    xt = vec.transform(texts)
    out = np.zeros((len(texts), len(labels)), dtype=np.float32)
    for j, t in enumerate(labels):
        y = np.array([t in r["labels"] for r in train])
        clf = LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced").fit(x, y)
        out[:, j] = clf.predict_proba(xt)[:, 1]
    return out


def uncertainty(p_model: np.ndarray, thresholds: np.ndarray, p_lr: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Higher = more worth a label. Closeness to a threshold in logit space, plus model/LR disagreement."""
    eps = 1e-5
    logit = lambda p: np.log(np.clip(p, eps, 1 - eps) / np.clip(1 - p, eps, 1 - eps))  # noqa: E731
    margin = np.abs(logit(p_model) - logit(thresholds[None, :])).min(axis=1)
    fire_m = p_model >= thresholds[None, :]
    fire_lr = p_lr >= 0.5
    disagree = (fire_m != fire_lr).sum(axis=1)
    score = -margin + 1.5 * disagree
    reasons = ["disagree" if d else "near_threshold" for d in disagree]
    return score, reasons


def select(pool: list[dict], score: np.ndarray, reasons: list[str], n_uncertain: int, n_random: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    order = np.argsort(-score, kind="stable")
    per_cat_cap = max(1, n_uncertain // 8)  # no single category may dominate the uncertain draw
    taken, per_cat, out = set(), Counter(), []
    for i in order:
        c = pool[i]
        cat = c["category"] or c["source"]
        if per_cat[cat] >= per_cat_cap:
            continue
        per_cat[cat] += 1
        taken.add(int(i))
        out.append(dict(c, selection="uncertain", reason=reasons[i], score=round(float(score[i]), 3)))
        if len(out) >= n_uncertain:
            break
    rest = [i for i in range(len(pool)) if i not in taken]
    for i in rng.sample(rest, n_random):
        out.append(dict(pool[i], selection="random", reason="random", score=round(float(score[i]), 3)))
    rng.shuffle(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="data/build/dataset")
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--osc10", default=str(DEFAULT_OSC10))
    ap.add_argument("--out", default=".annotate/r3")
    ap.add_argument("--uncertain", type=int, default=3400)
    ap.add_argument("--random", type=int, default=1050)
    ap.add_argument("--slices", type=int, default=3)
    ap.add_argument("--double", type=int, default=300)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    import feedback_nlp

    exclude = set()
    for p in ANNOTATIONS.glob("real*.jsonl"):
        exclude |= {json.loads(l)["id"] for l in open(p, encoding="utf-8")}
    corpora = Corpora(args.osc10)
    train = [json.loads(l) for l in open(Path(args.dataset) / "train.jsonl", encoding="utf-8")]
    dataset_keys = {split_key(json.loads(l)["text"]) for s in ("train", "dev", "test")
                    for l in open(Path(args.dataset) / f"{s}.jsonl", encoding="utf-8")}
    pool = [c for c in candidate_pool(corpora, dataset_keys) if c["id"] not in exclude]
    print(f"pool: {len(pool)} unannotated train/dev pieces")
    tagger = feedback_nlp.load_tagger(args.model)
    texts = [c["text"] for c in pool]
    p_model = tagger.predict_proba(texts)
    thr = np.array([tagger.thresholds[t] for t in tagger.labels], dtype=np.float32)
    p_lr = char_ngram_probs(train, texts, list(tagger.labels))
    score, reasons = uncertainty(p_model, thr, p_lr)
    cands = select(pool, score, reasons, args.uncertain, args.random, args.seed)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "candidates.jsonl", "w", encoding="utf-8") as f:
        for c in cands:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    k = args.slices
    slices = [cands[i::k] for i in range(k)]
    per = args.double // k
    for i in range(k):
        extra = [dict(c, double=True) for c in slices[(i + 1) % k][:per]]
        items = slices[i] + extra
        random.Random(args.seed + i).shuffle(items)  # blind: double items are not at the end of the file
        with open(out / f"slice-{i + 1}.jsonl", "w", encoding="utf-8") as f:
            for c in items:
                f.write(json.dumps({"id": c["id"], "category": c["category"], "text": c["text"]}, ensure_ascii=False) + "\n")
        print(f"slice-{i + 1}: {len(slices[i])} + {len(extra)} double")
    print(json.dumps({"candidates": len(cands), "by_selection": Counter(c["selection"] for c in cands),
                      "by_reason": Counter(c["reason"] for c in cands),
                      "by_category": Counter(c["category"] or c["source"] for c in cands)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
