"""The review queue: the texts most worth a human label, as annotation records to fill in.

>>> from feedback_nlp.tagging.review_queue import run_review_queue          # doctest: +SKIP
>>> run_review_queue("feedback.jsonl", "queue.jsonl", budget=200, seed=0)

Texts are deduplicated (Unicode NFKC, case and whitespace ignored; the first occurrence is
kept) and blank ones skipped. The budget is filled in turn from three ranked queues, and a
``random_share`` of it by a uniform draw (an unbiased check on the rest):

- ``near_threshold``: the smallest |logit margin| of any tag (:func:`~feedback_nlp.tagging.doubt.logit_margin`);
- ``disagreement``: tags on which ``default`` and the second model (``accurate``) decide differently;
- ``rare_tag``: texts where a tag is emitted or near its threshold, rarest such tag in this input first.

Ties and the random draw follow ``seed``: the same input, models and seed give the same file.
Each record is in the labeling guide's format — ``id``, ``text``, ``labels``, ``context`` —
with ``labels`` ``null`` until a reviewer fills it (so an unreviewed row is never read as
"no tag"), ``source: "review-queue"``, ``origin`` (input file, line, id) and ``selection`` (why
it was picked; keep it hidden from annotators, it contains the model's view).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.rows import Row, RowError, format_from_suffix, read_rows
from feedback_nlp.tagging.arguments import check_positive_int
from feedback_nlp.tagging.decision import decide
from feedback_nlp.tagging.doubt import SECOND_MODEL, SMALL_MARGIN, load_second_tagger, logit_margin

__all__ = ["ReviewQueueSummary", "select_for_review", "run_review_queue", "dedup_key", "SOURCE", "REASONS"]

SOURCE = "review-queue"
REASONS = ("near_threshold", "disagreement", "rare_tag")


@dataclass(frozen=True)
class ReviewQueueSummary:
    read: int
    errors: int
    blank: int
    duplicates: int
    candidates: int
    selected: int
    by_reason: dict[str, int]
    output: Path
    errors_path: Path | None
    second_note: str

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROW_ERRORS if self.errors else ExitCode.OK

    def line(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in self.by_reason.items())
        return (f"read {self.read}, errors {self.errors}, blank {self.blank}, duplicates {self.duplicates}, "
                f"candidates {self.candidates}, selected {self.selected} ({reasons})")


def dedup_key(text: str) -> str:
    """Texts with the same key are one text: NFKC, case-folded, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _probs_on(tagger: Any, texts: list[str], contexts: list[str | None] | None, labels: tuple[str, ...]) -> tuple:
    """(probabilities, thresholds, decisions) over ``labels`` (a label the tagger lacks: never on)."""
    probs = np.asarray(tagger.predict_proba(texts, contexts if tagger.use_context else None), dtype=np.float64)
    hits = decide(probs, tagger.labels, tagger.thresholds)
    p = np.zeros((len(texts), len(labels)))
    t = np.ones(len(labels))
    on = np.zeros((len(texts), len(labels)), dtype=bool)
    for j, label in enumerate(tagger.labels):
        if label in labels:
            k = labels.index(label)
            p[:, k], t[k], on[:, k] = probs[:, j], tagger.thresholds[label], hits[:, j]
    return p, t, on


def select_for_review(
    texts: list[str],
    tagger: Any,
    second: Any = None,
    *,
    contexts: list[str | None] | None = None,
    budget: int = 200,
    seed: int = 0,
    random_share: float = 0.1,
) -> list[tuple[int, dict[str, Any]]]:
    """``(index into texts, selection info)`` of the chosen texts, in priority order (see the module docstring)."""
    check_positive_int("budget", budget)
    if not 0.0 <= random_share <= 1.0:
        raise InvalidInputError(f"random_share must be between 0 and 1, got {random_share!r}")
    n = len(texts)
    if n == 0:
        return []
    labels = tuple(tagger.labels)
    p, thr, on = _probs_on(tagger, texts, contexts, labels)
    margin = np.abs(logit_margin(p, thr[None, :]))
    rng = np.random.default_rng(seed)
    tiebreak = rng.random(n)
    nearest = margin.argmin(axis=1)
    near = margin[np.arange(n), nearest]
    disagree = np.zeros((n, len(labels)), dtype=bool)
    if second is not None:
        _, _, on2 = _probs_on(second, texts, contexts, labels)
        disagree = on != on2
    involved = on | (margin < SMALL_MARGIN)
    prevalence = involved.sum(axis=0)

    def info(i: int, reason: str, j: int) -> dict[str, Any]:
        return {"reason": reason, "tag": labels[j], "logit_margin": round(float(logit_margin(p[i, j], thr[j])), 3),
                "probability": round(float(p[i, j]), 4), "threshold": round(float(thr[j]), 4)}

    queues: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    order = np.lexsort((tiebreak, near))
    queues["near_threshold"] = [(int(i), info(int(i), "near_threshold", int(nearest[i]))) for i in order]
    n_dis = disagree.sum(axis=1)
    dis_idx = [int(i) for i in np.lexsort((tiebreak, near, -n_dis)) if n_dis[i] > 0]
    queues["disagreement"] = [
        (i, info(i, "disagreement", int(np.flatnonzero(disagree[i])[margin[i, disagree[i]].argmin()]))) for i in dis_idx
    ]
    rare_rows = []
    for i in range(n):
        tags = np.flatnonzero(involved[i])
        if len(tags):
            j = int(min(tags, key=lambda k: (prevalence[k], margin[i, k])))
            rare_rows.append((int(prevalence[j]), float(margin[i, j]), float(tiebreak[i]), i, j))
    queues["rare_tag"] = [(i, info(i, "rare_tag", j)) for _, _, _, i, j in sorted(rare_rows)]

    budget = min(budget, n)
    n_random = int(round(budget * random_share))
    chosen: dict[int, dict[str, Any]] = {}
    cursors = dict.fromkeys(REASONS, 0)
    while len(chosen) < budget - n_random and any(cursors[r] < len(queues[r]) for r in REASONS):
        for r in REASONS:
            q = queues[r]
            while cursors[r] < len(q) and q[cursors[r]][0] in chosen:
                cursors[r] += 1
            if cursors[r] < len(q) and len(chosen) < budget - n_random:
                i, why = q[cursors[r]]
                chosen[i] = why
    for i in rng.permutation(n):
        if len(chosen) >= budget:
            break
        if int(i) not in chosen:
            chosen[int(i)] = {"reason": "random"}
    return list(chosen.items())


def run_review_queue(
    input: str | PathLike[str],
    out: str | PathLike[str],
    *,
    model: str | PathLike[str] | None = None,
    compare_with: str | None = SECOND_MODEL,
    budget: int = 200,
    seed: int = 0,
    random_share: float = 0.1,
    input_format: str = "auto",
) -> ReviewQueueSummary:
    """Read ``input`` (.txt / .jsonl / .csv), select up to ``budget`` texts, write annotation records to ``out``.

    Malformed rows go to ``<out stem>.errors.jsonl`` (line and reason), as with ``feedback-nlp tag``.
    """
    from feedback_nlp.tagging.onnx_tagger import load_tagger

    src, dest = Path(input), Path(out)
    if not src.is_file():
        raise InvalidInputError(f"input file {str(src)!r} does not exist")
    if dest.resolve() == src.resolve():
        raise InvalidInputError(f"--out {str(dest)!r} is the input file; choose another path")
    fmt = format_from_suffix(str(src)) if input_format == "auto" else input_format
    if fmt is None:
        raise InvalidInputError(f"cannot tell the format of {str(src)!r} from its name; pass --format txt, jsonl or csv")
    check_positive_int("budget", budget)
    tagger = load_tagger(model)
    second, note = load_second_tagger(compare_with)

    rows: list[Row] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    blank = duplicates = 0
    with open(src, "rb") as f:
        for item in read_rows(f, fmt):  # type: ignore[arg-type]
            if isinstance(item, RowError):
                errors.append(item)
            elif item.text is None or not item.text.strip():
                blank += 1
            elif (key := dedup_key(item.text)) in seen:
                duplicates += 1
            else:
                seen.add(key)
                rows.append(item)
    picked = select_for_review([r.text for r in rows], tagger, second, contexts=[r.context for r in rows],
                               budget=budget, seed=seed, random_share=random_share) if rows else []
    models = {"model": str(model or "default"), "second_model": None if second is None else str(compare_with),
              "seed": seed}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        for i, why in picked:
            r = rows[i]
            record = {"id": str(r.id), "text": r.text, "labels": None, "context": r.context, "source": SOURCE,
                      "origin": {"file": src.name, "line": r.line, "id": r.id}, "selection": {**why, **models}}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    errors_path = None
    if errors:
        errors_path = dest.with_name(f"{dest.stem}.errors.jsonl")
        with open(errors_path, "w", encoding="utf-8") as f:
            for e in errors:
                f.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
    by_reason = {r: sum(w["reason"] == r for _, w in picked) for r in (*REASONS, "random")}
    return ReviewQueueSummary(
        read=len(rows) + len(errors) + blank + duplicates, errors=len(errors), blank=blank, duplicates=duplicates,
        candidates=len(rows), selected=len(picked), by_reason=by_reason, output=dest, errors_path=errors_path,
        second_note=note,
    )
