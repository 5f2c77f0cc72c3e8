"""Text → token ids exactly as the model sees them, shared by inference and training.

Training imports this module so that a fine-tuned model is fed the same
``[CLS] text [SEP] (context [SEP])`` layout, truncation and padding that
:class:`feedback_nlp.OnnxTagger` uses at inference time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import tokenizers

__all__ = ["Encoded", "TextEncoder"]


@dataclass
class Encoded:
    ids: list[int]
    type_ids: list[int]
    truncated: bool


class TextEncoder:
    """Encodes texts (and optional product contexts) with a model's ``tokenizer.json``.

    Holds no per-call state, so one encoder may be used by several threads.
    """

    def __init__(self, tokenizer: tokenizers.Tokenizer, max_length: int, context_max_length: int = 32) -> None:
        # configured once here; truncation is done per encoding so calls never mutate it
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.context_max_length = context_max_length
        self.n_special_single = tokenizer.num_special_tokens_to_add(False)
        self.n_special_pair = tokenizer.num_special_tokens_to_add(True)
        # BERT vocabularies call it [PAD], SentencePiece ones (XLM-R, e5) <pad>
        pad_id = next((i for i in (tokenizer.token_to_id("[PAD]"), tokenizer.token_to_id("<pad>")) if i is not None), None)
        self.pad_id = 0 if pad_id is None else pad_id

    def encode(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> list[Encoded]:
        """``[CLS] text [SEP]`` or ``[CLS] text [SEP] context [SEP]``.

        A missing or blank context gives a single segment. The context is cut to
        ``context_max_length`` tokens first; the text keeps the rest of ``max_length``
        and is cut from the right when longer.
        """
        tok = self.tokenizer
        encodings = tok.encode_batch(list(texts), add_special_tokens=False)
        pairs: list[Any] = [None] * len(texts)
        if contexts is not None:
            wanted = [i for i, c in enumerate(contexts) if c is not None and c.strip()]
            if wanted:
                for i, enc in zip(wanted, tok.encode_batch([contexts[i] for i in wanted], add_special_tokens=False)):
                    if len(enc) > 0:
                        pairs[i] = enc
        out = []
        for enc, pair in zip(encodings, pairs):
            if pair is not None:
                if len(pair) > self.context_max_length:
                    pair.truncate(self.context_max_length)
                budget = self.max_length - self.n_special_pair - len(pair)
            else:
                budget = self.max_length - self.n_special_single
            truncated = len(enc) > budget
            if truncated:
                enc.truncate(budget)
            full = tok.post_process(enc, pair, add_special_tokens=True)
            out.append(Encoded(full.ids, full.type_ids, truncated))
        return out

    def pad(self, encoded: Sequence[Encoded]) -> dict[str, np.ndarray]:
        """Right-pad a batch to its longest member: the three int64 model inputs."""
        width = max(len(e.ids) for e in encoded)
        input_ids = np.full((len(encoded), width), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(encoded), width), dtype=np.int64)
        token_type_ids = np.zeros((len(encoded), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            input_ids[row, :len(e.ids)] = e.ids
            attention_mask[row, :len(e.ids)] = 1
            token_type_ids[row, :len(e.type_ids)] = e.type_ids
        return {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}

    def batches(self, encoded: Sequence[Encoded], batch_size: int) -> Iterator[tuple[list[int], dict[str, np.ndarray]]]:
        """Length-sorted padded batches: ``(positions in encoded, model inputs)``; similar lengths pad little."""
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            yield idx, self.pad([encoded[i] for i in idx])
