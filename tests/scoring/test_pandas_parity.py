"""The SQL and independent pandas and Polars implementations agree on generated demo data."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from feedback_nlp.scoring.demo_data import generate_demo_data
from feedback_nlp.scoring.policy import SUBMETRICS
from feedback_nlp.scoring.score import score

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_sql_matches_pandas(tmp_path, fmt):
    from pandas_scoring import score_pandas

    generate_demo_data(tmp_path, 6000, n_shops=14, fmt=fmt, with_tags=True)
    r = score(tmp_path, "2024-06-30").shops.set_index("shop_id")
    p = score_pandas(tmp_path, date(2024, 6, 30)).set_index("shop_id").reindex(r.index)
    cols = ["ccr", "ccr_product", "ccr_content", "ccr_service", "ccr_service_logistics", "experience_score",
            "score_product", "score_logistics", "score_service"]
    cols += [c for m in SUBMETRICS for c in (m, f"{m}_numerator", f"{m}_denominator", f"{m}_score")]
    for c in cols:
        a, b = r[c].astype(float).to_numpy(), p[c].astype(float).to_numpy()
        assert np.allclose(a, b, equal_nan=True, rtol=1e-9, atol=1e-9), c
    assert r["experience_score"].notna().sum() >= 10
    if importlib.util.find_spec("polars") is None:
        pytest.skip("polars not installed: the Polars baseline is not checked (pip install polars)")
    from polars_scoring import score_polars

    q = score_polars(tmp_path, date(2024, 6, 30)).set_index("shop_id").reindex(r.index)
    for c in cols:
        a, b = r[c].astype(float).to_numpy(), q[c].astype(float).to_numpy()
        assert np.allclose(a, b, equal_nan=True, rtol=1e-9, atol=1e-9), f"polars {c}"
