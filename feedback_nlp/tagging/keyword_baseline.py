"""The keyword baseline: the crude aspect-word matcher that platforms use, and the floor
every model is compared with.

>>> from feedback_nlp.tagging.keyword_baseline import KeywordTagger
>>> kw = KeywordTagger()
>>> kw.predict("虾太大了")            # praise in complaint words: the baseline gets it wrong
['size']
>>> kw.predict(["送得太慢，饭都凉了", "太差了，再也不买了", "好评"])
[['logistics'], ['other'], []]

Rules (deliberately naive, documented in ``docs/keyword-baseline.md``):

1. Every tag has a list of aspect words (:data:`KEYWORDS`). A tag fires when **any** of
   its words occurs anywhere in the text as a substring (English letters compared
   case-insensitively). There is **no** negation handling (没有色差 → ``color``), **no**
   praise handling (虾太大了 → ``size``, 甜到心里 → ``taste``), no word segmentation
   (质量 contains no size word, but 小时 contains 小 → ``size``) — that is what
   platform keyword rules do, and what the model is measured against.
2. ``other`` fires on :data:`OTHER_WORDS` (差评, 太差, 失望, 再也不买) only when no other
   tag fired, as in the labeling guide.
3. Product context is ignored (the rules read the text only); ``None`` / blank text gets
   no tags and status ``"empty"``.

It has the interface of :class:`~feedback_nlp.tagging.onnx_tagger.OnnxTagger`: ``labels``,
``thresholds`` (all 0.5), ``predict``, ``predict_proba`` (0.0 / 1.0) and ``tag``; one
string in gives one result out, a list in gives a list out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.taxonomy import TAG_IDS, validate_tags
from feedback_nlp.tagging.onnx_tagger import TagResult

__all__ = ["KeywordTagger", "KEYWORDS", "OTHER_WORDS"]

#: Aspect words per tag; a tag fires when any of them is a substring of the text.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "quality": ("质量", "做工", "坏了", "起球", "开线", "线头", "劣质", "故障", "死机", "卡顿", "发热", "不耐用"),
    "size": ("大", "小", "偏大", "偏小", "尺码", "码", "紧", "松", "肥"),
    "color": ("色差", "颜色", "掉色", "褪色", "染色"),
    "taste": ("甜", "咸", "辣", "苦", "酸", "腻", "难吃", "味道", "口味", "口感"),
    "freshness": ("新鲜", "烂", "变质", "过期", "发霉", "临期", "蔫", "臭"),
    "hygiene": ("头发", "虫", "脏", "异物", "异味", "刺鼻", "难闻", "过敏", "卫生"),
    "quantity": ("分量", "量少", "少了", "少发", "漏发", "缺", "发错", "斤两"),
    "mismatch": ("不符", "假货", "假的", "正品", "描述", "图片", "实物", "虚假"),
    "price": ("贵", "价格", "价钱", "不值", "降价", "性价比"),
    "logistics": ("慢", "物流", "快递", "发货", "送货", "配送", "骑手"),
    "damage": ("破损", "包装", "漏", "碎", "压坏", "洒", "变形"),
    "service": ("客服", "态度", "回复", "不理", "服务"),
    "after_sales": ("售后", "退款", "退货", "换货", "保修", "维修"),
}

#: Words of aspect-less dissatisfaction: ``other`` fires on them only when nothing else fired.
OTHER_WORDS: tuple[str, ...] = ("差评", "太差", "失望", "再也不买")


class KeywordTagger:
    """Tag texts by aspect-word lookup (see the module docstring for the rules).

    ``keywords`` replaces :data:`KEYWORDS` and ``other_words`` :data:`OTHER_WORDS`
    (tags are validated against the taxonomy; a tag without words never fires).
    """

    name = "keyword"

    def __init__(
        self,
        keywords: Mapping[str, Sequence[str]] | None = None,
        other_words: Sequence[str] | None = None,
    ) -> None:
        words = KEYWORDS if keywords is None else keywords
        if not isinstance(words, Mapping):
            raise InvalidInputError(f"keywords must map tag ids to lists of words, got {type(words).__name__}")
        validate_tags(list(words))
        if "other" in words:
            raise InvalidInputError("'other' is matched by other_words (when no other tag fired), not by keywords")
        self.keywords: dict[str, tuple[str, ...]] = {}
        for tag_id, ws in words.items():
            if isinstance(ws, str) or not all(isinstance(w, str) and w for w in ws):
                raise InvalidInputError(f"keywords[{tag_id!r}] must be a list of non-empty strings, got {ws!r}")
            self.keywords[tag_id] = tuple(w.lower() for w in ws)
        others = OTHER_WORDS if other_words is None else other_words
        if isinstance(others, str) or not all(isinstance(w, str) and w for w in others):
            raise InvalidInputError(f"other_words must be a list of non-empty strings, got {others!r}")
        self.other_words: tuple[str, ...] = tuple(w.lower() for w in others)
        self._labels: tuple[str, ...] = TAG_IDS

    # ------------------------------------------------------------------ properties

    @property
    def labels(self) -> tuple[str, ...]:
        """Every tag of the taxonomy, in taxonomy order."""
        return self._labels

    @property
    def thresholds(self) -> dict[str, float]:
        """0.5 for every label (probabilities are 0.0 or 1.0)."""
        return {label: 0.5 for label in self._labels}

    @property
    def use_context(self) -> bool:
        """Always ``False``: the rules read the text only."""
        return False

    def __repr__(self) -> str:
        n_words = sum(len(ws) for ws in self.keywords.values()) + len(self.other_words)
        return f"KeywordTagger(labels={len(self._labels)}, words={n_words})"

    # ------------------------------------------------------------------ public API

    def predict(self, texts: Any, contexts: Any = None) -> Any:
        """Tags per text, in taxonomy order; one string in, one list of tags out."""
        single, items = self._normalize(texts, contexts)
        tags = [self._match(t) for t in items]
        return tags[0] if single else tags

    def predict_proba(self, texts: Any, contexts: Any = None) -> np.ndarray:
        """0/1 float32 array ``(n_texts, n_labels)``; ``(n_labels,)`` for one string."""
        single, items = self._normalize(texts, contexts)
        probs = self._matrix([self._match(t) for t in items])
        return probs[0] if single else probs

    def tag(self, texts: Any, contexts: Any = None) -> Any:
        """:class:`~feedback_nlp.tagging.onnx_tagger.TagResult` per text (status ``"empty"`` or ``"ok"``)."""
        single, items = self._normalize(texts, contexts)
        results = []
        for text in items:
            tags = self._match(text)
            scores = {label: 1.0 if label in tags else 0.0 for label in self._labels}
            status = "empty" if text is None or not text.strip() else "ok"
            results.append(TagResult(text=text, tags=tags, scores=scores, status=status, truncated=False))
        return results[0] if single else results

    # ------------------------------------------------------------------ internals

    def _match(self, text: str | None) -> list[str]:
        if text is None or not text.strip():
            return []
        low = text.lower()
        hit = {tag_id for tag_id, ws in self.keywords.items() if any(w in low for w in ws)}
        if not hit and any(w in low for w in self.other_words):
            hit.add("other")
        return [t for t in self._labels if t in hit]

    def _matrix(self, tags: list[list[str]]) -> np.ndarray:
        index = {label: j for j, label in enumerate(self._labels)}
        out = np.zeros((len(tags), len(self._labels)), dtype=np.float32)
        for i, row in enumerate(tags):
            for t in row:
                out[i, index[t]] = 1.0
        return out

    @staticmethod
    def _normalize(texts: Any, contexts: Any) -> tuple[bool, list[str | None]]:
        if isinstance(texts, str):
            if contexts is not None and not isinstance(contexts, str):
                raise InvalidInputError(
                    f"contexts is {type(contexts).__name__}; with a single text, pass a single context str or None"
                )
            return True, [texts]
        if texts is None or isinstance(texts, (bytes, bytearray, Mapping)) or not isinstance(texts, Iterable):
            raise InvalidInputError(
                f"texts is {type(texts).__name__}; expected a str or a list of str (None allowed as an item)"
            )
        items = list(texts)
        for i, item in enumerate(items):
            if item is not None and not isinstance(item, str):
                hint = " (a missing value? pass None for it)" if isinstance(item, float) and math.isnan(item) else ""
                raise InvalidInputError(f"texts[{i}] is {type(item).__name__}, expected str or None{hint}")
        if contexts is not None:
            if isinstance(contexts, str):
                raise InvalidInputError("contexts is a str but texts is a list; pass one context per text")
            ctx = list(contexts)
            if len(ctx) != len(items):
                raise InvalidInputError(
                    f"contexts has {len(ctx)} items but texts has {len(items)}; pass one context per text "
                    "(None where there is none)"
                )
        return False, items
