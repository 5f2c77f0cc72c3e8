"""Write a model directory's README.md (model card) from the eval harness's report.

Every number in the card comes from ``feedback-nlp eval`` run on the frozen test split
(``report.json``), the training state and the data card; nothing is typed by hand.

    feedback-nlp eval data/build/dataset/test.jsonl --model models/default --out runs/eval-test
    python -m training model-card models/default --report runs/eval-test/report.json \
        --checkpoint runs/finetune-tiny-sent --data-card data/build/dataset/data_card.json

The card is part of the model directory, so its manifest is re-written afterwards.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.model_dir import CARD_FILE, TaggerConfig, write_manifest
from feedback_nlp.model_dir.card import render_model_card
from feedback_nlp.taxonomy import TAGS_BY_ID
from training.card_sections import _slice, _v, heldout_section, operating_points_section, targets_by_channel, training_section

TARGETS = {"micro precision": ("micro", "precision", 0.85, ">="), "micro recall": ("micro", "recall", 0.70, ">="),
           "FPR on written traps": ("trap", "fpr", 0.05, "<=")}


def metrics_markdown(report: dict, state: dict | None, data_card: dict | None, extra_sections: list[str] | None = None) -> str:
    m, b = report["model"], report.get("baseline")
    audit = report["audit"]
    trap_m, trap_b = _slice(m, "trap", "true"), (_slice(b, "trap", "true") if b else None)
    L = [f"Frozen **test split** ({audit['rows_valid']} texts: real reviews and team-written hard cases, never used for "
         "training or threshold tuning), measured by `feedback-nlp eval`; 95% bootstrap intervals in brackets "
         f"({audit['n_boot']} resamples, seed {audit['seed']}). Data file sha256 `{audit['data_sha256'][:16]}…`.", "",
         "| metric | this model | keyword baseline |", "|---|---|---|"]
    rows = [("micro precision", m["micro"]["precision"], b and b["micro"]["precision"]),
            ("micro recall", m["micro"]["recall"], b and b["micro"]["recall"]),
            ("micro F1", m["micro"]["f1"], b and b["micro"]["f1"]),
            ("macro F1", m["macro"]["f1"], b and b["macro"]["f1"]),
            ("detection precision (any tag — what CCR counts)", m["detection"]["precision"], b and b["detection"]["precision"]),
            ("detection recall", m["detection"]["recall"], b and b["detection"]["recall"]),
            ("false-positive rate, texts with no gold tag", m["fpr_no_gold"], b and b["fpr_no_gold"]),
            ("false-positive rate, written praise/neutral traps", trap_m and trap_m["fpr_no_gold"], trap_b and trap_b["fpr_no_gold"]),
            ("share of texts flagged negative (gold: %.3f)" % m["gold_rate"]["value"], m["flagged_rate"], b and b["flagged_rate"])]
    L += [f"| {name} | {_v(x)} | {_v(y)} |" for name, x, y in rows]
    got = {"micro precision": m["micro"]["precision"]["value"], "micro recall": m["micro"]["recall"]["value"],
           "FPR on written traps": trap_m and trap_m["fpr_no_gold"]["value"]}
    L += ["", "Targets of the model issue:", ""]
    for name, (_, _, target, op) in TARGETS.items():
        value = got[name]
        ok = value is not None and (value >= target if op == ">=" else value <= target)
        L.append(f"- {name} {op} {target}: {'met' if ok else '**not met**'} ({'n/a' if value is None else f'{value:.3f}'})")
    L += ["", "### Per tag (test split)", "", "| tag | 中文 | support | precision | recall | F1 | keyword precision | threshold |",
          "|---|---|---|---|---|---|---|---|"]
    base_tags = {t["tag"]: t for t in b["per_tag"]} if b else {}
    for t in m["per_tag"]:
        kb = base_tags.get(t["tag"])
        L.append(f"| `{t['tag']}` | {TAGS_BY_ID[t['tag']].name_zh} | {t['support']} | {_v(t['precision'], 2)} | {_v(t['recall'], 2)} | "
                 f"{_v(t['f1'], 2)} | {_v(kb and kb['precision'], 2)} | {report['thresholds'].get(t['tag'], float('nan')):.3f} |")
    L += ["", "### By channel (test split)", "", "| channel | texts | micro precision | micro recall | FPR no-gold | keyword FPR no-gold |",
          "|---|---|---|---|---|---|"]
    for s in (x for x in m["slices"] if x["field"] == "channel"):
        sb = _slice(b, "channel", str(s["value"])) if b else None
        L.append(f"| {s['value']} | {s['n']} | {_v(s['micro']['precision'], 2)} | {_v(s['micro']['recall'], 2)} | "
                 f"{_v(s['fpr_no_gold'], 2)} | {_v(sb and sb['fpr_no_gold'], 2)} |")
    ci = report.get("ccr_impact", {})
    if ci.get("inflation"):
        L += ["", f"**CCR impact**: on these texts the keyword approach flags {_v(ci['baseline_rate'])} as negative, this model "
              f"{_v(ci['model_rate'])}, the gold labels {_v(ci['gold_rate'])}: the crude approach inflates the flagged share "
              f"by {_v(ci['inflation'])}."]
    L += extra_sections or []
    if state and "encoder_lr" in state["config"]:
        L += training_section(state, "")
    elif state:
        c = state["config"]
        L += ["", "## Training", "",
              f"- base: `{c['base_model']}` (compact Chinese BERT pretrained here with whole-word masked-LM on the two corpora, "
              "then adapted on their review-level sentiment labels; see `models/` and `training/`)",
              f"- fine-tuning: {state['train_examples']} train / {state['dev_examples']} dev texts, {len(state['history'])} epochs run "
              f"(early stopping, patience {c['patience']}), batch {c['batch_size']}, lr {c['lr']}, seed {c['seed']}, "
              f"max length {c['max_length']}, product context as second segment: {c['use_context']}",
              f"- thresholds: tuned on dev for maximum recall at precision ≥ {c['precision_floor']} per tag "
              f"(pooled across tags when a tag has < {c['min_threshold_support']} dev positives)",
              f"- dev micro at tuned thresholds: {state['summary']['dev_micro@tuned']}"]
    if data_card:
        L += ["", "## Data", "",
              f"- {data_card['total']} gold texts: {data_card['real_total']} real corpus texts annotated one by one "
              f"(by reference, corpus text not shipped) + {data_card['written_total']} written by the team; "
              f"splits {data_card['by_split']}; see `training/data/DATA_CARD.md` (per-tag counts, kappa table)."]
    dev_n = (state or {}).get("dev_examples")
    v2 = bool(state and ("encoder_lr" in state["config"]))
    name = "accurate" if v2 and "alpha" not in state["config"] else "default"
    L += ["", "## Limits", "",
          "- Real texts are 2010s e-commerce and hotel reviews (clothing, fruit, dairy, shampoo, electronics, water heaters, "
          "hotels, books); the other domains and the after-sales, complaint and chat channels rest on team-written texts "
          "(real logs of those channels were not available).",
          "- Thresholds favour precision: a missed complaint is preferred to a merchant punished for praise; the operating-"
          "points table shows what a looser policy would buy in recall and cost in precision.",
          f"- Thresholds come from a dev split of {dev_n or 'about 1,700'} texts; a tag whose own threshold cannot reach the "
          "target shares a pooled one.",
          "- Base choice and the candidates compared: `docs/model-selection.md`.",
          "- Gold labels were assigned by LLM annotator agents following `docs/annotation-guide.md` and adjudicated by the lead; "
          "their mutual agreement (kappa in the data card) overstates human agreement.",
          "", "## Reproduce", "",
          "```bash",
          (f"make model-accurate   # dataset → e5 base → teacher → calibrated export (int8, parity gate) → eval → this card"
           if v2 and name == "accurate" else
           "make model   # … → distil the student from `accurate` → calibrated export (int8, parity gate) → eval → this card"
           if v2 else "make model-v1   # dataset → fine-tune → export (int8, parity gate) → eval on test → this card"),
          "```"]
    return "\n".join(L)


def write_model_card(model: str | PathLike[str], report: str | PathLike[str], *, checkpoint: str | PathLike[str] | None = None,
                     data_card: str | PathLike[str] | None = None, report_v2: str | PathLike[str] | None = None,
                     test: str | PathLike[str] | None = None, dev: str | PathLike[str] | None = None,
                     test_v2: str | PathLike[str] | None = None) -> Path:
    """Write ``model/README.md`` from an eval ``report.json`` (plus training state and data card); return its path.

    With ``report_v2`` (``feedback-nlp eval`` on test-v2) the held-out section is added; with ``test`` and ``dev``
    (and ``test_v2``) the operating-points table is computed from the model's own probabilities.
    Raises :class:`InvalidInputError` when a report was made with another ``model.onnx``.
    """
    root = Path(model)
    data = json.loads(Path(report).read_text(encoding="utf-8"))
    state = json.loads((Path(checkpoint) / "training_state.json").read_text(encoding="utf-8")) if checkpoint else None
    card = json.loads(Path(data_card).read_text(encoding="utf-8")) if data_card else None
    config = TaggerConfig.load(root)
    reports = [data] + ([json.loads(Path(report_v2).read_text(encoding="utf-8"))] if report_v2 else [])
    for r in reports:
        if r["audit"].get("model_files", {}).get("model.onnx") not in (None, config.onnx_sha256):
            raise InvalidInputError("a report was made with a different model.onnx than the one in the model directory; "
                                    "re-run the eval")
    extra = [""] + targets_by_channel(data, "the test split")
    if report_v2:
        extra += heldout_section(reports[1], "Held-out test-v2 (writers who wrote no training data)")
    if test and dev:
        sets = {"test": Path(test)} | ({"test-v2": Path(test_v2)} if test_v2 else {})
        extra += operating_points_section(root, sets, Path(dev))
    path = root / CARD_FILE
    path.write_text(render_model_card(config, metrics_markdown(data, state, card, extra)), encoding="utf-8")
    write_manifest(root)
    return path
