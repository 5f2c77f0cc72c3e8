"""Train a BERT-Chinese-style WordPiece tokenizer with `tokenizers`.

CJK characters become one token each (as in ``bert-base-chinese``), Latin words are
split into word pieces, full-width forms are folded by NFKC, text is lower-cased,
and emoji are isolated so that each one is either its own token or ``[UNK]`` — never
glued to a neighbouring word.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_EMOJI = Regex("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")


def new_tokenizer() -> Tokenizer:
    """An untrained tokenizer with the project's normalization and pre-tokenization."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(_EMOJI, behavior="isolated"),
        pre_tokenizers.BertPreTokenizer(),
    ])
    tok.decoder = decoders.WordPiece(prefix="##")
    return tok


def train_tokenizer(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2) -> Tokenizer:
    """Train the WordPiece vocabulary on ``texts`` and attach BERT's pair template."""
    tok = new_tokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIAL_TOKENS,
        continuing_subword_prefix="##", show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return tok


def to_transformers(tok: Tokenizer, model_max_length: int = 128):
    """Wrap as a ``transformers`` fast tokenizer (training side only)."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=model_max_length,
    )
