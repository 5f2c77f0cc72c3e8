"""Issue 12, item 9: a text's scores do not depend on its batch neighbours or its padding.

The tiny model is exported with ``int8-weights`` (``MatMulNBits``, activations quantized per
row), the shipped models' quantization. The same checks on ``int8-dynamic``, whose
activation scale is computed over the whole batch, show the drift they guard against.
"""

import numpy as np
import pytest

pytest.importorskip("torch", reason="export needs the [train] extra")
pytest.importorskip("onnx", reason="export needs the [train] extra")
ort = pytest.importorskip("onnxruntime")

from feedback_nlp import OnnxTagger  # noqa: E402
from feedback_nlp.model_dir import TaggerConfig  # noqa: E402
from feedback_nlp.taxonomy import TAG_IDS  # noqa: E402
from feedback_nlp.tagging.encoding import TextEncoder  # noqa: E402
from tests.conftest import SENTENCES, TINY_MAX_LENGTH  # noqa: E402

TOLERANCE = 1e-6
TARGET = "送得太慢，饭都凉了，量还少"


def _export(tmp_path_factory, tiny_bert, tiny_tokenizer, method):
    from training.export import export_model_dir

    return export_model_dir(
        tiny_bert, tiny_tokenizer, tmp_path_factory.mktemp(method), labels=list(TAG_IDS),
        thresholds={label: 0.5 for label in TAG_IDS}, max_length=TINY_MAX_LENGTH, quantize=method,
    )


@pytest.fixture(scope="module")
def int8_weights_dir(tmp_path_factory, tiny_bert, tiny_tokenizer):
    return _export(tmp_path_factory, tiny_bert, tiny_tokenizer, "int8-weights")


@pytest.fixture(scope="module")
def int8_dynamic_dir(tmp_path_factory, tiny_bert, tiny_tokenizer):
    return _export(tmp_path_factory, tiny_bert, tiny_tokenizer, "int8-dynamic")


def _target_scores_in_batches(model_dir):
    """The target text's probabilities: alone, then inside batches of other texts and other paddings."""
    from tokenizers import Tokenizer

    encoder = TextEncoder(Tokenizer.from_file(str(model_dir / "tokenizer.json")), TINY_MAX_LENGTH)
    session = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    target = encoder.encode([TARGET])[0]
    others = encoder.encode(SENTENCES)
    batches = [
        [target],  # alone, no padding
        [target] + others[:1],
        others[:7] + [target],
        others[10:30] + [target] + others[:3],  # 24 rows, some longer than the target: it gets padding
        [target] + encoder.encode(["这个" * 50])[:1],  # padded to max_length by a truncated neighbour
        [target, target, target],
    ]
    out = []
    for batch in batches:
        arrays = encoder.pad(batch)
        (logits,) = session.run(["logits"], arrays)
        rows = [i for i, e in enumerate(batch) if e is target]
        out += [1 / (1 + np.exp(-logits[i].astype(np.float64))) for i in rows]
    return np.stack(out)


def test_export_records_the_quantization(int8_weights_dir):
    assert TaggerConfig.load(int8_weights_dir).quantization == "int8-weights"


def test_one_text_scores_the_same_alone_and_in_any_batch(int8_weights_dir):
    scores = _target_scores_in_batches(int8_weights_dir)
    assert np.abs(scores - scores[0]).max() <= TOLERANCE


def test_the_check_detects_batch_dependent_quantization(int8_dynamic_dir):
    """int8-dynamic is what the check must catch: its scores move with the batch."""
    scores = _target_scores_in_batches(int8_dynamic_dir)
    assert np.abs(scores - scores[0]).max() > TOLERANCE


@pytest.mark.parametrize("batch_sizes", [(1, 3), (1, 64), (7, 64)])
def test_tagger_scores_do_not_depend_on_its_batch_size(int8_weights_dir, batch_sizes):
    texts = SENTENCES + ["这个" * 50, "好", TARGET]
    a, b = (OnnxTagger.from_pretrained(int8_weights_dir, intra_op_threads=1, batch_size=n) for n in batch_sizes)
    assert np.abs(a.predict_proba(texts) - b.predict_proba(texts)).max() <= TOLERANCE
    assert a.predict(texts) == b.predict(texts)


def test_tagger_scores_do_not_depend_on_how_a_file_is_split(int8_weights_dir):
    tagger = OnnxTagger.from_pretrained(int8_weights_dir, intra_op_threads=1, batch_size=8)
    texts = SENTENCES * 2
    whole = tagger.predict_proba(texts)
    parts = np.concatenate([tagger.predict_proba(texts[i:i + 5]) for i in range(0, len(texts), 5)])
    one_by_one = np.stack([tagger.predict_proba(t) for t in texts])
    assert np.abs(whole - parts).max() <= TOLERANCE and np.abs(whole - one_by_one).max() <= TOLERANCE
