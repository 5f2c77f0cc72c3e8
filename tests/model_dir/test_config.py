import json

import pytest

from feedback_nlp.errors import ChecksumMismatchError, ConfigError, ModelDirectoryError, UnknownTagError
from feedback_nlp.taxonomy import TAG_IDS
from feedback_nlp.model_dir import CONFIG_FILE, MODEL_FILE, REQUIRED_FILES, TaggerConfig, sha256_file

SHA = "ab" * 32


def make(**overrides):
    kwargs = dict(labels=["size", "logistics"], thresholds={"size": 0.6, "logistics": 0.7}, onnx_sha256=SHA)
    kwargs.update(overrides)
    return TaggerConfig(**kwargs)


# ------------------------------------------------------------------ validation


def test_defaults_follow_the_contract():
    config = make()
    assert config.format_version == 2
    assert config.max_length == 128 and config.use_context is False and config.context_max_length == 32
    assert config.quantization is None and config.created_at.endswith("Z")


@pytest.mark.parametrize(
    ("overrides", "error", "echo"),
    [
        ({"labels": []}, ConfigError, r"\[\]"),
        ({"labels": "size"}, ConfigError, "'size'"),
        ({"labels": ["size", "size"], "thresholds": {"size": 0.5}}, ConfigError, r"repeated: \['size'\]"),
        ({"labels": ["size", "shipping"], "thresholds": {"size": 0.5, "shipping": 0.5}}, UnknownTagError, "shipping"),
        ({"thresholds": {"size": 0.6}}, ConfigError, r"missing \['logistics'\]"),
        ({"thresholds": {"size": 0.6, "logistics": 0.7, "price": 0.5}}, ConfigError, r"not in labels \['price'\]"),
        ({"thresholds": {"size": 1.7, "logistics": 0.7}}, ConfigError, r"thresholds\['size'\].*1\.7"),
        ({"thresholds": {"size": float("nan"), "logistics": 0.7}}, ConfigError, "nan"),
        ({"thresholds": {"size": "0.6", "logistics": 0.7}}, ConfigError, "'0.6'"),
        ({"thresholds": {"size": True, "logistics": 0.7}}, ConfigError, "True"),
        ({"max_length": 3}, ConfigError, "max_length.*3"),
        ({"max_length": 128.0}, ConfigError, "128.0"),
        ({"context_max_length": 0}, ConfigError, "context_max_length.*0"),
        ({"use_context": True, "max_length": 16, "context_max_length": 16}, ConfigError, "<= 12"),
        ({"use_context": "yes"}, ConfigError, "'yes'"),
        ({"onnx_sha256": "abc"}, ConfigError, "'abc'"),
        ({"onnx_sha256": SHA.upper()}, ConfigError, "lower-case"),
        ({"format_version": 3}, ConfigError, "newer feedback-nlp"),
        ({"format_version": 0}, ConfigError, "0"),
        ({"quantization": ""}, ConfigError, "quantization"),
        ({"versions": {"torch": 2}}, ConfigError, "'torch': 2"),
        ({"extra": {"labels": []}}, ConfigError, "shadow"),
    ],
)
def test_bad_values_are_echoed(overrides, error, echo):
    with pytest.raises(error, match=echo):
        make(**overrides)


def test_thresholds_follow_label_order_and_become_floats():
    config = make(thresholds={"logistics": 1, "size": 0})
    assert list(config.thresholds.items()) == [("size", 0.0), ("logistics", 1.0)]


def test_dict_round_trip_keeps_unknown_keys():
    config = make(extra={"onnx_opset": 20})
    data = config.to_dict()
    assert list(data)[0] == "format_version" and data["onnx_opset"] == 20 and "extra" not in data
    assert TaggerConfig.from_dict(json.loads(json.dumps(data))) == config


def test_from_dict_names_missing_keys():
    with pytest.raises(ConfigError, match=r"missing required key\(s\) \['format_version', 'onnx_sha256'\]"):
        TaggerConfig.from_dict({"labels": ["size"], "thresholds": {"size": 0.5}, "max_length": 64})


def test_save_and_load_without_verification(tmp_path):
    config = make()
    config.save(tmp_path)
    for name in REQUIRED_FILES:
        if name != CONFIG_FILE:
            (tmp_path / name).write_text("x")
    assert TaggerConfig.load(tmp_path, verify=False) == config


# ------------------------------------------------------------------ model directory


def test_load_exported_directory(tiny_model_dir):
    config = TaggerConfig.load(tiny_model_dir)
    assert config.labels == list(TAG_IDS)
    assert config.onnx_sha256 == sha256_file(tiny_model_dir / MODEL_FILE)
    assert {"feedback_nlp", "torch", "transformers", "onnxruntime", "tokenizers"} <= set(config.versions)
    assert config.base_model == "random-tiny-bert" and config.extra["onnx_opset"] == 20


def test_missing_directory(tmp_path):
    with pytest.raises(ModelDirectoryError, match="does not exist"):
        TaggerConfig.load(tmp_path / "nope")


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_file(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelDirectoryError, match=f"missing {name}"):
        TaggerConfig.load(model_copy)


def test_checksum_mismatch(model_copy):
    with open(model_copy / MODEL_FILE, "ab") as f:
        f.write(b"\0")
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        TaggerConfig.load(model_copy)
    TaggerConfig.load(model_copy, verify=False)  # the config itself is fine


def _edit_config(model_dir, **changes):
    path = model_dir / CONFIG_FILE
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_unknown_label(model_copy):
    labels = list(TAG_IDS[:-1]) + ["shipping"]
    _edit_config(model_copy, labels=labels, thresholds={x: 0.5 for x in labels})
    with pytest.raises(UnknownTagError, match="shipping"):
        TaggerConfig.load(model_copy)


def test_malformed_config_is_a_model_directory_error(model_copy):
    _edit_config(model_copy, max_length="long")
    with pytest.raises(ModelDirectoryError, match=r"malformed .*max_length.*'long'"):
        TaggerConfig.load(model_copy)


def test_config_that_is_not_json(model_copy):
    (model_copy / CONFIG_FILE).write_text("{labels: ")
    with pytest.raises(ModelDirectoryError, match="cannot read"):
        TaggerConfig.load(model_copy)
