"""CCR known answers. as_of 2024-03-31, window [2024-03-01 00:00, 2024-03-31 00:00) Asia/Shanghai."""

from __future__ import annotations

import pytest

from feedback_nlp.scoring.tables import load_inputs
from feedback_nlp.scoring.score import score, score_inputs

from .helpers import fb, make_data, policy

AS_OF = "2024-03-31"


@pytest.fixture
def data(tmp_path):
    orders = [
        dict(order_id="a1", shop_id="A", paid_at="2024-03-01 00:00:00", product_id="p1"),  # exactly on the window start: in
        dict(order_id="a2", shop_id="A", paid_at="2024-03-10 12:00:00", product_id="p1"),
        dict(order_id="a3", shop_id="A", paid_at="2024-03-11 12:00:00", is_abnormal="true", product_id="p1"),
        dict(order_id="a4", shop_id="A", paid_at="2024-03-30 23:59:59", product_id="p2"),
        dict(order_id="a5", shop_id="A", paid_at="2024-02-29 23:59:59", product_id="p2"),  # one second before: out
        dict(order_id="a6", shop_id="A", paid_at="2024-03-31 00:00:00", product_id="p2"),  # as_of itself: out
        dict(order_id="a7", shop_id="A", paid_at="2024-03-20 08:00:00", product_id="p2"),
        dict(order_id="a8", shop_id="A", paid_at="2024-03-21 08:00:00", product_id="p2"),
        *[dict(order_id=f"b{i}", shop_id="B", paid_at=f"2024-03-1{i} 10:00:00") for i in range(1, 5)],
        *[dict(order_id=f"c{i}", shop_id="C", paid_at=f"2024-03-1{i} 10:00:00") for i in range(1, 3)],
        dict(order_id="d1", shop_id="D", industry="toys", paid_at="2024-03-15 10:00:00"),
    ]
    feedback = [
        fb("f1", "a1", "A", "review", "2024-03-05 10:00:00", "quality"),
        fb("f1z", "a1", "A", "review", "2024-03-05 10:00:00", ""),  # same time: feedback_id breaks the tie, f1 first
        fb("f1im", "a1", "A", "im", "2024-03-06 10:00:00", "logistics"),  # second channel, same order: counted once
        fb("f2", "a2", "A", "review", "2024-03-12 10:00:00", ""),  # first review positive ...
        fb("f2b", "a2", "A", "review", "2024-03-15 10:00:00", "size"),  # ... a 1-star follow-up review (追评) counts
        fb("f3", "a3", "A", "review", "2024-03-12 10:00:00", "quality"),  # abnormal order
        fb("f4", "a4", "A", "complaint", "2024-03-31 00:00:00", "service"),  # created at as_of: not yet known
        fb("f5", "a5", "A", "review", "2024-03-02 10:00:00", "hygiene"),
        fb("f7", "a7", "A", "review", "2024-03-22 10:00:00", "mismatch;other"),
        fb("f7as", "a7", "A", "after_sales", "2024-03-23 10:00:00", "after_sales"),
        fb("fpre", None, "A", "im", "2024-03-15 10:00:00", "service"),  # pre-sale chat
        fb("fb1", "b1", "B", "review", "2024-03-20 10:00:00", "taste"),
        fb("fb2", "b2", "B", "review", "2024-03-20 10:00:00", ""),
    ]
    return make_data(tmp_path, orders, feedback)


def test_ccr_known_answers(data):
    r = score(data, AS_OF, policy())
    a = r.shop("A")
    assert (a["ccr_orders"], a["ccr_neg_orders"]) == (5, 3)  # a1 a2 a4 a7 a8 ; a1 a2 a7
    assert a["ccr"] == pytest.approx(0.6)
    assert a["ccr_product"] == pytest.approx(0.4)  # a1 quality, a2 size (follow-up review)
    assert a["ccr_content"] == pytest.approx(0.2)  # a7 mismatch
    assert a["ccr_service"] == pytest.approx(0.4)  # a1 im logistics (logistics counts under service), a7 after_sales
    assert a["ccr_service_logistics"] == pytest.approx(0.2)  # the logistics part of service: a1
    assert "ccr_logistics" not in r.shops.columns  # three dimensions (seed 000), not four
    assert a["ccr_neg_presale"] == 0
    # week over week: as_of 03-24, window [02-23, 03-24): a5 a1 a2 a7 a8; negative a5 a1 a2 a7
    assert a["ccr_prev"] == pytest.approx(0.8)
    assert a["ccr_wow_change"] == pytest.approx(-0.2)
    assert r.shop("B")["ccr"] == pytest.approx(0.25)
    assert r.shop("C")["ccr"] == 0.0


def test_ccr_industry_percentile(data):
    r = score(data, AS_OF, policy())
    # food: C 0.0 (best), B 0.25, A 0.6 (worst); percentile 100 = lowest CCR
    assert r.shop("A")["ccr_industry_percentile"] == pytest.approx(0.0)
    assert r.shop("B")["ccr_industry_percentile"] == pytest.approx(50.0)
    assert r.shop("C")["ccr_industry_percentile"] == pytest.approx(100.0)
    assert (r.shop("A")["ccr_industry_rank"], r.shop("A")["ccr_industry_peers"]) == (3, 3)
    d = r.shop("D")  # alone in its industry: no position
    assert d["ccr_industry_percentile"] != d["ccr_industry_percentile"]  # NaN


def test_ccr_by_tag_and_product(data):
    r = score(data, AS_OF, policy())
    tags = r.tags[r.tags["shop_id"] == "A"].set_index("tag")["orders"].to_dict()
    assert tags == {"quality": 1, "logistics": 1, "mismatch": 1, "other": 1, "after_sales": 1, "size": 1}
    groups = r.tags[r.tags["shop_id"] == "A"].set_index("tag")
    assert (groups.loc["logistics", "dimension"], groups.loc["logistics", "tag_group"]) == ("service", "logistics")
    prod = r.products[r.products["shop_id"] == "A"].set_index("product_id")
    assert prod.loc["p1", "ccr"] == pytest.approx(2 / 2)  # a1 a2 (a3 abnormal)
    assert prod.loc["p2", "ccr"] == pytest.approx(1 / 3)  # a4 a7 a8


def test_presale_chat_policy(data):
    r = score(data, AS_OF, policy(ccr__presale_chat="numerator"))
    a = r.shop("A")
    assert a["ccr_neg_presale"] == 1
    assert a["ccr"] == pytest.approx(4 / 5)
    assert a["ccr_service"] == pytest.approx(3 / 5)


def test_feedback_at_attribution(data):
    a = score(data, AS_OF, policy(ccr__attribution="feedback_at")).shop("A")
    # negative feedback created in the window: a1 (03-05), a5 (03-02), a2 (03-15), a7 (03-22)
    assert a["ccr_neg_orders"] == 4
    assert a["ccr"] == pytest.approx(4 / 5)


def test_first_feedback_per_channel_policy_keeps_the_old_rule(data):
    a = score(data, AS_OF, policy(ccr__first_feedback_per_channel=True)).shop("A")
    assert a["ccr_neg_orders"] == 2  # a2's follow-up review is ignored again
    assert a["ccr_product"] == pytest.approx(1 / 5)


def test_abnormal_kept_when_policy_says_so(data):
    a = score(data, AS_OF, policy(exclude_abnormal=False)).shop("A")
    assert (a["ccr_orders"], a["ccr_neg_orders"]) == (6, 4)


def test_drilldown_lists_the_orders_behind_the_ccr(data):
    from feedback_nlp.scoring.ccr import ccr_orders

    r = score(data, AS_OF, policy())
    d = ccr_orders(r.inputs, r.as_of, r.policy)
    a = d[d["shop_id"] == "A"]
    assert sorted(set(a["order_id"])) == ["a1", "a2", "a7"]
    assert sorted(a["feedback_id"]) == ["f1", "f1im", "f2b", "f7", "f7as"]


def test_time_zone_of_naive_and_aware_timestamps(tmp_path):
    orders = [
        dict(order_id="z1", shop_id="Z", paid_at="2024-02-29T16:30:00Z"),  # 03-01 00:30 in Shanghai, 02-29 in UTC
        dict(order_id="z2", shop_id="Z", paid_at="2024-03-10T12:00:00+08:00"),
    ]
    feedback = [fb("g1", "z1", "Z", "review", "2024-03-02 10:00:00", "quality")]
    d = make_data(tmp_path, orders, feedback)
    sh = score(d, AS_OF, policy()).shop("Z")
    assert (sh["ccr_orders"], sh["ccr"]) == (2, 0.5)
    utc = score(d, AS_OF, policy(timezone="UTC")).shop("Z")
    assert (utc["ccr_orders"], utc["ccr"]) == (1, 0.0)
    inputs = load_inputs(d, policy())
    assert str(inputs.con.execute("SELECT paid_at FROM orders WHERE order_id = 'z1'").fetchone()[0]) == "2024-03-01 00:30:00"


def test_tags_given_are_used_and_tagger_not_called(data):
    from .helpers import FakeTagger

    t = FakeTagger()
    r = score_inputs(load_inputs(data, policy(), tagger=t), AS_OF, policy())
    assert t.calls == 0 and r.inputs.tag_source == "given"


def _one_shop(tmp_path, feedback, orders=None):
    orders = orders or [dict(order_id=f"o{i}", shop_id="S", paid_at=f"2024-03-1{i} 10:00:00") for i in range(1, 5)]
    return make_data(tmp_path, orders, feedback)


def test_follow_up_review_and_later_chat_complaint_make_the_order_negative(tmp_path):
    feedback = [
        fb("r1", "o1", "S", "review", "2024-03-15 10:00:00", "", rating=5),  # 5-star first review ...
        fb("r1b", "o1", "S", "review", "2024-03-20 10:00:00", "quality", rating=1),  # ... 1-star 追评: negative
        fb("c2", "o2", "S", "im", "2024-03-12 10:00:00", "", text="请问什么时候发货"),  # neutral question ...
        fb("c2b", "o2", "S", "im", "2024-03-18 10:00:00", "logistics", text="一周了还没发货"),  # ... then a complaint
        fb("r3", "o3", "S", "review", "2024-03-15 10:00:00", "", rating=5),  # positive only
    ]
    r = score(_one_shop(tmp_path, feedback), AS_OF, policy())
    s = r.shop("S")
    assert (s["ccr_orders"], s["ccr_neg_orders"]) == (4, 2)
    assert s["ccr_product"] == pytest.approx(1 / 4) and s["ccr_service"] == pytest.approx(1 / 4)
    # the bad-review rate still judges the FIRST review only (seed 004: 仅考核首次评价数据)
    assert r.submetrics.set_index(["shop_id", "metric"]).loc[("S", "bad_review_rate"), "raw_numerator"] == 0


def test_an_edit_cannot_undo_a_complaint_and_cannot_add_one(tmp_path):
    # versions of one feedback_id: the first version counts (seed 001: 差评改好评 does not undo it)
    feedback = [
        fb("e1", "o1", "S", "review", "2024-03-15 10:00:00", "quality", rating=1),
        fb("e1", "o1", "S", "review", "2024-03-16 10:00:00", "", rating=5),  # edited to 5 stars
        fb("e2", "o2", "S", "review", "2024-03-15 10:00:00", "", rating=5),
        fb("e2", "o2", "S", "review", "2024-03-17 10:00:00", "size", rating=2),  # an edit, not a new item
    ]
    inputs = load_inputs(_one_shop(tmp_path, feedback), policy())
    assert any("2 later version(s)" in n for n in inputs.notes)
    s = score_inputs(inputs, AS_OF, policy()).shop("S")
    assert (s["ccr_neg_orders"], s["ccr_product"]) == (1, pytest.approx(1 / 4))


def test_versions_must_share_order_and_channel(tmp_path):
    from feedback_nlp.errors import InputValidationError

    feedback = [
        fb("e1", "o1", "S", "review", "2024-03-15 10:00:00", "quality", rating=1),
        fb("e1", "o2", "S", "review", "2024-03-16 10:00:00", "", rating=5),  # same id, another order
        fb("e3", "o3", "S", "review", "2024-03-15 10:00:00", ""),
        fb("e3", "o3", "S", "review", "2024-03-15 10:00:00", ""),  # same id and time: a plain duplicate
    ]
    with pytest.raises(InputValidationError) as e:
        load_inputs(_one_shop(tmp_path, feedback), policy())
    text = str(e.value)
    assert "versions of one feedback_id differ in order_id, shop_id or channel in 2 row(s): row 1 (e1), row 2 (e1)" in text
    assert "duplicate id in 2 row(s): row 3 (e3), row 4 (e3)" in text


def test_ccr_position_per_dimension(tmp_path):
    orders = [dict(order_id=f"{s}{i}", shop_id=s, paid_at=f"2024-03-1{i} 10:00:00") for s in "PQR" for i in range(1, 3)]
    feedback = [fb("p1", "P1", "P", "review", "2024-03-20 10:00:00", "quality"),
                fb("q1", "Q1", "Q", "review", "2024-03-20 10:00:00", "damage"),
                fb("q2", "Q2", "Q", "review", "2024-03-20 10:00:00", "service")]
    r = score(make_data(tmp_path, orders, feedback), AS_OF, policy())
    p, q, rr = r.shop("P"), r.shop("Q"), r.shop("R")
    assert (p["ccr_product_industry_percentile"], q["ccr_product_industry_percentile"]) == (0.0, 75.0)
    assert q["ccr_service"] == 1.0 and q["ccr_service_industry_rank"] == 3 and q["ccr_service_industry_percentile"] == 0.0
    assert rr["ccr_service_industry_percentile"] == 75.0 and rr["ccr_industry_rank"] == 1
