"""Turn annotators' label files into the committed, text-free reference files.

Reads the sampler's candidates (with text, ignored by git) and each annotator's
``labels-N.jsonl``; writes

* ``training/data/annotations/<name>.jsonl`` (``real``, ``real-r2``, …): one record per text — source, row, span,
  sha256, labels, annotator (no corpus text);
* ``training/data/annotations/double.jsonl``: the blind second labels of the
  double-annotated items, next to the first, and the adjudicated decision
  (from ``adjudication.jsonl`` when present).

    python -m training merge-annotations --work .annotate
    python -m training merge-annotations --work .annotate/r2 --name real-r2
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.taxonomy import validate_tags

OUT = Path(__file__).parent / "data" / "annotations"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def double_name(name: str) -> str:
    """``double.jsonl`` for round 1, ``double-r3.jsonl`` for ``real-r3``: each round keeps its own file."""
    return "double.jsonl" if name == "real" else f"double-{name.removeprefix('real-')}.jsonl"


def merge(work: Path, out: Path = OUT, slices: int = 4, name: str = "real", first_annotator: int = 1) -> dict:
    cands = {c["id"]: c for c in read_jsonl(work / "candidates.jsonl")}
    # the sampler deals candidates round-robin: candidate j belongs to slice j % slices + 1;
    # any other annotator who saw it labelled it blind as the second annotation
    primary = {rid: f"ann-{j % slices + first_annotator}" for j, rid in enumerate(cands)}
    first: dict[str, tuple[list[str], str]] = {}
    second: dict[str, tuple[list[str], str]] = {}
    for i in range(1, slices + 1):
        items = read_jsonl(work / f"slice-{i}.jsonl")
        labels = read_jsonl(work / f"labels-{i}.jsonl")
        if [x["id"] for x in items] != [x["id"] for x in labels]:
            raise InvalidInputError(f"labels-{i}.jsonl is not aligned with slice-{i}.jsonl")
        for it, lab in zip(items, labels):
            annotator = f"ann-{i + first_annotator - 1}"
            target = first if primary[it["id"]] == annotator else second
            target[it["id"]] = (validate_tags(lab["labels"]), annotator)
    first = {rid: first[rid] for rid in cands}  # candidate order
    adjud = {}
    if (work / "adjudication.jsonl").exists():
        adjud = {a["id"]: a for a in read_jsonl(work / "adjudication.jsonl")}
    out.mkdir(parents=True, exist_ok=True)
    n_changed = 0
    with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f_real, \
            open(out / (double_name(name) if second else os.devnull), "w", encoding="utf-8") as f_dbl:
        for rid, (tags, ann) in first.items():
            c = cands[rid]
            final = tags
            if rid in second:
                a2, ann2 = second[rid]
                decided = adjud.get(rid)
                if a2 != tags and decided is None:
                    raise InvalidInputError(f"{rid}: annotators disagree and no adjudication is recorded")
                if decided is not None:
                    final = validate_tags(decided["labels"])
                    n_changed += final != tags
                f_dbl.write(json.dumps({
                    "id": rid, "source": c["source"], "row": c["row"], "span": c["span"], "sha256": c["sha256"],
                    "annotator_a": ann, "labels_a": tags, "annotator_b": ann2, "labels_b": a2,
                    "adjudicated": final, "adjudication_note": (decided or {}).get("note"),
                }, ensure_ascii=False) + "\n")
            f_real.write(json.dumps({
                "id": rid, "source": c["source"], "row": c["row"], "span": c["span"], "sha256": c["sha256"],
                "labels": final, "annotator": ann + ("+adjudicated" if rid in second else ""),
                "category": c["category"], "channel": "review",
                **({"selection": c["selection"]} if "selection" in c else {}),
            }, ensure_ascii=False) + "\n")
    return {"real": len(first), "double": len(second), "adjudication_changed_first_label": n_changed}
