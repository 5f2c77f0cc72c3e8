"""training/tokenizer.py, checked on the tokenizer.json the library loads from a model directory."""

import pytest
from tokenizers import Tokenizer

from training.tokenizer import new_tokenizer


@pytest.fixture(scope="module")
def tok(tiny_tokenizer, tmp_path_factory):
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tiny_tokenizer.save(str(path))
    return Tokenizer.from_file(str(path))


def tokens(tok, text):
    return tok.encode(text, add_special_tokens=False).tokens


def test_one_token_per_cjk_character(tok):
    assert tokens(tok, "质量太差了") == ["质", "量", "太", "差", "了"]
    assert tokens(tok, "物流太慢了，一个星期才到")[:5] == ["物", "流", "太", "慢", "了"]


def test_full_width_forms_are_folded_and_lower_cased(tok):
    assert tokens(tok, "ＡＢＣ牌子") == tokens(tok, "abc牌子")
    assert tokens(tok, "Ｔｈｅ　ＱＵＡＬＩＴＹ") == tokens(tok, "the quality")
    assert tokens(tok, "太差了！") == tokens(tok, "太差了!")


def test_latin_words_become_word_pieces(tok):
    pieces = tokens(tok, "The quality is terrible")
    assert pieces[0] == "the"
    assert all(p == "[UNK]" or p.isascii() for p in pieces)


@pytest.mark.parametrize("text", ["好看😀就是", "great😀product", "太慢了🙁🙁", "good👍"])
def test_emoji_are_isolated(tok, text):
    for token in tokens(tok, text):
        has_emoji = any(ord(ch) >= 0x2600 and not ("\u4e00" <= ch <= "\u9fff") for ch in token)
        if has_emoji:  # the emoji stands alone (or is unknown); it never swallows a neighbour
            assert len(token.replace("##", "")) == 1
    assert "😀" in tokens(tok, "好看😀就是") or "[UNK]" in tokens(tok, "好看😀就是")


def test_unknown_emoji_is_a_single_unk(tok):
    # 👍 is not in the training sentences: one [UNK], with the word before it kept intact
    assert tokens(tok, "good👍") == [*tokens(tok, "good"), "[UNK]"]


def test_pair_template_sets_segment_ids(tok):
    enc = tok.encode("太甜了", "连衣裙")
    assert enc.tokens == ["[CLS]", "太", "甜", "了", "[SEP]", "连", "衣", "裙", "[SEP]"]
    assert enc.type_ids == [0, 0, 0, 0, 0, 1, 1, 1, 1]


def test_untrained_tokenizer_has_project_normalizer():
    tok = new_tokenizer()
    assert tok.normalizer.normalize_str("ＡＢＣ１２３") == "abc123"
