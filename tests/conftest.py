"""Shared fixtures: one tiny random BERT, exported once per test session.

The model is random (seeded), so its tags are meaningless; tests check mechanics
(shapes, batching, truncation, errors), never quality.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedback_nlp.taxonomy import TAG_IDS

SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "feedback_nlp" / "models" / "default"

# Written for these tests; a mix of channels, scripts, full-width forms and emoji.
SENTENCES = [
    "质量太差了，用了两天就坏了",
    "尺码偏大，按尺码表买的还是大",
    "颜色和图片不一样，色差很严重",
    "太甜了，有点腻",
    "水果都烂了，一点都不新鲜",
    "里面有头发，太恶心了",
    "少发了一件，分量也不够",
    "和描述完全不符，怀疑是假货",
    "刚买就降价了，太贵了",
    "物流太慢了，一个星期才到",
    "包装破损，瓶子都漏了",
    "客服态度很差，半天不回消息",
    "退款一直不处理，售后推来推去",
    "太差了，再也不买了",
    "虾太大了，好吃到停不下来",
    "没有色差，尺码一点都不小",
    "请问这个偏大吗？明天能发货吗？",
    "挺好吃的，就是太甜了",
    "快递弄丢了，商家给补发了",
    "送得太慢，饭都凉了，量还少",
    "The quality is terrible and it broke after two days",
    "Delivery was slow but the customer service was helpful",
    "Size runs small, please check the size chart",
    "Great product, would buy again",
    "ＡＢＣ牌子的耳机，音质一般般",
    "手机壳很好看😀，就是有点滑",
    "外卖洒了一半🙁，骑手态度还不好",
    "衣服起球了，洗了一次就变形",
    "面料舒服，颜色也正，好评",
    "连衣裙很漂亮，就是腰有点紧",
    "The package arrived crushed and the box was wet",
    "Refund request ignored for two weeks",
    "电池不耐用，充电也很慢",
    "味道有点怪，吃完肚子不舒服",
    "赠品没有给，说好的送两包",
    "这个价格还可以，性价比一般",
]

TINY_MAX_LENGTH = 24  # small so that truncation is easy to trigger in tests


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from training.tokenizer import train_tokenizer

    return train_tokenizer(SENTENCES, vocab_size=400, min_frequency=1)


@pytest.fixture(scope="session")
def tiny_bert(tiny_tokenizer):
    """A seeded random ``BertForSequenceClassification``: 2 layers, hidden 32, 14 labels."""
    torch = pytest.importorskip("torch", reason="the tiny-model fixture needs the [train] extra")
    transformers = pytest.importorskip("transformers", reason="the tiny-model fixture needs the [train] extra")

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=tiny_tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, num_labels=len(TAG_IDS),
        problem_type="multi_label_classification",
        initializer_range=0.5,  # large enough that probabilities spread around the thresholds
    )
    return transformers.BertForSequenceClassification(config).eval()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_bert, tiny_tokenizer) -> Path:
    """The tiny BERT exported once per session with ``training.export.export_model_dir``."""
    from training.export import export_model_dir

    out = tmp_path_factory.mktemp("tiny-model")
    return export_model_dir(
        tiny_bert, tiny_tokenizer, out, labels=list(TAG_IDS), thresholds={label: 0.5 for label in TAG_IDS},
        max_length=TINY_MAX_LENGTH, context_max_length=8, base_model="random-tiny-bert",
    )


@pytest.fixture(scope="session")
def tiny_context_model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The same model, configured to read product context as the second segment."""
    from feedback_nlp.model_dir import TaggerConfig, write_manifest

    out = tmp_path_factory.mktemp("tiny-context-model") / "model"
    shutil.copytree(tiny_model_dir, out)
    config = TaggerConfig.load(out)
    config.use_context = True
    TaggerConfig.from_dict(config.to_dict()).save(out)  # re-validated on the way
    write_manifest(out)
    return out


@pytest.fixture(scope="session")
def tagger(tiny_model_dir):
    from feedback_nlp import OnnxTagger

    return OnnxTagger.from_pretrained(tiny_model_dir, intra_op_threads=1, batch_size=4)


@pytest.fixture(scope="session")
def context_tagger(tiny_context_model_dir):
    from feedback_nlp import OnnxTagger

    return OnnxTagger.from_pretrained(tiny_context_model_dir, intra_op_threads=1, batch_size=4)


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A throw-away copy of the shipped default model (needs no torch), for tests that make it lie."""
    out = tmp_path / "shipped"
    shutil.copytree(SHIPPED_MODEL, out)
    return out


@pytest.fixture
def model_copy(tmp_path, tiny_model_dir) -> Path:
    """A throw-away copy of the tiny model directory, for tests that break it."""
    out = tmp_path / "model"
    shutil.copytree(tiny_model_dir, out)
    return out


# ------------------------------------------------------------ training fixtures


def _labels_for(i: int) -> list[str]:
    """Deterministic toy labels (meaningless; they only give every split positives and negatives)."""
    return [TAG_IDS[i % len(TAG_IDS)]] + (["logistics"] if i % 3 == 0 else []) if i % 4 else []


@pytest.fixture(scope="session")
def tiny_dataset_dir(tmp_path_factory) -> Path:
    """``train.jsonl`` / ``dev.jsonl`` / ``test.jsonl`` in the layout of ``training.build_dataset``."""
    import json

    out = tmp_path_factory.mktemp("tiny-dataset")
    rows = [{"id": f"s{i}", "text": text, "labels": _labels_for(i), "context": "连衣裙" if i % 5 == 0 else None,
             "channel": "review", "source": "written", "kind": None, "domain": "general"}
            for i, text in enumerate(SENTENCES)]
    for split, part in (("train", rows[:16]), ("dev", rows[16:28]), ("test", rows[28:])):
        with open(out / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(dict(r, split=split), ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="session")
def tiny_base_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    """A random ``BertForMaskedLM`` base (tiny config) with ``tokenizer.json``, as ``training.pretrain`` saves one."""
    torch = pytest.importorskip("torch", reason="the tiny base needs the [train] extra")
    transformers = pytest.importorskip("transformers", reason="the tiny base needs the [train] extra")

    torch.manual_seed(1)
    config = transformers.BertConfig(
        vocab_size=tiny_tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, pad_token_id=tiny_tokenizer.token_to_id("[PAD]"),
    )
    out = tmp_path_factory.mktemp("tiny-base")
    transformers.BertForMaskedLM(config).save_pretrained(out)
    tiny_tokenizer.save(str(out / "tokenizer.json"))
    return out


def tiny_finetune_config(base: Path, data: Path, out: Path, **overrides):
    """A ``FinetuneConfig`` that trains for 2 steps (8 examples, batch 4, 1 epoch) on CPU."""
    from training.finetune import FinetuneConfig

    settings = dict(base_model=str(base), data=str(data), out=str(out), max_length=32, context_max_length=8,
                    epochs=1, batch_size=4, max_train_examples=8, device="cpu", min_threshold_support=2)
    return FinetuneConfig(**(settings | overrides))


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_base_dir, tiny_dataset_dir) -> Path:
    """The output directory of a 2-step ``training.finetune`` run on the tiny base and dataset."""
    pytest.importorskip("torch", reason="fine-tuning needs the [train] extra")
    from training.finetune import finetune

    out = tmp_path_factory.mktemp("tiny-checkpoint")
    return finetune(tiny_finetune_config(tiny_base_dir, tiny_dataset_dir, out), log=lambda line: None)
