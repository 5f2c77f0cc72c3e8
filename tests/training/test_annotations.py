"""training/merge_annotations.py on a tiny fake .annotate work directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.corpora import sha256
from training.merge_annotations import merge

TEXTS = ["太甜了", "物流太慢了", "尺码偏大", "包装破损了", "客服不回消息", "面料舒服"]
LABELS = {0: ["taste"], 1: ["logistics"], 2: ["size"], 3: ["damage"], 4: ["service"], 5: []}
SLICES = 2


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def make_work(tmp_path: Path, second_labels: dict[str, list[str]], adjudication: list[dict] | None = None) -> Path:
    """Candidates dealt round-robin to 2 slices, the first item of each slice also given blind to the other."""
    work = tmp_path / ".annotate"
    work.mkdir()
    cands = [{"id": f"osc10:{i}", "source": "osc10", "row": i, "span": None, "sha256": sha256(t), "text": t,
              "category": "fruit"} for i, t in enumerate(TEXTS)]
    write_jsonl(work / "candidates.jsonl", cands)
    slices = [cands[i::SLICES] for i in range(SLICES)]
    for i in range(SLICES):
        extra = [dict(c, double=True) for c in slices[(i + 1) % SLICES][:1]]
        items = slices[i] + extra
        write_jsonl(work / f"slice-{i + 1}.jsonl", [{"id": c["id"], "category": c["category"], "text": c["text"]} for c in items])
        labels = [{"id": c["id"], "labels": second_labels.get(c["id"], LABELS[c["row"]]) if c.get("double") else LABELS[c["row"]]}
                  for c in items]
        write_jsonl(work / f"labels-{i + 1}.jsonl", labels)
    if adjudication is not None:
        write_jsonl(work / "adjudication.jsonl", adjudication)
    return work


def read(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def test_double_items_get_annotator_a_and_b(tmp_path):
    # osc10:1 (slice 2) is also labelled by ann-1, who disagrees; osc10:0 (slice 1) is also labelled by ann-2, who agrees
    work = make_work(tmp_path, {"osc10:1": ["logistics", "service"]},
                     [{"id": "osc10:1", "labels": ["service", "logistics"], "note": "both complaints"}])
    out = tmp_path / "annotations"
    stats = merge(work, out, slices=SLICES)
    assert stats == {"real": 6, "double": 2, "adjudication_changed_first_label": 1}

    real = read(out / "real.jsonl")
    assert [r["id"] for r in real] == [f"osc10:{i}" for i in range(6)]  # candidate order
    assert all("text" not in r for r in real)  # references only
    assert [r["annotator"] for r in real] == ["ann-1+adjudicated", "ann-2+adjudicated", "ann-1", "ann-2", "ann-1", "ann-2"]
    assert real[1]["labels"] == ["logistics", "service"]  # adjudicated, in taxonomy order
    assert real[0]["sha256"] == sha256(TEXTS[0]) and real[0]["span"] is None

    double = {d["id"]: d for d in read(out / "double.jsonl")}
    assert set(double) == {"osc10:0", "osc10:1"}
    d = double["osc10:1"]
    assert (d["annotator_a"], d["labels_a"], d["annotator_b"], d["labels_b"]) == (
        "ann-2", ["logistics"], "ann-1", ["logistics", "service"])
    assert d["adjudicated"] == ["logistics", "service"] and d["adjudication_note"] == "both complaints"
    a = double["osc10:0"]
    assert (a["annotator_a"], a["annotator_b"], a["labels_a"], a["labels_b"], a["adjudicated"]) == (
        "ann-1", "ann-2", ["taste"], ["taste"], ["taste"])


def test_disagreement_without_adjudication_raises(tmp_path):
    work = make_work(tmp_path, {"osc10:0": ["quality"]})
    with pytest.raises(ValueError, match="osc10:0: annotators disagree and no adjudication"):
        merge(work, tmp_path / "annotations", slices=SLICES)


def test_misaligned_labels_raise(tmp_path):
    work = make_work(tmp_path, {})
    labels = read(work / "labels-2.jsonl")
    write_jsonl(work / "labels-2.jsonl", labels[::-1])
    with pytest.raises(ValueError, match="labels-2.jsonl is not aligned with slice-2.jsonl"):
        merge(work, tmp_path / "annotations", slices=SLICES)


def test_unknown_tag_is_rejected(tmp_path):
    from feedback_nlp.errors import UnknownTagError

    work = make_work(tmp_path, {})
    labels = read(work / "labels-1.jsonl")
    labels[0]["labels"] = ["tasty"]
    write_jsonl(work / "labels-1.jsonl", labels)
    with pytest.raises(UnknownTagError, match="tasty"):
        merge(work, tmp_path / "annotations", slices=SLICES)
