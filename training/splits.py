"""Frozen train/dev/test splits by a stable hash of the text.

The split depends only on the text (whitespace-insensitive), so duplicates always
land in the same split, a text never moves between runs, and the pretraining
corpus can drop every test text without looking at labels.
"""

from __future__ import annotations

import hashlib
import re

SPLITS = ("train", "dev", "test")
TEST_PERCENT = 15
DEV_PERCENT = 15
_SALT = "feedback-nlp-split-v1"
_WS = re.compile(r"\s+")


def split_key(text: str) -> str:
    return _WS.sub("", text.replace("\ufeff", "")).lower()


def split_of(text: str) -> str:
    """Return ``train``, ``dev`` or ``test`` for ``text``; stable across runs and machines."""
    digest = hashlib.sha256((_SALT + split_key(text)).encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:4], "big") % 100
    if bucket < TEST_PERCENT:
        return "test"
    if bucket < TEST_PERCENT + DEV_PERCENT:
        return "dev"
    return "train"
