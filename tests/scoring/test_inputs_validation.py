"""Input validation: one error listing every problem with file, row and column."""

from __future__ import annotations

import pytest

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.errors import InputValidationError
from feedback_nlp.scoring.tables import load_inputs

from .helpers import FakeTagger, fb, make_data, policy, write_table


def test_every_problem_is_listed_once(tmp_path):
    orders = [
        dict(order_id="o1", shop_id="A", paid_at="2024-03-01 10:00:00"),
        dict(order_id="o1", shop_id="A", paid_at="yesterday"),  # duplicate id, bad timestamp
        dict(order_id="o3", shop_id="A", paid_at="2024-03-01 10:00:00", is_abnormal="maybe"),
    ]
    feedback = [
        fb("f1", "o1", "A", "review", "2024-03-02 10:00:00", "quality;sizes", rating=1),  # unknown tag
        fb("f2", "o1", "A", "weibo", "2024-03-02 10:00:00", ""),  # unknown channel
        fb("f3", "o1", "A", "review", "2024-03-02 10:00:00", "", rating=9),  # rating out of range
        fb("f4", "o9", "A", "complaint", "2024-03-02 10:00:00", ""),  # unknown order
    ]
    d = make_data(tmp_path, orders, feedback)
    with pytest.raises(InputValidationError) as e:
        load_inputs(d, policy())
    msg = str(e.value)
    probs = {(p.file, p.column, p.message.split(" (")[0], p.rows) for p in e.value.problems}
    assert ("orders.csv", "order_id", "duplicate id", (1, 2)) in probs
    assert ("orders.csv", "paid_at", "not an ISO 8601 timestamp", (2,)) in probs
    assert ("orders.csv", "is_abnormal", "not a boolean", (3,)) in probs
    assert ("feedback.csv", "tags", "unknown tag", (1,)) in probs
    assert ("feedback.csv", "channel", "unknown value", (2,)) in probs
    assert ("feedback.csv", "rating", "review rating must be an integer 1–5", (3,)) in probs
    assert "row 2 (yesterday)" in msg and "sizes" in msg and "weibo" in msg
    assert isinstance(e.value, InvalidInputError)


def test_missing_columns_and_tables(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    write_table(d / "orders.csv", [dict(order_id="o1", shop_id="A")])
    with pytest.raises(InputValidationError) as e:
        load_inputs(d, policy())
    msg = str(e.value)
    assert "required table feedback is missing" in msg
    write_table(d / "feedback.csv", [dict(feedback_id="f1")])
    with pytest.raises(InputValidationError) as e:
        load_inputs(d, policy())
    cols = {p.file: p.column for p in e.value.problems}
    assert "industry" in cols["orders.csv"] and "paid_at" in cols["orders.csv"]
    assert "channel" in cols["feedback.csv"]


def test_referential_checks(tmp_path):
    orders = [dict(order_id="o1", shop_id="A", paid_at="2024-03-01 10:00:00"),
               dict(order_id="o2", shop_id="A", industry="toys", paid_at="2024-03-01 10:00:00")]
    feedback = [fb("f1", "o1", "B", "review", "2024-03-02 10:00:00", "")]
    after = [dict(case_id="k1", order_id="o7", shop_id="A", type="refund_only", reason="quality", requested_at="2024-03-03 10:00:00")]
    d = make_data(tmp_path, orders, feedback, after_sales=after)
    with pytest.raises(InputValidationError) as e:
        load_inputs(d, policy())
    msgs = {(p.file, p.message) for p in e.value.problems}
    assert ("feedback.csv", "shop_id differs from the order's shop_id") in msgs
    assert ("after_sales.csv", "order_id not found in orders") in msgs
    assert ("orders.csv", "a shop has several industries") in msgs


def test_tagger_runs_only_when_tags_absent(tmp_path):
    orders = [dict(order_id="o1", shop_id="A", paid_at="2024-03-01 10:00:00")]
    feedback = [fb("f1", "o1", "A", "review", "2024-03-02 10:00:00", text="质量差 #quality", rating=1),
                fb("f2", "o1", "A", "im", "2024-03-02 10:00:00", text="请问会偏大吗")]
    d = make_data(tmp_path, orders, [{k: v for k, v in f.items() if k != "tags"} for f in feedback], tags_column=False)
    with pytest.raises(InvalidInputError, match="no tagger"):
        load_inputs(d, policy())
    t = FakeTagger()
    inputs = load_inputs(d, policy(), tagger=t)
    assert t.calls == 1 and inputs.tag_source == "tagger"
    assert inputs.con.execute("SELECT feedback_id, tag FROM feedback_tags").fetchall() == [("f1", "quality")]


def test_parquet_and_frames_are_accepted(tmp_path):
    import pandas as pd

    orders = pd.DataFrame({"order_id": ["o1"], "shop_id": ["A"], "industry": ["food"],
                           "paid_at": pd.to_datetime(["2024-03-01 10:00:00"]), "is_abnormal": [False], "is_presale": [False],
                           "needs_shipping": [True], "picked_up_at": pd.NaT, "signed_at": pd.NaT, "confirmed_at": pd.NaT})
    feedback = pd.DataFrame({"feedback_id": ["f1"], "order_id": ["o1"], "shop_id": ["A"], "channel": ["review"],
                             "created_at": pd.to_datetime(["2024-03-02"]), "text": ["x"], "rating": [1], "tags": ["quality"]})
    d = tmp_path / "pq"
    d.mkdir()
    orders.to_parquet(d / "orders.parquet")
    feedback.to_parquet(d / "feedback.parquet")
    for src in (d, {"orders": orders, "feedback": feedback}):
        inputs = load_inputs(src, policy())
        assert inputs.con.execute("SELECT count(*) FROM feedback_tags").fetchone()[0] == 1
