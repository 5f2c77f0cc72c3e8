"""The demo generator: feedback carries its product context where the text depends on it."""

from __future__ import annotations

import duckdb

from feedback_nlp.scoring.demo_data import generate_demo_data
from feedback_nlp.scoring.demo_texts import CONTEXTS, POOLS


def test_feedback_gets_the_product_context_of_its_text(tmp_path):
    generate_demo_data(tmp_path, 3000)
    rows = duckdb.sql(f"SELECT text, context FROM read_csv('{tmp_path / 'feedback.csv'}', all_varchar=true)").fetchall()
    with_context = {(t, c) for t, c in rows if c is not None}
    assert with_context and all(CONTEXTS[t] == c for t, c in with_context)
    assert all(c is None for t, c in rows if t not in CONTEXTS)
    assert set(CONTEXTS) <= {text for items in POOLS.values() for text, _ in items}
