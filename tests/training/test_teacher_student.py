"""Teacher fine-tuning, distillation and the calibrated export, end to end on tiny models."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the [train] extra")
transformers = pytest.importorskip("transformers", reason="training needs the [train] extra")
pytest.importorskip("onnx", reason="export needs the [train] extra")

from feedback_nlp.taxonomy import TAG_IDS  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402
from training.distill import StudentConfig, train_student  # noqa: E402
from training.teacher import MeanPoolTagger, TeacherConfig, train_teacher  # noqa: E402

LABELS = [["quality"], ["size"], ["color"], ["taste"], ["freshness"], ["hygiene"], ["quantity"], ["mismatch"],
          ["price"], ["logistics"], ["damage"], ["service"], ["after_sales"], ["other"], [], [], [], ["taste"],
          ["logistics"], ["logistics", "quantity"]]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, tiny_tokenizer):
    d = tmp_path_factory.mktemp("base")
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=tiny_tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(config, add_pooling_layer=False).save_pretrained(d)
    tiny_tokenizer.save(str(d / "tokenizer.json"))
    return d


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    rows = [{"id": f"t{i}", "text": t, "labels": LABELS[i % len(LABELS)], "context": "黑色T恤" if i % 5 == 0 else None}
            for i, t in enumerate(SENTENCES)]
    for split, part in (("train", rows), ("dev", rows[:20]), ("test", rows[20:])):
        (d / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    return d


def test_teacher_trains_resumes_and_round_trips(tmp_path, tiny_base, tiny_data):
    cfg = TeacherConfig(base_model=str(tiny_base), data=str(tiny_data), out=str(tmp_path / "t"), epochs=2,
                        batch_size=8, max_length=32, context_max_length=8)
    ckpt = train_teacher(cfg, log=lambda s: None)
    state = json.loads((ckpt / "training_state.json").read_text())
    assert [h["epoch"] for h in state["history"]] == [1, 2]
    assert set(state["thresholds"]) == set(TAG_IDS)
    # a finished run resumes as finished: no epoch is trained again
    again = train_teacher(TeacherConfig(**{**cfg.__dict__}), log=lambda s: None)
    assert json.loads((again / "training_state.json").read_text())["history"] == state["history"]
    m = MeanPoolTagger.load(ckpt)
    x = {"input_ids": torch.tensor([[2, 5, 6, 3, 0]]), "attention_mask": torch.tensor([[1, 1, 1, 1, 0]]),
         "token_type_ids": torch.zeros(1, 5, dtype=torch.long)}
    # padding does not change a mean-pooled text's logits
    short = {k: v[:, :4] for k, v in x.items()}
    torch.testing.assert_close(m(**x).logits, m(**short).logits, atol=1e-5, rtol=0)


def test_distilled_student_and_calibrated_export(tmp_path, tiny_base, tiny_data):
    import feedback_nlp
    from training.calibrated_export import export_calibrated

    cfg = StudentConfig(base_model=str(tiny_base), data=str(tiny_data), out=str(tmp_path / "s"), epochs=1,
                        batch_size=8, max_length=32, context_max_length=8)
    n_train = len(SENTENCES)
    soft = np.random.default_rng(0).random((n_train, len(TAG_IDS))).astype(np.float32)
    unlabeled = ["随便写的一句话", "送货很快", "质量一般般吧"]
    ckpt = train_student(cfg, soft, unlabeled, np.full((3, len(TAG_IDS)), 0.1, np.float32), log=lambda s: None)
    state = json.loads((ckpt / "training_state.json").read_text())
    assert state["unlabeled_examples"] == 3 and state["config"]["alpha"] == 0.5

    out = export_calibrated(ckpt, tmp_path / "model", name="tiny", dev=tiny_data / "dev.jsonl", target_precision=0.6)
    config = json.loads((out / "tagger_config.json").read_text())
    assert config["quantization"] == "int8-weights"
    assert set(config["calibration"]["parameters"]) == set(TAG_IDS)
    tagger = feedback_nlp.load_tagger(out)
    texts = [r["text"] for r in map(json.loads, (tiny_data / "dev.jsonl").read_text().splitlines())]
    alone = np.stack([tagger.predict_proba([t])[0] for t in texts[:5]])
    together = tagger.predict_proba(texts)[:5]
    np.testing.assert_allclose(alone, together, atol=1e-5)  # no dependence on batch neighbours
