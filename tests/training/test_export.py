"""training/export.py: the written directory honours docs/model-directory.md."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="export needs the [train] extra")
onnx = pytest.importorskip("onnx", reason="export needs the [train] extra")

from feedback_nlp import OnnxTagger  # noqa: E402
from feedback_nlp.errors import ConfigError  # noqa: E402
from feedback_nlp.model_dir import REQUIRED_FILES  # noqa: E402
from feedback_nlp.taxonomy import TAG_IDS  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402


def test_directory_holds_the_contract_files(tiny_model_dir):
    assert sorted(p.name for p in tiny_model_dir.iterdir()) == sorted(REQUIRED_FILES)


def test_graph_signature(tiny_model_dir):
    model = onnx.load(str(tiny_model_dir / "model.onnx"))
    onnx.checker.check_model(model)
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    assert list(inputs) == ["input_ids", "attention_mask", "token_type_ids"]
    for t in inputs.values():
        assert t.elem_type == onnx.TensorProto.INT64
        assert all(d.dim_param and not d.dim_value for d in t.shape.dim)  # batch and seq are dynamic
    (out,) = model.graph.output
    assert out.name == "logits" and out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_value for d in out.type.tensor_type.shape.dim][1] == len(TAG_IDS)
    assert not list((tiny_model_dir).glob("*.data"))  # weights inside model.onnx


def test_tokenizer_has_no_baked_in_truncation_or_padding(tiny_model_dir):
    data = json.loads((tiny_model_dir / "tokenizer.json").read_text())
    assert data["truncation"] is None and data["padding"] is None


def test_model_card_lists_labels_and_checksum(tiny_model_dir):
    card = (tiny_model_dir / "README.md").read_text()
    config = json.loads((tiny_model_dir / "tagger_config.json").read_text())
    assert config["onnx_sha256"] in card
    assert "`after_sales` | 售后 | service | 0.500" in card
    assert "Not measured yet" in card


def test_onnx_matches_pytorch(tiny_bert, tiny_model_dir):
    """Parity on a padded batch: every label's probability, multi-label sigmoid."""
    tagger = OnnxTagger.from_pretrained(tiny_model_dir, batch_size=64)
    texts = SENTENCES[:12]
    encoded = tagger._encoder.encode(texts, None)
    width = max(len(e.ids) for e in encoded)
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, e in enumerate(encoded):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        mask[row, :len(e.ids)] = 1
    with torch.no_grad():
        expected = torch.sigmoid(tiny_bert(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits)
    np.testing.assert_allclose(tagger.predict_proba(texts), expected.numpy(), atol=1e-5)


def test_bad_arguments_fail_before_exporting(tiny_bert, tiny_tokenizer, tmp_path):
    from training.export import export_model_dir

    with pytest.raises(ConfigError, match="thresholds"):
        export_model_dir(tiny_bert, tiny_tokenizer, tmp_path / "a", labels=list(TAG_IDS), thresholds={"size": 0.5})
    with pytest.raises(ValueError, match="14 outputs but 2 labels"):
        export_model_dir(tiny_bert, tiny_tokenizer, tmp_path / "b", labels=["size", "color"],
                         thresholds={"size": 0.5, "color": 0.5})
    with pytest.raises(ValueError, match="max_position_embeddings=64"):
        export_model_dir(tiny_bert, tiny_tokenizer, tmp_path / "c", labels=list(TAG_IDS),
                         thresholds=dict.fromkeys(TAG_IDS, 0.5), max_length=128)
    assert not (tmp_path / "a").exists()
