import numpy as np
import pytest

import feedback_nlp
from feedback_nlp.tagging.doubt import SECOND_MODEL, agreement, load_second_tagger, logit_margin, trap_patterns


def test_logit_margin_sign_and_scale():
    assert logit_margin(0.5, 0.5) == pytest.approx(0.0)
    assert logit_margin(0.99, 0.98) > 0 > logit_margin(0.97, 0.98)
    assert logit_margin(0.99, 0.98) == pytest.approx(np.log(99) - np.log(49))
    assert logit_margin(np.array([1.0, 0.0]), 0.9).shape == (2,)  # clipped, finite
    assert np.isfinite(logit_margin(np.array([1.0, 0.0]), 0.9)).all()


@pytest.mark.parametrize("text, names", [
    ("请问这个偏大吗？", ["question"]),
    ("没有色差，尺码一点都不小", ["negated_complaint_word"]),
    ("虾太大了，好吃到停不下来", ["praise_words"]),
    ("质量太差了，用了两天就坏了", []),
    (None, []),
])
def test_trap_patterns(text, names):
    assert trap_patterns(text) == names


def test_agreement():
    assert agreement(["size"], ["size"]) == "yes"
    assert agreement(["size", "color"], ["size"]) == "partly"
    assert agreement(["size"], []) == "no"
    assert agreement(["size"], None) is None


def test_second_model(tiny_model_dir):
    tagger, note = load_second_tagger(str(tiny_model_dir))
    assert tagger is not None and str(tiny_model_dir) in note
    assert load_second_tagger(None)[0] is None and load_second_tagger("none")[0] is None
    tagger, note = load_second_tagger(SECOND_MODEL)
    if SECOND_MODEL in feedback_nlp.available_models():
        assert tagger is not None
    else:
        assert tagger is None and "not shipped" in note
