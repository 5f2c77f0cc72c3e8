import numpy as np
import pytest

from feedback_nlp import OnnxTagger, TagResult, load_tagger
from feedback_nlp.errors import ModelDirectoryError
from feedback_nlp.taxonomy import TAG_IDS

from tests.conftest import SENTENCES, TINY_MAX_LENGTH


def test_labels_and_thresholds(tagger):
    assert tagger.labels == TAG_IDS
    assert tagger.thresholds == dict.fromkeys(TAG_IDS, 0.5)
    tagger.thresholds["size"] = 0.0  # a copy: the tagger is not changed
    assert tagger.thresholds["size"] == 0.5
    assert "labels=14" in repr(tagger)


def test_shapes_and_types(tagger):
    probs = tagger.predict_proba(SENTENCES)
    assert probs.shape == (len(SENTENCES), 14) and probs.dtype == np.float32
    assert ((probs > 0) & (probs < 1)).all()
    tags = tagger.predict(SENTENCES)
    assert len(tags) == len(SENTENCES) and all(isinstance(t, list) for t in tags)
    assert any(tags) and not all(len(t) == 14 for t in tags)  # the fixture spreads probabilities


def test_tags_are_probabilities_at_or_above_threshold(tagger):
    probs = tagger.predict_proba(SENTENCES)
    for row, tags in zip(probs, tagger.predict(SENTENCES)):
        expected = [label for label, p in zip(TAG_IDS, row) if p >= 0.5]
        if len(expected) > 1 and "other" in expected:  # `other` only when no aspect applies
            expected.remove("other")
        assert tags == expected


def test_single_string_in_single_result_out(tagger):
    text = SENTENCES[0]
    assert tagger.predict(text) == tagger.predict([text])[0]
    np.testing.assert_array_equal(tagger.predict_proba(text), tagger.predict_proba([text])[0])
    assert tagger.predict_proba(text).shape == (14,)
    result = tagger.tag(text)
    assert isinstance(result, TagResult) and result.text == text and result.status == "ok"
    assert result.tags == tagger.predict(text)
    assert list(result.scores) == list(TAG_IDS)


def test_sorted_batching_matches_one_by_one(tagger):
    together = tagger.predict_proba(SENTENCES)  # batch_size=4 over mixed lengths
    alone = np.stack([tagger.predict_proba(t) for t in SENTENCES])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert tagger.predict(SENTENCES) == [tagger.predict(t) for t in SENTENCES]


def test_batch_size_does_not_change_results(tiny_model_dir, tagger):
    big = OnnxTagger.from_pretrained(tiny_model_dir, batch_size=1000)
    np.testing.assert_allclose(big.predict_proba(SENTENCES), tagger.predict_proba(SENTENCES), atol=1e-5)


def test_accepts_tuples_generators_and_arrays(tagger):
    expected = tagger.predict_proba(SENTENCES[:3])
    for texts in (tuple(SENTENCES[:3]), (t for t in SENTENCES[:3]), np.array(SENTENCES[:3])):
        np.testing.assert_allclose(tagger.predict_proba(texts), expected, atol=1e-6)
    assert [r.text for r in tagger.tag(t for t in SENTENCES[:3])] == SENTENCES[:3]
    assert tagger.predict_proba([]).shape == (0, 14) and tagger.predict([]) == [] and tagger.tag([]) == []


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t", "\u3000"])
def test_blank_texts_are_empty(tagger, blank):
    results = tagger.tag([SENTENCES[0], blank, SENTENCES[1]])
    assert [r.status for r in results] == ["ok", "empty", "ok"]
    assert results[1].tags == [] and set(results[1].scores.values()) == {0.0} and results[1].text == blank
    np.testing.assert_array_equal(tagger.predict_proba([blank]), np.zeros((1, 14), dtype=np.float32))
    assert tagger.predict([blank]) == [[]]


def test_text_that_normalizes_to_nothing_is_empty(tagger):
    assert tagger.tag("\u200b\x00").status == "empty"  # zero-width space and NUL are cleaned away


def test_truncation_flag(tagger):
    long_text = "质量太差了" * 20
    result = tagger.tag(long_text)
    assert result.status == "truncated" and result.truncated
    assert tagger.tag(SENTENCES[0]).truncated is False
    (encoded,) = tagger._encoder.encode([long_text], None)
    assert len(encoded.ids) == TINY_MAX_LENGTH
    # everything after max_length is ignored
    np.testing.assert_allclose(tagger.predict_proba(long_text), tagger.predict_proba(long_text + "但是物流很快"), atol=1e-6)


def test_exactly_max_length_is_not_truncated(tagger):
    text = "质" * (TINY_MAX_LENGTH - 2)
    assert tagger.tag(text).status == "ok"
    assert tagger.tag(text + "量").status == "truncated"


# ------------------------------------------------------------------ product context


def test_context_is_the_second_segment(context_tagger):
    (enc,) = context_tagger._encoder.encode(["太甜了"], ["连衣裙"])
    tok = context_tagger._encoder.tokenizer
    assert [tok.id_to_token(i) for i in enc.ids] == ["[CLS]", "太", "甜", "了", "[SEP]", "连", "衣", "裙", "[SEP]"]
    assert enc.type_ids == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    with_ctx = context_tagger.predict_proba(["太甜了"], ["连衣裙"])
    without = context_tagger.predict_proba(["太甜了"], [None])
    assert not np.allclose(with_ctx, without)
    np.testing.assert_array_equal(without[0], context_tagger.predict_proba("太甜了"))
    np.testing.assert_array_equal(with_ctx[0], context_tagger.predict_proba("太甜了", "连衣裙"))


def test_context_is_cut_to_context_max_length_and_text_keeps_the_rest(context_tagger):
    config = context_tagger.config  # max_length 24, context_max_length 8
    long_context = "连衣裙很漂亮就是腰有点紧" * 3
    (short_text,) = context_tagger._encoder.encode(["太甜了"], [long_context])
    assert short_text.type_ids.count(1) == config.context_max_length + 1  # + the final [SEP]
    assert not short_text.truncated
    long_text = "质量太差了" * 10
    (enc,) = context_tagger._encoder.encode([long_text], [long_context])
    assert len(enc.ids) == config.max_length and enc.truncated
    assert enc.type_ids.count(0) == config.max_length - config.context_max_length - 1
    (enc,) = context_tagger._encoder.encode([long_text], ["连衣裙"])  # a short context leaves the text more room
    assert enc.type_ids.count(0) == config.max_length - 4


def test_contexts_are_ignored_with_a_warning_when_the_model_does_not_use_them(tagger):
    with pytest.warns(UserWarning, match="use_context=false"):
        probs = tagger.predict_proba(["太甜了"], ["连衣裙"])
    np.testing.assert_array_equal(probs, tagger.predict_proba(["太甜了"]))


# ------------------------------------------------------------------ loading


def test_load_tagger_with_path(tiny_model_dir):
    assert load_tagger(tiny_model_dir).labels == TAG_IDS


def test_load_tagger_default_from_env(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", str(tiny_model_dir))
    assert load_tagger().model_dir == tiny_model_dir


def test_load_tagger_missing_default_has_a_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(ModelDirectoryError, match="FEEDBACK_NLP_MODEL=.*nowhere.*does not exist.*python -m training export"):
        load_tagger()


def test_default_model_dir_is_package_data(monkeypatch):
    from pathlib import Path

    import feedback_nlp
    from feedback_nlp.model_dir import resolve_model_dir

    monkeypatch.delenv("FEEDBACK_NLP_MODEL", raising=False)
    assert resolve_model_dir().resolve() == Path(feedback_nlp.__file__).resolve().parent / "models" / "default"


def test_corrupt_onnx_is_a_model_directory_error(model_copy):
    import json

    from feedback_nlp.model_dir import sha256_file, write_manifest

    (model_copy / "model.onnx").write_bytes(b"not an onnx file")
    config = json.loads((model_copy / "tagger_config.json").read_text())
    config["onnx_sha256"] = sha256_file(model_copy / "model.onnx")
    (model_copy / "tagger_config.json").write_text(json.dumps(config))
    write_manifest(model_copy)  # checksums consistent: what fails is the graph itself
    with pytest.raises(ModelDirectoryError, match="ONNX Runtime cannot load"):
        OnnxTagger.from_pretrained(model_copy)


def test_label_count_mismatch_with_the_graph(model_copy):
    import json

    config = json.loads((model_copy / "tagger_config.json").read_text())
    config["labels"] = config["labels"][:3]
    config["thresholds"] = {x: 0.5 for x in config["labels"]}
    (model_copy / "tagger_config.json").write_text(json.dumps(config))
    from feedback_nlp.model_dir import write_manifest

    write_manifest(model_copy)
    with pytest.raises(ModelDirectoryError, match="3 labels"):
        OnnxTagger.from_pretrained(model_copy)
