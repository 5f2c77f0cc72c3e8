"""What-if: score the same data twice — with the model's tags (A) and another tag set (B) — and
show per shop how much CCR and the experience score move.

A: the tags of ``tagger`` (or, without a tagger, the tags given in the feedback file).
B: ``baseline_tags`` (feedback_id → tags) when given, else ``baseline.predict`` — by default
``feedback_nlp.tagging.keyword_baseline.KeywordTagger()``, imported only when needed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from feedback_nlp.safe_output import atomic_output, neutralize_frame
from feedback_nlp.scoring.feedback_tags import set_feedback_tags
from feedback_nlp.scoring.tables import Tagger, load_inputs
from feedback_nlp.scoring.tag_cache import tag_feedback
from feedback_nlp.scoring.policy import Policy, load_policy
from feedback_nlp.scoring.score import parse_date, score_inputs

__all__ = ["whatif", "default_baseline", "write_whatif"]

COMPARED = ["ccr", "ccr_product", "ccr_content", "ccr_service", "experience_score", "score_product", "score_logistics", "score_service"]


def default_baseline() -> Tagger:
    from feedback_nlp.tagging.keyword_baseline import KeywordTagger

    return KeywordTagger()


def _current_tags(con) -> dict[str, list[str]]:
    rows = con.execute("SELECT feedback_id, list(tag ORDER BY tag) FROM feedback_tags GROUP BY feedback_id").fetchall()
    return {fid: list(tags) for fid, tags in rows}


def whatif(
    data: str | Path | Mapping[str, Any],
    as_of: str | date,
    policy: str | Policy | None = None,
    *,
    tagger: Tagger | None = None,
    baseline: Tagger | None = None,
    baseline_tags: Mapping[str, Sequence[str]] | None = None,
    timestamp_order: str = "error",
) -> pd.DataFrame:
    """One row per shop: each compared metric under A and B and the change ``<metric>_delta`` = B − A."""
    policy = load_policy(policy)
    as_of = parse_date(as_of)
    inputs = load_inputs(data, policy, tagger=tagger, timestamp_order=timestamp_order)
    con = inputs.con
    if tagger is not None and inputs.tag_source == "given":
        tag_feedback(con, tagger)
    tags_a = _current_tags(con)
    a = score_inputs(inputs, as_of, policy).shops
    if baseline_tags is None:
        tag_feedback(con, baseline or default_baseline())
        baseline_tags = _current_tags(con)
    else:
        set_feedback_tags(con, baseline_tags)
    inputs.tag_source = "override"
    b = score_inputs(inputs, as_of, policy).shops

    out = a[["shop_id", "industry"]].copy()
    for c in COMPARED:
        out[f"{c}_a"] = a[c].astype("float64")
        out[f"{c}_b"] = b[c].astype("float64")
        out[f"{c}_delta"] = out[f"{c}_b"] - out[f"{c}_a"]
    fb = con.execute("SELECT feedback_id, shop_id FROM feedback").df()
    tb = {k: sorted(v) for k, v in baseline_tags.items() if v}
    fb["tagged_a"] = fb["feedback_id"].map(lambda f: bool(tags_a.get(f)))
    fb["tagged_b"] = fb["feedback_id"].map(lambda f: bool(tb.get(f)))
    fb["changed"] = fb["feedback_id"].map(lambda f: sorted(tags_a.get(f, [])) != tb.get(f, []))
    counts = fb.groupby("shop_id")[["tagged_a", "tagged_b", "changed"]].sum().astype("int64")
    counts.columns = ["tagged_feedback_a", "tagged_feedback_b", "feedback_with_changed_tags"]
    out = out.merge(counts, left_on="shop_id", right_index=True, how="left")
    return out.sort_values("shop_id").reset_index(drop=True)


def write_whatif(table: pd.DataFrame, path: str | Path) -> str:
    """Write the what-if table as CSV; return a one-line summary of the mean changes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, "w", encoding="utf-8", newline="") as f:
        neutralize_frame(table).to_csv(f, index=False)
    return (f"what-if (keyword - model): mean CCR change {table['ccr_delta'].mean():+.4f}, mean experience "
            f"score change {table['experience_score_delta'].mean():+.3f} -> {path}")
