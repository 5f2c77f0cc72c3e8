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
