"""Experience-score sub-metrics, ranks and scores with hand-computed answers.

as_of 2024-06-01: last 90 days = [2024-03-03 00:00, 2024-06-01 00:00); days 15–104 = [2024-02-18, 2024-05-18).
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import pytest

from feedback_nlp.scoring.ccr import rank_within_industry
from feedback_nlp.scoring.tables import load_inputs
from feedback_nlp.scoring.policy import DIMENSIONS, SUBMETRICS
from feedback_nlp.scoring.score import score

from .helpers import fb, make_data, policy

AS_OF = "2024-06-01"


def O(oid, paid, picked="", signed="", confirmed="", shop="S1", **kw):
    return dict(order_id=oid, shop_id=shop, paid_at=paid, picked_up_at=picked, signed_at=signed, confirmed_at=confirmed, **kw)


ORDERS = [
    O("x1", "2024-04-25 10:00:00", "2024-04-26 09:59:59", "2024-04-28 09:59:59"),  # pickup < 24 h, delivery 48 h
    O("x2", "2024-04-26 10:00:00", "2024-04-27 10:00:00", "2024-04-27 22:00:00"),  # pickup exactly 24 h, delivery 12 h
    O("x3", "2024-04-27 10:00:00", "2024-04-29 09:00:00", "", "2024-05-03 10:00:00"),  # pickup 47 h; confirmed only
    O("x4", "2024-02-25 10:00:00", "2024-02-26 10:00:00", "2024-03-02 23:59:59"),  # signed 1 s before the window
    O("x5", "2024-02-27 10:00:00", "2024-02-28 10:00:00", "2024-03-03 00:00:00"),  # signed on the window start: 86 h
    O("x6", "2024-04-28 10:00:00", "2024-04-29 10:00:00", "2024-04-30 10:00:00", is_abnormal="true"),
    O("x7", "2024-05-20 10:00:00", "2024-05-25 10:00:00", "2024-05-27 10:00:00", is_presale="true"),  # delivery 48 h
    O("x8", "2024-05-17 23:59:59", "2024-05-20 00:00:00"),  # pickup 48 h 1 s: no credit
    O("y1", "2024-05-10 10:00:00", shop="S2"),
]
FEEDBACK = [
    fb("r1", "x1", "S1", "review", "2024-04-29 10:00:00", "quality", rating=1),
    fb("r2", "x2", "S1", "review", "2024-04-28 10:00:00", "", rating=5),
    fb("r2b", "x2", "S1", "review", "2024-04-30 10:00:00", "quality", rating=1),  # later review: ignored
    fb("r3", "x3", "S1", "review", "2024-05-04 10:00:00", "", rating=2),
    fb("r5", "x5", "S1", "review", "2024-03-10 10:00:00", "service", rating=5),
    fb("r6", "x6", "S1", "review", "2024-05-01 10:00:00", "quality", rating=1),  # abnormal order
    fb("c1", "x1", "S1", "complaint", "2024-05-01 10:00:00", "quality"),
    fb("c1b", "x1", "S1", "complaint", "2024-05-02 10:00:00", "service"),
    fb("c4", "x4", "S1", "complaint", "2024-03-01 10:00:00", ""),
    fb("c7", "x7", "S1", "complaint", "2024-05-28 10:00:00", "logistics"),  # x7 paid outside days 15–104
]
AFTER_SALES = [
    dict(case_id="k1", order_id="x1", shop_id="S1", type="return_refund", reason="quality", requested_at="2024-05-01 00:00:00",
         merchant_agreed_at="2024-05-01 10:00:00", return_signed_at="2024-05-04 00:00:00", refund_agreed_at="2024-05-04 05:00:00",
         completed_at="2024-05-04 06:00:00", arbitrated="true", merchant_fault="true"),  # 10 h + 5 h
    dict(case_id="k2", order_id="x2", shop_id="S1", type="refund_only", reason="logistics", requested_at="2024-05-02 00:00:00",
         merchant_agreed_at="2024-05-02 04:00:00", completed_at="2024-05-02 05:00:00", arbitrated="true"),  # 4 h
    dict(case_id="k3", order_id="x3", shop_id="S1", type="exchange", reason="quality", requested_at="2024-05-03 00:00:00",
         return_signed_at="2024-05-05 00:00:00", completed_at="2024-05-06 00:00:00"),  # 72 h; an exchange has no refund leg
    dict(case_id="k4", order_id="x4", shop_id="S1", type="return_refund", reason="other", requested_at="2024-02-27 00:00:00",
         merchant_agreed_at="2024-02-27 01:00:00", completed_at="2024-03-02 23:00:00"),  # completed before the window
    dict(case_id="k5", order_id="x7", shop_id="S1", type="refund_only", reason="quality", requested_at="2024-05-26 00:00:00",
         completed_at="2024-05-26 08:00:00"),  # never agreed: 8 h until completion
    dict(case_id="k6", order_id="x6", shop_id="S1", type="refund_only", reason="quality", requested_at="2024-05-01 00:00:00",
         merchant_agreed_at="2024-05-01 01:00:00", completed_at="2024-05-01 02:00:00"),  # abnormal order
    dict(case_id="k7", order_id="x8", shop_id="S1", type="refund_only", reason="quality", requested_at="2024-05-25 00:00:00"),
]
IM = [
    dict(session_id="m1", shop_id="S1", started_at="2024-05-01 08:00:00", to_human="true", first_human_reply_at="2024-05-01 08:03:00"),
    dict(session_id="m2", shop_id="S1", started_at="2024-05-01 22:59:59", to_human="true", first_human_reply_at="2024-05-01 23:03:00"),
    dict(session_id="m3", shop_id="S1", started_at="2024-05-01 23:00:00", to_human="true", first_human_reply_at="2024-05-01 23:00:10"),
    dict(session_id="m4", shop_id="S1", started_at="2024-05-01 07:59:59", to_human="true", first_human_reply_at="2024-05-01 08:00:10"),
    dict(session_id="m5", shop_id="S1", started_at="2024-05-02 12:00:00", to_human="false"),
    dict(session_id="m6", shop_id="S1", started_at="2024-05-02 12:00:00", to_human="true"),
    dict(session_id="m7", shop_id="S1", started_at="2024-03-02 12:00:00", to_human="true", first_human_reply_at="2024-03-02 12:00:10"),
]

EXPECTED = {  # metric: (raw numerator, raw denominator)
    "bad_review_rate": (2, 5),  # den x1 x2 x3(confirmed) x5 x7; bad x1 x3
    "quality_return_rate": (3, 6),  # cohort x1 x2 x3 x4 x5 x8; refunds x1 (quality) x2 (logistics) x8 (requested, open)
    "pickup_timeliness": (1.75, 4),  # x1 1.0 + x2 0.5 + x3 0.25 + x8 0
    "delivery_hours": (194, 4),  # 48 + 12 + 86 + 48
    "complaint_rate": (2, 6),  # orders x1 x4
    "dispute_merchant_fault_rate": (1, 4),  # k1 of k1 k2 k3 k5
    "im_3min_reply_rate": (1, 3),  # m1 of m1 m2 m6
    "refund_only_hours": (12, 2),  # k2 4 h + k5 8 h
    "return_refund_hours": (87, 2),  # k1 15 h + k3 72 h (exchange: first leg only, no refund to agree to)
    "good_service_review_rate": (1, 4),  # r2 of r1 r2 r3 r5
}


@pytest.fixture
def data(tmp_path):
    return make_data(tmp_path, ORDERS, FEEDBACK, AFTER_SALES, IM)


@pytest.mark.parametrize("metric", list(EXPECTED))
def test_submetric_known_answers(data, metric):
    r = score(data, AS_OF, policy())
    s = r.shop("S1")
    num, den = EXPECTED[metric]
    assert s[f"{metric}_raw_numerator"] == pytest.approx(num)
    assert s[f"{metric}_raw_denominator"] == pytest.approx(den)
    # no decay: weighted equals raw
    assert s[f"{metric}_numerator"] == pytest.approx(num)
    assert s[metric] == pytest.approx(num / den)


def test_complaint_unit_counts_every_complaint(data):
    s = score(data, AS_OF, policy(experience__complaint_unit="complaint")).shop("S1")
    assert s["complaint_rate"] == pytest.approx(3 / 6)


def test_bad_review_by_tags_policy(data):
    s = score(data, AS_OF, policy(experience__bad_review="rating_or_product_tags")).shop("S1")
    assert s["bad_review_rate_raw_numerator"] == 2  # r1 already bad by rating; r5 carries a service tag only


def test_recency_decay(data):
    hl = 30.0
    s = score(data, AS_OF, policy(experience__half_life_days=hl)).shop("S1")
    end = datetime(2024, 6, 1)

    def w(ts):
        return 0.5 ** ((end - datetime.fromisoformat(ts)).total_seconds() / 86400 / hl)

    sig = {"x1": "2024-04-28 09:59:59", "x2": "2024-04-27 22:00:00", "x3": "2024-05-03 10:00:00", "x5": "2024-03-03 00:00:00", "x7": "2024-05-27 10:00:00"}
    assert s["bad_review_rate_numerator"] == pytest.approx(w(sig["x1"]) + w(sig["x3"]))
    assert s["bad_review_rate_denominator"] == pytest.approx(sum(w(t) for t in sig.values()))
    assert w("2024-05-02 00:00:00") == pytest.approx(0.5)


def test_missing_optional_tables_are_unavailable_not_zero(tmp_path):
    d = make_data(tmp_path, ORDERS, FEEDBACK)  # no after_sales, no im_sessions
    r = score(d, AS_OF, policy())
    s = r.shop("S1")
    for m in ("quality_return_rate", "dispute_merchant_fault_rate", "refund_only_hours", "return_refund_hours", "im_3min_reply_rate"):
        assert m in r.unavailable
        assert math.isnan(s[m]) and s[f"{m}_status"].startswith("unavailable")
    assert s["bad_review_rate"] == pytest.approx(0.4)
    j = r.to_json_dict()["shops"][0]["submetrics"]["im_3min_reply_rate"]
    assert j["value"] is None and j["status"].startswith("unavailable")


def test_rank_ties_small_industry_and_ineligible(data):
    inputs = load_inputs(data, policy())
    vals = pd.DataFrame({
        "shop_id": ["f1", "f2", "f3", "f4", "f5", "t1"],
        "industry": ["food"] * 5 + ["toys"],
        "metric": "m",
        "value": [0.1, 0.2, 0.2, 0.4, 0.0, 0.3],
        "higher_is_better": False,
        "eligible": [True, True, True, True, False, True],
    })
    r = rank_within_industry(inputs, vals, min_industry_shops=2).set_index("shop_id")
    assert "f5" not in r.index  # below minimum volume: not ranked, not a peer
    assert r.loc["f1", "percentile"] == pytest.approx(1.0) and r.loc["f1", "rank"] == 1
    assert r.loc["f2", "percentile"] == pytest.approx(0.5) and r.loc["f3", "percentile"] == pytest.approx(0.5)  # mid-rank
    assert r.loc["f2", "rank"] == 2 and r.loc["f3", "rank"] == 2
    assert r.loc["f4", "percentile"] == pytest.approx(0.0)
    # toys has one shop (< 2): ranked among all 5 eligible shops; 3 better, 1 worse
    assert r.loc["t1", "peer_group"] == "all" and r.loc["t1", "peers"] == 5
    assert r.loc["t1", "percentile"] == pytest.approx(0.25)
    alone = rank_within_industry(inputs, vals[vals.shop_id == "t1"], min_industry_shops=1)
    assert alone["percentile"].iloc[0] == pytest.approx(0.5)  # no peers at all: the middle


def test_scores_and_weights(tmp_path):
    # three shops in one industry that differ only in pickup speed (hours) and delivery time
    orders = []
    for shop, pick_h in (("P1", "2024-05-01 12:00:00"), ("P2", "2024-05-02 12:00:00"), ("P3", "2024-05-03 12:00:00")):
        orders.append(O(f"{shop}o", "2024-05-01 10:00:00", pick_h, "2024-05-10 10:00:00", shop=shop))
    d = make_data(tmp_path, orders, [])
    pol = policy(experience__min_industry_shops=3)
    r = score(d, AS_OF, pol)
    # pickup: P1 2 h (1.0), P2 26 h (0.5), P3 50 h (0) -> percentiles 1, .5, 0 -> scores 5, 4, 3
    assert [r.shop(s)["pickup_timeliness_score"] for s in ("P1", "P2", "P3")] == pytest.approx([5.0, 4.0, 3.0])
    # delivery: P1 longest (214 h) -> worst
    assert [r.shop(s)["delivery_hours_score"] for s in ("P1", "P2", "P3")] == pytest.approx([3.0, 4.0, 5.0])
    p1 = r.shop("P1")
    assert p1["score_logistics"] == pytest.approx(4.0)
    # product: bad_review_rate and quality... all shops tie at 0 bad reviews -> 4.0 each
    assert p1["score_product"] == pytest.approx(4.0)
    w = pol.experience.dimension_weights
    avail = {d: p1[f"score_{d}"] for d in DIMENSIONS if p1[f"score_{d}"] == p1[f"score_{d}"]}
    assert p1["experience_score"] == pytest.approx(sum(w[d] * v for d, v in avail.items()) / sum(w[d] for d in avail))


def test_min_volume_gate(data):
    r = score(data, AS_OF, policy(experience__min_paid_orders=2))
    s2 = r.shop("S2")
    assert math.isnan(s2["experience_score"]) and s2["experience_status"].startswith("below 2")
    assert s2["bad_review_rate_status"] == "shop_below_min_orders"
    assert r.shop("S1")["experience_score"] == pytest.approx(4.0)  # alone among eligible shops: 0.5 everywhere


def test_min_denominator_marks_insufficient(data):
    r = score(data, AS_OF, policy(experience__min_denominator={"refund_only_hours": 3}))
    assert r.shop("S1")["refund_only_hours_status"] == "insufficient"
    assert math.isnan(r.shop("S1")["refund_only_hours_score"])


def test_every_submetric_is_covered():
    assert set(EXPECTED) == set(SUBMETRICS)
