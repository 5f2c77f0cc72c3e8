"""training/mlm_data.py and training/pretrain.py: whole-word masking, a few steps, checkpoint and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import SENTENCES

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from training import mlm_data  # noqa: E402
from training.pretrain import Masker, PretrainConfig, pretrain  # noqa: E402

SPECIAL_MAX = 4  # [PAD] [UNK] [CLS] [SEP] [MASK] are ids 0..4 in training.tokenizer
MASK_ID, PAD_ID, VOCAB = 4, 0, 400


def test_word_ids_follow_jieba_words_and_skip_specials():
    # "[CLS] 质 量 太 差 [SEP]" with jieba words "质量", "太差"
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (0, 0)]
    assert mlm_data.word_ids_for("质量太差", offsets, ["质量", "太差"]) == [-1, 0, 0, 1, 1, -1]


def test_encode_save_load_roundtrip(tiny_tokenizer, tmp_path):
    lines = SENTENCES[:6]
    arrays = mlm_data.encode_corpus(lines, tiny_tokenizer, max_length=16)
    assert arrays["lengths"].sum() == len(arrays["input_ids"]) == len(arrays["word_ids"])
    assert arrays["lengths"].max() <= 16
    mlm_data.save(tmp_path / "d.npz", arrays, max_length=16, whole_word=True)
    ids, wids, meta = mlm_data.load(tmp_path / "d.npz")
    assert len(ids) == len(lines) and meta == {"max_length": 16, "whole_word": True}
    cls, sep = tiny_tokenizer.token_to_id("[CLS]"), tiny_tokenizer.token_to_id("[SEP]")
    for a, w in zip(ids, wids):
        assert a[0] == cls and a[-1] == sep and w[0] == w[-1] == -1
        assert (w[1:-1] >= 0).all() and (np.diff(w[1:-1]) >= 0).all()  # words in order, no gaps for specials


def test_token_level_word_ids_exclude_specials(tiny_tokenizer):
    arrays = mlm_data.encode_corpus(SENTENCES[:3], tiny_tokenizer, max_length=16, whole_word=False)
    ids, wids = arrays["input_ids"].astype(int), arrays["word_ids"].astype(int)
    specials = np.isin(ids, [tiny_tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]")])
    assert (wids[specials] == -1).all() and (wids[~specials] >= 0).all()


def _batch():
    ids = [np.array([2, 10, 11, 12, 13, 14, 15, 3]), np.array([2, 20, 21, 22, 3]), np.array([2, 30, 3])]
    wids = [np.array([-1, 0, 0, 1, 2, 2, 2, -1]), np.array([-1, 0, 1, 1, -1]), np.array([-1, 0, -1])]
    return ids, wids


def test_masker_masks_whole_words_never_specials():
    ids, wids = _batch()
    n_chosen = 0
    for seed in range(200):
        masker = Masker(VOCAB, MASK_ID, PAD_ID, SPECIAL_MAX, p=0.3, rng=np.random.default_rng(seed))
        x, attn, labels = (t.numpy() for t in masker(ids, wids))
        for i, (a, w) in enumerate(zip(ids, wids)):
            chosen = labels[i, : len(a)] != -100
            assert chosen.any()  # at least one masked token per sequence
            assert not chosen[w < 0].any()  # never [CLS] / [SEP]
            for word in set(w[w >= 0]):
                in_word = chosen[w == word]
                assert in_word.all() or not in_word.any(), (seed, i, word)  # all tokens of a word, or none
            assert (labels[i, : len(a)][chosen] == a[chosen]).all()  # labels are the original ids
            assert (x[i, : len(a)][~chosen] == a[~chosen]).all()  # unchosen tokens untouched
            replaced = x[i, : len(a)][chosen]
            assert ((replaced == MASK_ID) | (replaced > SPECIAL_MAX)).all()  # [MASK] or a random non-special token
            n_chosen += int(chosen.sum())
            assert (attn[i, len(a):] == 0).all() and (x[i, len(a):] == PAD_ID).all() and (labels[i, len(a):] == -100).all()
    assert n_chosen > 0


def _write_data(tokenizer, tmp_path):
    data = tmp_path / "pretrain-data"
    data.mkdir()
    tokenizer.save(str(data / "tokenizer.json"))
    mlm_data.save(data / "mlm_data.npz", mlm_data.encode_corpus(SENTENCES, tokenizer, max_length=24), max_length=24)
    return data


def _config(data, out, steps):
    return PretrainConfig(data=str(data), out=str(out), layers=1, hidden=16, heads=2, intermediate=32, max_position=32,
                          batch_size=4, steps=steps, lr=1e-3, warmup=1, eval_fraction=0.1, eval_every=2, save_every=2,
                          device="cpu", bf16=False, seed=3)


def test_pretrain_writes_checkpoint_and_resumes(tiny_tokenizer, tmp_path, capsys):
    data = _write_data(tiny_tokenizer, tmp_path)
    out = tmp_path / "base"
    first = pretrain(_config(data, out, steps=3))
    state = torch.load(out / "checkpoint.pt", weights_only=False)
    assert state["step"] == 3 and [m["step"] for m in first["log"]] == [2, 3]
    assert (out / "config.json").exists() and (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    assert json.loads((out / "pretrain_metrics.json").read_text())["final"]["step"] == 3
    assert first["eval_lines"] == 3 and np.isfinite(first["final"]["mlm_loss"])

    second = pretrain(_config(data, out, steps=5))
    assert "resumed from step 3" in capsys.readouterr().out
    assert [m["step"] for m in second["log"]] == [2, 3, 4, 5]  # the log continues; steps 1..3 are not redone
    assert torch.load(out / "checkpoint.pt", weights_only=False)["step"] == 5

    from transformers import BertForMaskedLM

    model = BertForMaskedLM.from_pretrained(out)
    assert model.config.hidden_size == 16 and model.config.vocab_size == tiny_tokenizer.get_vocab_size()


def test_pretrain_config_validation():
    with pytest.raises(ValueError, match=r"hidden \(30\) must be divisible by heads \(4\)"):
        PretrainConfig(hidden=30, heads=4)
    with pytest.raises(ValueError, match="mask_prob must be in \\(0, 1\\), got 1.5"):
        PretrainConfig(mask_prob=1.5)
