"""The appeal pack of one shop: every order behind its CCR, why each was tagged, and which look wrong.

>>> from feedback_nlp.scoring.appeal import build_appeal, write_appeal     # doctest: +SKIP
>>> pack = build_appeal("demo/", "S0007", "2024-06-30")
>>> write_appeal(pack, "appeal/")          # appeal_S0007.html (self-contained), .csv, .json

For each counted negative feedback: channel, text, the tags that count, the model's probability
and margin per tag, the evidence spans (:mod:`feedback_nlp.tagging.explain`), and whether the
second model (``accurate``) agrees. An order is **doubtful** when every negative feedback behind
it shows a sign of a wrong tag (:mod:`feedback_nlp.tagging.doubt`: small margin, models disagree,
trap pattern); doubtful orders come first. The shop's CCR is given as scored, without the
doubtful orders, and under the keyword baseline — the last two by the what-if
(:func:`feedback_nlp.scoring.whatif.whatif`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.scoring.ccr import ccr_orders
from feedback_nlp.scoring.policy import Policy, load_policy
from feedback_nlp.scoring.score import parse_date, score_inputs
from feedback_nlp.scoring.tables import load_inputs
from feedback_nlp.scoring.whatif import _current_tags, whatif
from feedback_nlp.tagging.doubt import SECOND_MODEL, SMALL_MARGIN, agreement, load_second_tagger, logit_margin, trap_patterns

__all__ = ["AppealRow", "AppealPack", "build_appeal", "write_appeal", "appeal_paths"]


@dataclass(frozen=True)
class AppealRow:
    """One counted negative feedback of an order in the CCR numerator."""

    order_id: str
    paid_at: str | None
    product_id: str | None
    feedback_id: str
    channel: str
    created_at: str
    rating: int | None
    text: str
    tags: list[str]
    probabilities: dict[str, float]
    margins: dict[str, float]  # probability − threshold, per tag
    min_logit_margin: float | None
    evidence: list[dict[str, Any]]
    second_tags: list[str] | None
    second_agrees: str | None  # "yes" | "partly" | "no" | None (no second model)
    doubt: list[str]  # reasons this tag may be wrong
    order_doubtful: bool


@dataclass
class AppealPack:
    shop_id: str
    industry: str
    as_of: date
    policy: str
    model: str
    second_model: str | None
    second_note: str
    tag_source: str  # "tagger": the model's tags; "given": the tags of the feedback file
    ccr_orders: int
    ccr_neg_orders: int
    ccr: float | None
    ccr_without_doubtful: float | None
    ccr_keyword: float | None
    doubtful_orders: int
    rows: list[AppealRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["as_of"] = self.as_of.isoformat()
        return d


class _MemoTagger:
    """``predict`` that answers a repeated call from memory, so the three scorings of the pack run the model
    once. Keyed by the whole call: the tags of the pack are exactly those of ``feedback-nlp score``, which
    tags the same batches (an int8 model's probabilities can move in the 4th decimal with the batch)."""

    def __init__(self, tagger: Any) -> None:
        self.tagger, self._cache = tagger, {}

    def predict(self, texts: list[str], contexts: Any = None) -> list[list[str]]:
        key = tuple(texts)
        if key not in self._cache:
            self._cache[key] = self.tagger.predict(list(texts))
        return [list(t) for t in self._cache[key]]


def _none(v: Any) -> Any:
    return None if v is None or v is pd.NaT or (isinstance(v, float) and v != v) or v is pd.NA else v


def _shop_ccr(table: pd.DataFrame, shop_id: str) -> float | None:
    return _none(table.loc[table["shop_id"] == shop_id, "ccr_b"].iloc[0])


def build_appeal(
    data: str | PathLike[str] | Mapping[str, Any],
    shop_id: str,
    as_of: str | date,
    policy: str | Policy | None = None,
    *,
    model: str | PathLike[str] | None = None,
    compare_with: str | None = SECOND_MODEL,
    small_margin: float = SMALL_MARGIN,
) -> AppealPack:
    """Build the appeal pack of ``shop_id`` (see the module docstring).

    ``model``: the tagger whose tags the CCR uses when the feedback carries none (and whose
    evidence is shown); ``compare_with``: the second model (``None``: no comparison; the
    shipped ``accurate`` that is not published yet gives a note, not an error).
    """
    from feedback_nlp.tagging.onnx_tagger import load_tagger

    policy = load_policy(policy)
    as_of = parse_date(as_of)
    tagger = load_tagger(model)
    second, second_note = load_second_tagger(compare_with)
    memo = _MemoTagger(tagger)
    inputs = load_inputs(data, policy, tagger=memo)
    result = score_inputs(inputs, as_of, policy)
    shops = result.shops
    if shop_id not in set(shops["shop_id"]):
        known = sorted(shops["shop_id"])
        raise InvalidInputError(f"shop {shop_id!r} has no orders in the data; shops: {', '.join(known[:20])}"
                                + (f" … ({len(known)} in all)" if len(known) > 20 else ""))
    shop = result.shop(shop_id)
    drill = ccr_orders(inputs, as_of, policy)
    drill = drill[drill["shop_id"] == shop_id].reset_index(drop=True)
    all_tags = _current_tags(inputs.con)

    texts = [t or "" for t in drill["text"]]
    counted = [sorted(all_tags.get(f, [])) for f in drill["feedback_id"]]
    explanations = tagger.explain(texts, tags=counted) if texts else []
    second_tags = second.predict(texts) if second is not None and texts else [None] * len(texts)
    thresholds = tagger.thresholds

    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(drill.to_dict("records")):
        ev = explanations[i].evidence
        probs = {e.tag: e.probability for e in ev}
        margins = {e.tag: e.margin for e in ev}
        logit = min((logit_margin(probs[t], thresholds[t]) for t in probs), default=None)
        agrees = agreement(counted[i], second_tags[i])
        doubt = (["small_margin"] if logit is not None and logit < small_margin else []) + (
            ["models_disagree"] if agrees == "no" else []) + [f"trap:{p}" for p in trap_patterns(texts[i])]
        rows.append(dict(
            order_id=str(rec["order_id"]), paid_at=None if _none(rec["paid_at"]) is None else str(rec["paid_at"]),
            product_id=_none(rec.get("product_id")), feedback_id=str(rec["feedback_id"]), channel=rec["channel"],
            created_at=str(rec["created_at"]), rating=None if _none(rec["rating"]) is None else int(rec["rating"]),
            text=texts[i], tags=counted[i], probabilities=probs, margins=margins,
            min_logit_margin=None if logit is None else round(logit, 3), evidence=[e.to_dict() for e in ev],
            second_tags=second_tags[i], second_agrees=agrees, doubt=doubt,
        ))
    by_order: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_order.setdefault(r["order_id"], []).append(r)
    doubtful = {o for o, rs in by_order.items() if all(r["doubt"] for r in rs)}

    def order_key(o: str) -> tuple:
        rs = by_order[o]
        margin = min((r["min_logit_margin"] for r in rs if r["min_logit_margin"] is not None), default=float("inf"))
        return (o not in doubtful, -max(len(r["doubt"]) for r in rs), margin, o)

    ordered = [AppealRow(**r, order_doubtful=o in doubtful) for o in sorted(by_order, key=order_key) for r in by_order[o]]

    # the what-if reuses the tags just computed (memo) or the given ones
    whatif_tagger = memo if inputs.tag_source == "tagger" else None
    doubtful_feedback = {r.feedback_id for r in ordered if r.order_doubtful}
    without = {f: ([] if f in doubtful_feedback else ts) for f, ts in all_tags.items()}
    ccr_without = _shop_ccr(whatif(data, as_of, policy, tagger=whatif_tagger, baseline_tags=without), shop_id)
    ccr_keyword = _shop_ccr(whatif(data, as_of, policy, tagger=whatif_tagger), shop_id)

    notes = []
    if inputs.tag_source == "given":
        notes.append("the feedback file carries tags: the CCR uses them; probabilities and evidence are the model's")
    return AppealPack(
        shop_id=shop_id, industry=str(shop["industry"]), as_of=as_of, policy=policy.label,
        model=str(model) if model is not None else (tagger.model_dir.name if tagger.model_dir else "model"),
        second_model=None if second is None else str(compare_with), second_note=second_note,
        tag_source=inputs.tag_source, ccr_orders=int(shop["ccr_orders"]), ccr_neg_orders=int(shop["ccr_neg_orders"]),
        ccr=_none(shop["ccr"]), ccr_without_doubtful=ccr_without, ccr_keyword=ccr_keyword,
        doubtful_orders=len(doubtful), rows=ordered, notes=notes,
    )


_CSV_COLUMNS = ["rank", "order_id", "order_doubtful", "doubt", "feedback_id", "channel", "created_at", "rating",
                "tags", "probabilities", "margins", "min_logit_margin", "evidence", "second_model_tags",
                "second_agrees", "paid_at", "product_id", "text"]


def appeal_paths(out: str | PathLike[str], shop_id: str) -> dict[str, Path]:
    from feedback_nlp.scoring.report import report_file_names

    stem = "appeal_" + report_file_names([shop_id])[shop_id].removesuffix(".html")  # unique per shop id
    root = Path(out)
    return {ext: root / f"{stem}.{ext}" for ext in ("html", "csv", "json")}


def _evidence_text(evidence: list[dict[str, Any]]) -> str:
    return "; ".join(f"{e['tag']}: " + ", ".join(f"{s['text']}[{s['start']}:{s['end']}] {s['weight']:.2f}"
                                                  for s in e["spans"]) for e in evidence)


def write_appeal(pack: AppealPack, out: str | PathLike[str]) -> dict[str, Path]:
    """Write ``appeal_<shop>.html`` (self-contained, opens offline), ``.csv`` (UTF-8 with BOM) and ``.json``."""
    from feedback_nlp.scoring.appeal_html import render_appeal_html

    paths = appeal_paths(out, pack.shop_id)
    paths["html"].parent.mkdir(parents=True, exist_ok=True)
    paths["html"].write_text(render_appeal_html(pack), encoding="utf-8")
    table = pd.DataFrame([{
        "rank": i, "order_id": r.order_id, "order_doubtful": r.order_doubtful, "doubt": " ".join(r.doubt),
        "feedback_id": r.feedback_id, "channel": r.channel, "created_at": r.created_at, "rating": r.rating,
        "tags": " ".join(r.tags), "probabilities": json.dumps(r.probabilities), "margins": json.dumps(r.margins),
        "min_logit_margin": r.min_logit_margin, "evidence": _evidence_text(r.evidence),
        "second_model_tags": "" if r.second_tags is None else " ".join(r.second_tags),
        "second_agrees": r.second_agrees or "", "paid_at": r.paid_at, "product_id": r.product_id, "text": r.text,
    } for i, r in enumerate(pack.rows, start=1)], columns=_CSV_COLUMNS)
    table["rating"] = table["rating"].astype("Int64")
    table.to_csv(paths["csv"], index=False, encoding="utf-8-sig")
    paths["json"].write_text(json.dumps(pack.to_dict(), ensure_ascii=False, indent=1, default=str) + "\n",
                             encoding="utf-8")
    return paths
