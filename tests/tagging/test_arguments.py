"""Every bad input to OnnxTagger gets an InvalidInputError that names the position."""

import math

import pytest

from feedback_nlp import OnnxTagger
from feedback_nlp.errors import InvalidInputError

METHODS = ("predict", "predict_proba", "tag")


@pytest.mark.parametrize("method", METHODS)
def test_non_string_item_names_its_position(tagger, method):
    with pytest.raises(InvalidInputError, match=r"^texts\[3\] is int, expected str or None$"):
        getattr(tagger, method)(["a", "b", None, 7])


@pytest.mark.parametrize(
    ("item", "type_name"), [(b"bytes", "bytes"), (3.5, "float"), (["nested"], "list"), ({"text": "x"}, "dict")]
)
def test_other_item_types(tagger, item, type_name):
    with pytest.raises(InvalidInputError, match=rf"texts\[0\] is {type_name}, expected str or None"):
        tagger.predict([item])


def test_nan_gets_a_hint(tagger):
    with pytest.raises(InvalidInputError, match=r"texts\[1\] is float.*missing value\? pass None"):
        tagger.predict(["ok", math.nan])


@pytest.mark.parametrize("texts", [None, 42, b"raw bytes", {"a": "b"}])
@pytest.mark.parametrize("method", METHODS)
def test_texts_that_are_not_a_string_or_a_list(tagger, texts, method):
    with pytest.raises(InvalidInputError, match=f"texts is {type(texts).__name__}; expected a str or a list of str"):
        getattr(tagger, method)(texts)


@pytest.mark.parametrize("method", METHODS)
def test_contexts_length_mismatch(context_tagger, method):
    with pytest.raises(InvalidInputError, match="contexts has 1 items but texts has 2; pass one context per text"):
        getattr(context_tagger, method)(["a", "b"], ["c"])


def test_contexts_length_is_checked_even_when_unused(tagger):
    with pytest.raises(InvalidInputError, match="contexts has 3 items but texts has 1"):
        tagger.predict(["a"], ["b", "c", "d"])


def test_bad_context_item(context_tagger):
    with pytest.raises(InvalidInputError, match=r"contexts\[1\] is int, expected str or None"):
        context_tagger.predict(["a", "b"], ["c", 5])


def test_context_shape_must_follow_texts(context_tagger):
    with pytest.raises(InvalidInputError, match="contexts is a str but texts is a list"):
        context_tagger.predict(["a", "b"], "c")
    with pytest.raises(InvalidInputError, match="with a single text, pass a single context"):
        context_tagger.predict("a", ["c"])


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"batch_size": 2.5}, {"intra_op_threads": 0},
                                    {"intra_op_threads": True}])
def test_bad_loader_arguments(tiny_model_dir, kwargs):
    name, value = next(iter(kwargs.items()))
    with pytest.raises(InvalidInputError, match=f"{name} must be a positive int.*got {value!r}"):
        OnnxTagger.from_pretrained(tiny_model_dir, **kwargs)


@pytest.mark.parametrize("method", METHODS)
def test_lone_surrogate_names_its_position(tagger, method):
    """A JSON escape like "\\udc80" gives a str that is not Unicode text: a clear error, not a TypeError."""
    with pytest.raises(InvalidInputError, match=r"^texts\[1\] is not valid Unicode text: .*U\+DC80 at character 2"):
        getattr(tagger, method)(["ok", "ab\udc80c"])


def test_lone_surrogate_in_a_single_string_and_in_contexts(tagger, context_tagger):
    with pytest.raises(InvalidInputError, match=r"texts\[0\] is not valid Unicode text"):
        tagger.predict("\ud800")
    with pytest.raises(InvalidInputError, match=r"contexts\[0\] is not valid Unicode text"):
        context_tagger.predict(["ok"], ["\udfff"])
