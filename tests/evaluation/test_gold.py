import json

import pytest

from feedback_nlp.evaluation.gold import MAX_SLICE_VALUES, parse_gold_lines, read_gold
from feedback_nlp.errors import InvalidInputError


def _line(**obj):
    return json.dumps(obj, ensure_ascii=False)


@pytest.fixture
def messy(tmp_path):
    lines = [
        _line(id="a", text="尺码偏大", labels=["size"], kind="plain_complaint", channel="review"),  # 1 ok
        '{"id": "b", "text": "物流太慢了"',  # 2 bad JSON
        "",  # 3 blank: not a row
        _line(id="c", labels=["size"]),  # 4 missing text
        _line(id="d", text="  ", labels=[]),  # 5 blank text
        _line(id="e", text="太甜了", labels=["sweetness"]),  # 6 unknown tag
        _line(id="f", text="太甜了"),  # 7 no labels
        _line(id="a", text="重复", labels=[]),  # 8 duplicate id
        "[1, 2]",  # 9 not an object
        _line(id="g", text="虾太大了", labels=[], kind="praise_in_complaint_words", channel="review"),  # 10 ok
        _line(id="h", text="有点黑", labels=[], kind="context", context="黑色T恤", channel="im"),  # 11 ok, trap
        _line(id="i", text="色差大", labels=["color", "color"], kind="context", channel="im"),  # 12 ok, not trap
        _line(id="j", text="x", labels="size"),  # 13 labels not a list
        _line(text="没有 id", labels=[], channel="complaint"),  # 14 ok, id = line number
    ]
    path = tmp_path / "gold.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe bad bytes\n")  # 15 not UTF-8
    return path


def test_skipped_row_accounting(messy):
    data = read_gold(messy)
    assert data.rows_read == 14  # 15 lines minus the blank one
    assert len(data.records) + len(data.skipped) == data.rows_read
    assert [r.id for r in data.records] == ["a", "g", "h", "i", "14"]
    reasons = {s.line: s.reason for s in data.skipped}
    assert sorted(reasons) == [2, 4, 5, 6, 7, 8, 9, 13, 15]
    assert reasons[2].startswith("invalid JSON")
    assert reasons[4].startswith("missing text") and reasons[5].startswith("missing text")
    assert reasons[6].startswith("unknown tag") and "'sweetness'" in reasons[6]
    assert reasons[7].startswith("missing labels")
    assert reasons[8] == "duplicate id: 'a' was first used on line 1"
    assert reasons[9].startswith("not an object")
    assert reasons[13].startswith("bad labels")
    assert reasons[15].startswith("not UTF-8")
    assert data.skipped_by_reason["missing text"] == 2
    assert data.sha256 and len(data.sha256) == 64


def test_slices_and_trap(messy):
    data = read_gold(messy)
    assert data.slice_fields == ["kind", "channel", "trap"]
    by_id = {r.id: r for r in data.records}
    assert by_id["g"].slices["trap"] == "true"
    assert by_id["h"].slices["trap"] == "true"  # context with empty labels
    assert by_id["i"].slices["trap"] == "false" and by_id["i"].labels == ("color",)
    assert by_id["a"].slices == {"kind": "plain_complaint", "channel": "review", "trap": "false"}
    assert by_id["14"].slices["kind"] == "(none)"
    assert by_id["h"].context == "黑色T恤"


def test_no_kind_no_trap_and_high_cardinality_ignored():
    lines = [_line(id=str(i), text=f"t{i}", labels=[], note=f"free text {i}", domain="food")
             for i in range(MAX_SLICE_VALUES + 1)]
    data = parse_gold_lines(lines)
    assert data.slice_fields == ["domain"] and data.ignored_fields == ["note"]


def test_zero_valid_rows_is_an_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"no valid labeled row: 2 row\(s\) read, all skipped — line 1"):
        read_gold(path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="the file is empty"):
        read_gold(empty)
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_gold(tmp_path / "missing.jsonl")
