import io

import pytest

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.rows import Row, RowError, format_from_suffix, read_rows


def rows(data: str | bytes, fmt):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(read_rows(io.BytesIO(raw), fmt))


def test_format_from_suffix():
    assert format_from_suffix("a/B.JSONL") == "jsonl"
    assert format_from_suffix("x.csv") == "csv" and format_from_suffix("x.txt") == "txt"
    assert format_from_suffix("x.json") is None


def test_txt_skips_blank_lines_and_keeps_line_numbers():
    assert rows("\ufeff太甜了\n\n  \n物流慢\r\n", "txt") == [Row(1, 1, "太甜了"), Row(4, 4, "物流慢")]


def test_txt_bad_utf8_is_a_row_error():
    (ok, bad) = rows(b"ok\n\xff\xfe broken\n", "txt")
    assert ok == Row(1, 1, "ok")
    assert isinstance(bad, RowError) and bad.line == 2 and "UTF-8" in bad.reason


def test_jsonl_rows_and_errors():
    data = "\n".join([
        '{"id": "a1", "text": "太甜了", "context": "巧克力", "channel": "review"}',
        '{"text": "没有id"}',
        '{"text": "broken"',
        '["text"]',
        '{"id": 5}',
        '{"text": 12}',
        '{"text": null}',
        '{"text": "ok", "context": 3}',
        "",
        '{"text": "", "id": 9}',
    ])
    got = rows(data, "jsonl")
    assert got[0] == Row(1, "a1", "太甜了", "巧克力")
    assert got[1] == Row(2, 2, "没有id")
    reasons = {r.line: r.reason for r in got if isinstance(r, RowError)}
    assert reasons[3].startswith("invalid JSON")
    assert reasons[4] == "row is a JSON array, expected an object with a 'text' field"
    assert reasons[5] == "missing field 'text'"
    assert reasons[6] == "field 'text' is number, expected a string"
    assert reasons[7] == "field 'text' is null, expected a string"
    assert reasons[8] == "field 'context' is number, expected a string or null"
    assert got[-1] == Row(10, 9, "")
    assert len(got) == 9


def test_csv_rows_errors_and_multiline_fields():
    data = 'id,text,context\nr1,太甜了,巧克力\n,"第一行\n第二行",\nr3,too,many,fields\nr4,物流慢,\n'
    got = rows(data, "csv")
    assert got[0] == Row(2, "r1", "太甜了", "巧克力")
    assert got[1] == Row(3, 3, "第一行\n第二行", None)
    assert isinstance(got[2], RowError) and got[2].line == 5 and got[2].reason == "row has 4 fields, the header has 3"
    assert got[3] == Row(6, "r4", "物流慢", None)


def test_csv_without_text_column_is_unusable():
    with pytest.raises(InvalidInputError, match="no 'text' column"):
        rows("id,comment\n1,x\n", "csv")


def test_csv_with_bom_and_only_text():
    assert rows("\ufefftext\n太甜了\n", "csv") == [Row(2, 2, "太甜了")]


def test_jsonl_lone_surrogate_is_a_row_error():
    (bad, ok) = rows('{"text": "a\\udc80"}\n{"text": "ok", "id": "\\ud83d\\ude00"}\n', "jsonl")  # a pair is fine
    assert isinstance(bad, RowError) and bad.line == 1
    assert bad.reason == "field 'text' is not valid Unicode text: it holds a lone surrogate U+DC80 at character 1"
    assert ok == Row(2, "😀", "ok")
