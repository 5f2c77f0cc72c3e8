"""training/finetune.py + training/export.py end to end on a tiny base, and the parity gate failing on purpose.

The ``tiny_checkpoint`` fixture (conftest) fine-tunes a random tiny ``BertForMaskedLM``
base for 2 steps; the model is meaningless, the tests check the mechanics.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from feedback_nlp.taxonomy import TAG_IDS
from feedback_nlp.model_dir import REQUIRED_FILES, TaggerConfig

from tests.conftest import SENTENCES, tiny_finetune_config

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from training.export import ParityError, export_checkpoint, parity_gate  # noqa: E402
from training.finetune import TRAINING_STATE, FinetuneConfig, load_base_tokenizer  # noqa: E402


def dev_rows(dataset_dir) -> list[dict]:
    return [json.loads(l) for l in (dataset_dir / "dev.jsonl").read_text(encoding="utf-8").splitlines()]


def test_finetune_writes_a_checkpoint(tiny_checkpoint):
    assert {"config.json", "model.safetensors", "tokenizer.json", TRAINING_STATE} <= {p.name for p in tiny_checkpoint.iterdir()}
    state = json.loads((tiny_checkpoint / TRAINING_STATE).read_text(encoding="utf-8"))
    assert (state["train_examples"], state["dev_examples"]) == (8, 12)
    assert [h["epoch"] for h in state["history"]] == [1]
    assert state["labels"] == list(TAG_IDS) and set(state["thresholds"]) == set(TAG_IDS)
    assert all(0 < t["threshold"] < 1 for t in state["thresholds"].values())
    assert state["config"]["max_length"] == 32 and state["config"]["use_context"] is True
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_checkpoint)
    assert config.num_labels == len(TAG_IDS) and config.problem_type == "multi_label_classification"
    assert config.id2label[9] == "logistics"


@pytest.fixture(scope="module")
def exported(tiny_checkpoint, tiny_dataset_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("exported") / "model"
    return export_checkpoint(tiny_checkpoint, out, dev=tiny_dataset_dir / "dev.jsonl", optimize=True, quantize=True)


def test_export_checkpoint_with_parity_gate(exported):
    assert sorted(p.name for p in exported.iterdir()) == sorted(REQUIRED_FILES)  # no fp32/int8 leftovers
    config = TaggerConfig.load(exported)
    assert config.quantization == "int8-weights" and config.use_context and config.max_length == 32
    parity = config.extra["parity"]
    assert parity["rows"] == 12 and parity["pairs"] == 12 * len(TAG_IDS)
    assert parity["onnx_fp32"]["agreement"] >= 0.995 and parity["onnx_int8"]["agreement"] >= 0.995
    assert config.extra["threshold_tuning"]["split"] == "dev" and config.extra["training"]["epochs"] == 1


def test_exported_model_predicts_like_pytorch(exported, tiny_checkpoint):
    from transformers import AutoModelForSequenceClassification

    from feedback_nlp import OnnxTagger
    from feedback_nlp.tagging.encoding import TextEncoder

    tagger = OnnxTagger.from_pretrained(exported, intra_op_threads=1)
    texts, contexts = SENTENCES[:5], ["连衣裙", None, "", "水果", None]
    tags = tagger.predict(texts, contexts)
    assert len(tags) == 5 and all(set(t) <= set(TAG_IDS) for t in tags)
    probs = tagger.predict_proba(texts, contexts)
    assert probs.shape == (5, len(TAG_IDS))

    model = AutoModelForSequenceClassification.from_pretrained(tiny_checkpoint).eval()
    encoder = TextEncoder(load_base_tokenizer(str(tiny_checkpoint)), 32, 8)
    x = {k: torch.from_numpy(v) for k, v in encoder.pad(encoder.encode(texts, contexts)).items()}
    with torch.no_grad():
        expected = torch.sigmoid(model(**x).logits).numpy()
    np.testing.assert_allclose(probs, expected, atol=5e-3)  # int8 weights


def test_parity_gate_fails_for_another_model(tiny_checkpoint, tiny_dataset_dir, tiny_model_dir):
    """The ONNX file of the session's random tiny BERT is not an export of the fine-tuned model."""
    from transformers import AutoModelForSequenceClassification

    from feedback_nlp.tagging.encoding import TextEncoder

    model = AutoModelForSequenceClassification.from_pretrained(tiny_checkpoint).eval()
    encoder = TextEncoder(load_base_tokenizer(str(tiny_checkpoint)), 24, 8)
    with pytest.raises(ParityError, match=r"other_model: 0\.\d+ < 0.995 \(\d+ flipped pairs\)"):
        parity_gate(model, encoder, {"other_model": tiny_model_dir / "model.onnx"}, dev_rows(tiny_dataset_dir),
                    [0.5] * len(TAG_IDS))


def test_parity_gate_fails_for_a_perturbed_model(tiny_bert, tiny_tokenizer, tiny_model_dir):
    from feedback_nlp.tagging.encoding import TextEncoder
    from tokenizers import Tokenizer

    encoder = TextEncoder(Tokenizer.from_str(tiny_tokenizer.to_str()), 24, 8)
    rows = [{"text": t} for t in SENTENCES[:8]]
    report = parity_gate(tiny_bert, encoder, {"onnx": tiny_model_dir / "model.onnx"}, rows, [0.5] * len(TAG_IDS),
                         min_agreement=1.0)
    assert report["onnx"]["agreement"] == 1.0  # the real export passes even at 1.0
    perturbed = copy.deepcopy(tiny_bert)
    with torch.no_grad():
        perturbed.classifier.weight[3] *= -1  # flips the "taste" decisions
        perturbed.classifier.bias[3] *= -1
    with pytest.raises(ParityError, match="parity gate failed") as info:
        parity_gate(perturbed, encoder, {"onnx": tiny_model_dir / "model.onnx"}, rows, [0.5] * len(TAG_IDS),
                    min_agreement=1.0)
    assert "flipped pairs" in str(info.value)


def test_failed_gate_leaves_a_directory_that_does_not_load(exported, tiny_checkpoint, tiny_dataset_dir, tmp_path,
                                                           monkeypatch):
    """Re-exporting over a good model: a failing gate removes tagger_config.json first, so nothing stale loads."""
    import shutil

    import training.export as export
    from feedback_nlp import OnnxTagger
    from feedback_nlp.errors import ModelDirectoryError

    out = tmp_path / "model"
    shutil.copytree(exported, out)
    real = export._onnx_forward
    monkeypatch.setattr(export, "_onnx_forward", lambda path: (lambda arrays: 1 - real(path)(arrays)))  # an "export" that drifted
    with pytest.raises(ParityError):
        export_checkpoint(tiny_checkpoint, out, dev=tiny_dataset_dir / "dev.jsonl", optimize=False, quantize=True)
    assert not (out / "tagger_config.json").exists()
    with pytest.raises(ModelDirectoryError):
        OnnxTagger.from_pretrained(out)


# ------------------------------------------------------------ FinetuneConfig validation


@pytest.mark.parametrize(("overrides", "message"), [
    ({"epochs": 0}, "epochs must be ≥ 1, got 0"),
    ({"batch_size": -4}, "batch_size must be ≥ 1, got -4"),
    ({"precision_floor": 1.5}, r"precision_floor must be in \(0, 1\], got 1.5"),
    ({"lr": 2.0}, r"lr must be in \(0, 1\), got 2.0"),
    ({"max_length": 16, "context_max_length": 16}, r"context_max_length \(16\) must be < max_length \(16\)"),
    ({"labels": ["quality", "tasty"]}, r"unknown labels \['tasty'\]; valid: quality, size"),
])
def test_config_errors_echo_the_bad_value(overrides, message):
    with pytest.raises(ValueError, match=message):
        FinetuneConfig(**overrides)


def test_config_file_rejects_unknown_keys(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"epochs": 3, "learning_rate": 1e-4}))
    with pytest.raises(ValueError, match=r"unknown config keys \['learning_rate'\] in .*cfg.json; valid: .*\blr\b"):
        FinetuneConfig.from_file(path)
    path.write_text(json.dumps({"epochs": 3, "lr": 1e-4}))
    cfg = FinetuneConfig.from_file(path, epochs=None, out="runs/x")  # None overrides are ignored
    assert (cfg.epochs, cfg.lr, cfg.out) == (3, 1e-4, "runs/x")
    with pytest.raises(ValueError, match="epochs must be ≥ 1, got 0"):
        FinetuneConfig.from_file(path, epochs=0)


def test_shipped_configs_are_valid():
    from pathlib import Path

    from training.distill import StudentConfig
    from training.teacher import TeacherConfig

    configs = Path(__file__).resolve().parents[2] / "training" / "configs"
    paths = sorted(configs.glob("*.json"))
    assert paths
    special = {"teacher.json": TeacherConfig, "student.json": StudentConfig}
    for path in paths:
        if path.name in special:
            special[path.name](**json.loads(path.read_text(encoding="utf-8")))
        else:
            FinetuneConfig.from_file(path)


def test_max_length_beyond_base_positions_fails(tiny_base_dir, tiny_dataset_dir, tmp_path):
    cfg = tiny_finetune_config(tiny_base_dir, tiny_dataset_dir, tmp_path / "out", max_length=128)
    from training.finetune import finetune

    with pytest.raises(ValueError, match="max_length 128 > base model positions 64"):
        finetune(cfg, log=lambda line: None)
