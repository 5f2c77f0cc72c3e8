"""The negative-feedback taxonomy: 14 tags, their Chinese names and CCR dimensions.

This is the single source of truth read by the tagger, training, evaluation and
scoring. It mirrors ``labeling-guide.md`` (see ``docs/labeling-guide-notes.md``
for the refinements made on real data).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Dimension", "Tag", "TAGS", "TAG_IDS", "TAGS_BY_ID", "tag", "validate_tags", "dimension_of"]


class Dimension(str, Enum):
    """CCR dimension a tag counts toward (``other`` counts toward overall CCR only)."""

    PRODUCT = "product"
    CONTENT = "content"
    SERVICE = "service"
    LOGISTICS = "logistics"
    OVERALL = "overall"


@dataclass(frozen=True)
class Tag:
    id: str
    name_zh: str
    dimension: Dimension
    description: str


TAGS: tuple[Tag, ...] = (
    Tag("quality", "质量", Dimension.PRODUCT, "defects, poor workmanship, malfunction, breaks soon, pilling, bad performance, feels cheap"),
    Tag("size", "尺码/大小", Dimension.PRODUCT, "too big / too small / doesn't fit, inaccurate size chart, item smaller than expected"),
    Tag("color", "颜色/色差", Dimension.PRODUCT, "colour differs from pictures, fades, wrong shade"),
    Tag("taste", "口味", Dimension.PRODUCT, "bad taste, too sweet/salty/oily/spicy, bland, off-flavour, bad texture in the mouth"),
    Tag("freshness", "新鲜度", Dimension.PRODUCT, "rotten, spoiled, stale, wilted, not fresh, expired, short shelf life"),
    Tag("hygiene", "卫生/安全", Dimension.PRODUCT, "foreign objects, dirty, chemical/bad smell, allergy or skin reaction, unsafe"),
    Tag("quantity", "分量/少件", Dimension.PRODUCT, "portion too small, short weight, missing items, wrong item or wrong spec shipped"),
    Tag("mismatch", "描述不符", Dimension.CONTENT, "not as described or pictured, counterfeit / not genuine, false advertising"),
    Tag("price", "价格", Dimension.PRODUCT, "too expensive, not worth the money, price dropped right after buying"),
    Tag("logistics", "物流", Dimension.LOGISTICS, "slow dispatch or delivery, lost parcel, courier attitude, not delivered to the door, food cold from slow delivery"),
    Tag("damage", "破损/包装", Dimension.LOGISTICS, "arrived broken, crushed, leaking, spilled; flimsy or careless packaging"),
    Tag("service", "客服", Dimension.SERVICE, "rude, slow or absent replies, unhelpful answers, pestering for good reviews"),
    Tag("after_sales", "售后", Dimension.SERVICE, "refund/return/exchange refused or slow, warranty not honoured, compensation disputes"),
    Tag("other", "其他不满", Dimension.OVERALL, "clear dissatisfaction that names no aspect"),
)

TAG_IDS: tuple[str, ...] = tuple(t.id for t in TAGS)
TAGS_BY_ID: dict[str, Tag] = {t.id: t for t in TAGS}


def tag(tag_id: str) -> Tag:
    """Return the :class:`Tag` for ``tag_id``; raise ``UnknownTagError`` listing valid ids."""
    try:
        return TAGS_BY_ID[tag_id]
    except KeyError:
        from feedback_nlp.errors import UnknownTagError

        raise UnknownTagError(f"unknown tag {tag_id!r}; valid tags: {', '.join(TAG_IDS)}") from None


def validate_tags(tag_ids: list[str] | tuple[str, ...]) -> list[str]:
    """Check every id is a known tag and return them in taxonomy order, deduplicated."""
    for t in tag_ids:
        tag(t)
    wanted = set(tag_ids)
    return [t for t in TAG_IDS if t in wanted]


def dimension_of(tag_id: str) -> Dimension:
    return tag(tag_id).dimension
