"""Spark scoring equals DuckDB scoring on the same inputs: every output table, to 1e-9.

The comparison is generic (every column of every result table), so it keeps checking whatever
metrics the SQL files define.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="the Spark tests need the spark extra: pip install 'feedback-nlp[spark]'")
pytest.importorskip("sqlglot", reason="the Spark tests need the spark extra: pip install 'feedback-nlp[spark]'")

from typer.testing import CliRunner  # noqa: E402

from feedback_nlp.cli import app  # noqa: E402
from feedback_nlp.errors import InputValidationError  # noqa: E402
from feedback_nlp.scoring.demo_data import generate_demo_data  # noqa: E402
from feedback_nlp.scoring.score import ScoreResult, score  # noqa: E402
from feedback_nlp.spark.scoring import score_spark  # noqa: E402
from tests.scoring import test_ccr, test_experience_score as exp  # noqa: E402
from tests.scoring.helpers import make_data, policy  # noqa: E402

pytestmark = pytest.mark.spark


def assert_same_frame(a: pd.DataFrame | None, b: pd.DataFrame | None, what: str) -> None:
    if a is None or b is None:
        assert a is None and b is None, what
        return
    assert list(a.columns) == list(b.columns), what
    key = [c for c in a.columns if a[c].dtype == object][:3] or list(a.columns[:1])
    a = a.sort_values(key, kind="stable").reset_index(drop=True)
    b = b.sort_values(key, kind="stable").reset_index(drop=True)
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) or pd.api.types.is_numeric_dtype(b[c]):
            x, y = a[c].astype("float64"), b[c].astype("float64")
            assert ((x - y).abs().fillna(0) <= 1e-9).all() and (x.isna() == y.isna()).all(), f"{what}.{c}"
        else:
            assert a[c].astype(object).where(a[c].notna(), None).tolist() == b[c].astype(object).where(b[c].notna(), None).tolist(), f"{what}.{c}"


def assert_same_result(a: ScoreResult, b: ScoreResult) -> None:
    assert len(a.shops) > 0
    for name in ("shops", "submetrics", "tags", "products"):
        assert_same_frame(getattr(a, name), getattr(b, name), name)
    assert a.unavailable == b.unavailable and a.notes == b.notes


def test_known_answer_tables_ccr(spark, tmp_path):
    data = test_ccr.data.__wrapped__(tmp_path)
    p = policy()
    duck, spk = score(data, test_ccr.AS_OF, p), score_spark(data, test_ccr.AS_OF, p, spark=spark)
    assert_same_result(duck, spk)
    assert spk.shop("A")["ccr"] == pytest.approx(0.6)  # the known answer of tests/scoring/test_ccr.py, on Spark


def test_known_answer_tables_experience_score(spark, tmp_path):
    data = make_data(tmp_path, exp.ORDERS, exp.FEEDBACK, exp.AFTER_SALES, exp.IM)
    p = policy(experience__half_life_days=30, experience__bad_review="rating_or_product_tags")
    assert_same_result(score(data, exp.AS_OF, p), score_spark(data, exp.AS_OF, p, spark=spark))


def test_demo_data_through_the_cli(spark, tmp_path):
    data = tmp_path / "demo"
    generate_demo_data(data, 1500, with_tags=True)
    runner = CliRunner()
    for engine in ("local", "spark"):
        r = runner.invoke(app, ["score", "--data", str(data), "--as-of", "2024-06-30", "--policy", "seed002",
                                "--out", str(tmp_path / engine), "--no-reports", "--engine", engine])
        assert r.exit_code == 0, r.output
    local = pd.read_csv(tmp_path / "local" / "shop_scores.csv")
    on_spark = pd.read_csv(tmp_path / "spark" / "shop_scores.csv")
    assert len(local) > 10 and local["experience_score"].notna().any()
    assert_same_frame(local, on_spark, "shop_scores.csv")


def test_validation_errors_read_the_same(spark, tmp_path):
    data = make_data(tmp_path, [dict(order_id="o1", shop_id="A", paid_at="not a time")], [])
    with pytest.raises(InputValidationError) as duck:
        score(data, "2024-03-31")
    with pytest.raises(InputValidationError) as spk:
        score_spark(data, "2024-03-31", spark=spark)
    assert str(spk.value) == str(duck.value) and "paid_at" in str(spk.value)
    r = CliRunner().invoke(app, ["score", "--data", str(data), "--as-of", "2024-03-31", "--out", str(tmp_path / "o"),
                                 "--engine", "spark"])
    assert r.exit_code == 2 and "not an ISO 8601 timestamp" in r.output


def test_what_if_is_local_only(tmp_path):
    r = CliRunner().invoke(app, ["score", "--data", str(tmp_path), "--as-of", "2024-03-31", "--out", str(tmp_path / "o"),
                                 "--engine", "spark", "--what-if"])
    assert r.exit_code == 2 and "--engine local only" in r.output
