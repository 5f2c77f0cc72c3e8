import pytest

from feedback_nlp.errors import FeedbackNLPError, UnknownTagError
from feedback_nlp.taxonomy import TAG_IDS, TAGS, Dimension, dimension_of, tag, validate_tags


def test_fourteen_tags_with_unique_ids_and_chinese_names():
    assert len(TAGS) == 14
    assert len(set(TAG_IDS)) == 14
    assert all(t.name_zh and t.description for t in TAGS)


def test_dimensions():
    assert dimension_of("mismatch") is Dimension.CONTENT
    assert dimension_of("logistics") is dimension_of("damage") is Dimension.LOGISTICS
    assert dimension_of("service") is dimension_of("after_sales") is Dimension.SERVICE
    assert dimension_of("other") is Dimension.OVERALL
    assert {t.id for t in TAGS if t.dimension is Dimension.PRODUCT} == {
        "quality", "size", "color", "taste", "freshness", "hygiene", "quantity", "price"}


def test_unknown_tag_lists_valid_ones():
    with pytest.raises(UnknownTagError, match="'colour'.*valid tags: quality, size") as info:
        tag("colour")
    assert isinstance(info.value, FeedbackNLPError) and isinstance(info.value, ValueError)


def test_validate_tags_orders_and_dedups():
    assert validate_tags(["other", "size", "size"]) == ["size", "other"]
    with pytest.raises(UnknownTagError):
        validate_tags(["size", "shipping"])


def test_decide_applies_thresholds_and_other_exclusivity():
    import numpy as np

    from feedback_nlp.taxonomy import decide

    labels = ("taste", "price", "other")
    thresholds = {"taste": 0.5, "price": 0.7, "other": 0.4}
    probs = np.array([[0.6, 0.1, 0.9],   # an aspect fires: `other` is dropped
                      [0.1, 0.69, 0.9],  # price just under its threshold: only `other`
                      [0.1, 0.7, 0.1],   # exactly at the threshold counts
                      [0.0, 0.0, 0.0]], dtype=np.float32)
    assert decide(probs, labels, thresholds).tolist() == [
        [True, False, False], [False, False, True], [False, True, False], [False, False, False]]
