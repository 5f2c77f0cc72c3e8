from __future__ import annotations

import pytest

from feedback_nlp.scoring.whatif import whatif

from .helpers import FakeTagger, fb, make_data, policy


class EverythingIsSize:
    def predict(self, texts, contexts=None):
        return [["size"] for _ in texts]


def test_whatif_moves_ccr_per_shop(tmp_path):
    orders = [dict(order_id=f"o{i}", shop_id="A", paid_at="2024-03-10 10:00:00") for i in range(4)]
    feedback = [fb("f1", "o0", "A", "review", "2024-03-11 10:00:00", text="#quality", rating=1),
                fb("f2", "o1", "A", "review", "2024-03-11 10:00:00", text="虾太大了", rating=5)]
    d = make_data(tmp_path, orders, [{k: v for k, v in f.items() if k != "tags"} for f in feedback], tags_column=False)
    out = whatif(d, "2024-03-31", policy(), tagger=FakeTagger(), baseline=EverythingIsSize())
    row = out.iloc[0]
    assert row["ccr_a"] == pytest.approx(0.25) and row["ccr_b"] == pytest.approx(0.5)
    assert row["ccr_delta"] == pytest.approx(0.25)
    assert row["ccr_product_b"] == pytest.approx(0.5)
    assert (row["tagged_feedback_a"], row["tagged_feedback_b"], row["feedback_with_changed_tags"]) == (1, 2, 2)
    same = whatif(d, "2024-03-31", policy(), tagger=FakeTagger(), baseline_tags={"f1": ["quality"]})
    assert same.iloc[0]["ccr_delta"] == 0 and same.iloc[0]["feedback_with_changed_tags"] == 0
