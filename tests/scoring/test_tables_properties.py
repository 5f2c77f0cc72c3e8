"""Property tests of the scoring reader (issue 12): whatever the bytes of a table, ``load_inputs``
raises only :class:`InvalidInputError` (with its cause) or loads every row; no input file changes."""

from __future__ import annotations

import csv
import hashlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.scoring.tables import load_inputs

from .helpers import fb, make_data, policy

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = ["order_id", "shop_id", "industry", "paid_at", "is_abnormal", "is_presale", "needs_shipping",
          "picked_up_at", "signed_at", "confirmed_at"]

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "2024-05-01 10:00:00", "2024-05-01T10:00:00+08:00", "true", "0", "4.5", "=1+1", "食品",
                     '"', "a,b", "x\ny", "\r", "\ufeff", "NULL"]),
)
valid_orders = st.lists(
    st.fixed_dictionaries({"paid_at": st.sampled_from(["2024-05-01 10:00:00", "2024-05-02 08:00:00"]),
                           "picked_up_at": st.sampled_from(["", "2024-05-03 10:00:00"]),
                           "industry": st.sampled_from(["food", "食品", "a,b", 'say "hi"', "x\ny"])}),
    min_size=1, max_size=6,
)


@st.composite
def orders_files(draw):
    """(bytes of orders.csv, data rows when the file is well-formed CSV else None)."""
    rows = draw(valid_orders)
    records = [[f"o{i}", "S1", r["industry"], r["paid_at"], "false", "false", "true", r["picked_up_at"], "", ""]
               for i, r in enumerate(rows)]
    if draw(st.booleans()):  # some hostile cells
        for _ in range(draw(st.integers(1, 3))):
            row = draw(st.integers(0, len(records) - 1))
            records[row][draw(st.integers(0, len(HEADER) - 1))] = draw(cells)
    if draw(st.booleans()):  # a ragged row
        records[draw(st.integers(0, len(records) - 1))].append("extra")
    buf = io.StringIO()
    csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([HEADER] + records)
    text = buf.getvalue()
    if draw(st.booleans()):  # mixed line ends between records
        text = text.replace("\r\n", "\n", draw(st.integers(0, len(records))))
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=8)) + data[cut:]
    return data


def _digests(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def _data_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tables")
    return make_data(tmp, [dict(order_id="o0", shop_id="S1", paid_at="2024-05-01 10:00:00")],
                     [fb("f1", "o0", "S1", "review", "2024-05-04 10:00:00", "quality")])


def _csv_rows(data: bytes) -> int | None:
    """Data rows as Python's csv module reads a UTF-8 file; None when it is not clean CSV of the header's width."""
    try:
        text = data.decode("utf-8-sig")
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except (UnicodeDecodeError, csv.Error):
        return None
    if "\x00" in text or not rows or any(len(r) != len(rows[0]) for r in rows):
        return None
    return len(rows) - 1


@given(data=orders_files())
@SETTINGS
def test_any_orders_csv_loads_whole_or_fails_with_an_input_error(tmp_path_factory, data):
    d = _data_dir(tmp_path_factory)
    (d / "orders.csv").write_bytes(data)
    before = _digests(d)
    try:
        inputs = load_inputs(d, policy())
    except InvalidInputError as e:
        assert str(e)  # a message, never an empty or raw engine error
        assert "Traceback" not in str(e)
    else:  # loaded: every data row is there, none dropped or invented
        expected = _csv_rows(data)
        assert expected is not None
        assert inputs.con.execute("SELECT count(*) FROM orders").fetchone()[0] == expected
    assert _digests(d) == before


@given(data=st.binary(max_size=300) | orders_files())
@SETTINGS
def test_any_bytes_as_parquet_fail_with_an_input_error(tmp_path_factory, data):
    d = _data_dir(tmp_path_factory)
    (d / "orders.csv").unlink()
    (d / "orders.parquet").write_bytes(data)
    before = _digests(d)
    try:
        load_inputs(d, policy())
    except InvalidInputError as e:
        assert "orders.parquet" in str(e)
    assert _digests(d) == before
