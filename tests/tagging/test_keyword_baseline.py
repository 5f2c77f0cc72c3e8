import numpy as np
import pytest

from feedback_nlp.errors import InvalidInputError, UnknownTagError
from feedback_nlp.tagging.keyword_baseline import KEYWORDS, OTHER_WORDS, KeywordTagger
from feedback_nlp.taxonomy import TAG_IDS
from feedback_nlp.tagging.onnx_tagger import TagResult


@pytest.fixture(scope="module")
def kw():
    return KeywordTagger()


def test_fires_on_praise_in_complaint_words(kw):
    # the point of the baseline: no praise handling, no negation handling
    assert kw.predict("虾太大了") == ["size"]
    assert kw.predict("甜到心里") == ["taste"]
    assert kw.predict("没有色差") == ["color"]
    assert kw.predict("物流不慢") == ["logistics"]


def test_real_complaints(kw):
    assert kw.predict(["送得太慢，饭都凉了", "包装破损，瓶子都漏了", "客服态度很差"]) == [
        ["logistics"], ["damage"], ["service"],
    ]
    assert kw.predict("尺码偏小，颜色也有色差") == ["size", "color"]  # taxonomy order


def test_other_only_when_nothing_else_fired(kw):
    assert kw.predict("太差了，再也不买了") == ["other"]
    assert kw.predict("失望") == ["other"]
    assert kw.predict("物流太差了") == ["logistics"]
    assert kw.predict("好评") == []


def test_interface_matches_onnx_tagger(kw):
    assert kw.labels == TAG_IDS
    assert kw.thresholds == {t: 0.5 for t in TAG_IDS}
    assert kw.use_context is False
    probs = kw.predict_proba(["虾太大了", "好评", None])
    assert probs.shape == (3, len(TAG_IDS)) and probs.dtype == np.float32
    assert set(np.unique(probs)) <= {0.0, 1.0}
    assert probs[0, TAG_IDS.index("size")] == 1.0 and probs[1].sum() == 0 and probs[2].sum() == 0
    single = kw.predict_proba("虾太大了")
    assert single.shape == (len(TAG_IDS),)
    # predict == labels at or above thresholds of predict_proba
    texts = ["尺码偏大", "太甜了", "请问明天能发货吗", "质量不错"]
    hits = kw.predict_proba(texts) >= 0.5
    assert kw.predict(texts) == [[TAG_IDS[j] for j in np.flatnonzero(r)] for r in hits]


def test_tag_results(kw):
    r = kw.tag("虾太大了", "海鲜")
    assert isinstance(r, TagResult) and r.tags == ["size"] and r.status == "ok" and r.scores["size"] == 1.0
    results = kw.tag(["", "  ", None, "太咸了"], [None, None, None, "零食"])
    assert [x.status for x in results] == ["empty", "empty", "empty", "ok"]
    assert results[3].tags == ["taste"]


def test_english_is_case_insensitive_and_context_ignored():
    kw = KeywordTagger(keywords={"size": ["Small"]}, other_words=["BAD"])
    assert kw.predict("runs SMALL", "context says small") == ["size"]
    assert kw.predict("bad") == ["other"]
    assert kw.predict("fine", "small") == []


def test_bad_inputs(kw):
    with pytest.raises(InvalidInputError, match="texts is int"):
        kw.predict(3)
    with pytest.raises(InvalidInputError, match=r"texts\[1\] is float"):
        kw.predict(["a", float("nan")])
    with pytest.raises(InvalidInputError, match="contexts has 1 items but texts has 2"):
        kw.predict(["a", "b"], ["x"])
    with pytest.raises(UnknownTagError):
        KeywordTagger(keywords={"sizes": ["大"]})
    with pytest.raises(InvalidInputError, match="other_words"):
        KeywordTagger(keywords={"other": ["差"]})


def test_dictionary_covers_every_tag():
    assert set(KEYWORDS) | {"other"} == set(TAG_IDS)
    assert {"大", "小", "偏大", "偏小", "尺码", "码"} <= set(KEYWORDS["size"])
    assert {"差评", "太差", "失望", "再也不买"} == set(OTHER_WORDS)
