"""Property tests of the three readers (issue 12): ``tag`` rows, ``eval`` rows, ``score`` tables.

Arbitrary bytes, encodings, line endings and JSON values never raise anything but the
documented errors; every row read is written or reported (read = written + errors); no
input file changes. Bounded (``max_examples``) so they run in the default suite; the
shipped model is used, so they need no torch.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_nlp import OnnxTagger
from feedback_nlp.errors import InvalidInputError
from feedback_nlp.evaluation.gold import read_gold
from feedback_nlp.rows import Row, RowError, read_rows
from feedback_nlp.tagging.tag_job import run_tag
from feedback_nlp.taxonomy import TAG_IDS
from tests.conftest import SHIPPED_MODEL

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# ------------------------------------------------------------ strategies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
texts = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("太甜了，\",\\\ufeff\u3000\x85")),
                max_size=30)
# JSON objects shaped like rows, sometimes broken: wrong types, missing fields, lone surrogates
row_objects = st.fixed_dictionaries(
    {},
    optional={"id": json_values, "text": texts | json_values | st.just("\udc80x"), "context": texts | json_values,
              "labels": st.lists(st.sampled_from(list(TAG_IDS) + ["sour"]), max_size=3) | json_values,
              "kind": st.sampled_from(["negation", "lukewarm", "x"]), "channel": texts},
)
json_lines = st.one_of(
    row_objects.map(lambda o: json.dumps(o, ensure_ascii=False)),  # raw characters (a lone surrogate: bad bytes)
    row_objects.map(json.dumps),  # \\uXXXX escapes (a lone surrogate: valid JSON, invalid text)
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    texts,  # not JSON at all
)
line_ends = st.sampled_from(["\n", "\r\n", "\r", ""])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])


@st.composite
def files(draw, lines=json_lines):
    """Bytes of a text file: lines, line ends (mixed), an encoding, sometimes raw garbage spliced in."""
    parts = [draw(lines) + draw(line_ends) for _ in range(draw(st.integers(0, 8)))]
    encoding = draw(encodings)
    data = "".join(parts).encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=12)) + data[cut:]
    return data


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------ tag rows


@given(data=files(json_lines | texts), fmt=st.sampled_from(["txt", "jsonl", "csv"]))
@SETTINGS
def test_tag_reader_yields_rows_or_row_errors(data, fmt):
    try:
        items = list(read_rows(io.BytesIO(data), fmt))
    except InvalidInputError:
        assert fmt == "csv"  # only a CSV without a usable header or with undecodable bytes is refused whole
        return
    assert all(isinstance(i, (Row, RowError)) for i in items)
    for row in (i for i in items if isinstance(i, Row)):
        assert isinstance(row.text, str)
        row.text.encode("utf-8")  # every text reaches the tokenizer and the output file
    if fmt != "csv":  # one outcome per non-blank physical line
        assert [i.line for i in items] == _non_blank_lines(data)


def _non_blank_lines(data: bytes) -> list[int]:
    """Line numbers that are rows: undecodable lines, and lines with a non-blank text."""
    numbers = []
    for n, raw in enumerate(io.BytesIO(data).readlines(), start=1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            blank = not raw.decode("utf-8").rstrip("\r\n").strip()
        except UnicodeDecodeError:
            blank = False
        if not blank:
            numbers.append(n)
    return numbers


@pytest.fixture(scope="module")
def shipped_tagger():
    return OnnxTagger.from_pretrained(SHIPPED_MODEL, intra_op_threads=1, batch_size=16)


@given(data=files(json_lines | texts), suffix=st.sampled_from([".txt", ".jsonl", ".csv"]))
@SETTINGS
def test_tag_run_accounts_for_every_row_and_keeps_its_input(tmp_path_factory, shipped_tagger, data, suffix):
    tmp = tmp_path_factory.mktemp("tag")
    src = tmp / f"in{suffix}"
    src.write_bytes(data)
    before = _digest(src)
    out = tmp / "out.jsonl"
    try:
        summary = run_tag([str(src)], model=shipped_tagger, output=out)
    except InvalidInputError:
        assert suffix == ".csv" and not out.exists()  # refused whole, nothing half-written
    else:
        # JSONL lines end in \n; a text may hold U+2028 or U+0085, so no str.splitlines()
        written = out.read_bytes().decode("utf-8").split("\n")[:-1]
        errors = (tmp / "out.errors.jsonl").read_bytes().decode("utf-8").split("\n")[:-1]
        assert summary.read == summary.tagged + summary.errors
        assert (len(written), len(errors)) == (summary.tagged, summary.errors)
        assert all(json.loads(line)["status"] in ("ok", "empty", "truncated") for line in written)
    assert _digest(src) == before
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith(".")) == []  # no temporary file left


# ------------------------------------------------------------ eval rows


@given(data=files())
@SETTINGS
def test_gold_reader_accounts_for_every_row_and_keeps_its_input(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_bytes(data)
    before = _digest(path)
    try:
        gold = read_gold(path)
    except InvalidInputError as e:
        assert "no valid labeled row" in str(e)
    else:
        assert gold.rows_read == len(gold.records) + len(gold.skipped)
        assert len({r.id for r in gold.records}) == len(gold.records)
        for r in gold.records:
            r.text.encode("utf-8")
            assert set(r.labels) <= set(TAG_IDS)
        json.dumps([s.to_dict() for s in gold.skipped], ensure_ascii=False).encode("utf-8")
    assert _digest(path) == before
