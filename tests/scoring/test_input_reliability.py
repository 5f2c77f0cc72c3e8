"""Issue 12 on scoring: impossible timestamp order (4), unreadable files get their real cause (5),
report file names (6), formula-safe CSV (7), non-integer ratings (10)."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import ExitCode, app
from feedback_nlp.errors import ConfigError, InputValidationError
from feedback_nlp.scoring.report import report_file_names
from feedback_nlp.scoring.score import score
from feedback_nlp.scoring.tables import load_inputs

from .helpers import fb, make_data, policy

AS_OF = "2024-06-01"
PAID = "2024-05-01 10:00:00"


def order(oid, shop="S1", paid=PAID, picked="2024-05-01 20:00:00", signed="2024-05-02 20:00:00", **kw):
    return dict(order_id=oid, shop_id=shop, paid_at=paid, picked_up_at=picked, signed_at=signed, **kw)


def case(cid, oid, shop="S1", requested="2024-05-03 00:00:00", agreed="2024-05-03 05:00:00",
         completed="2024-05-03 06:00:00"):
    return dict(case_id=cid, order_id=oid, shop_id=shop, type="refund_only", reason="quality", requested_at=requested,
                merchant_agreed_at=agreed, completed_at=completed)


def session(sid, shop="S1", started="2024-05-05 10:00:00", reply="2024-05-05 10:05:00"):
    return dict(session_id=sid, shop_id=shop, started_at=started, to_human="true", first_human_reply_at=reply)


def good_tables():
    orders = [order(f"o{i}") for i in range(4)]
    feedback = [fb("f1", "o1", "S1", "review", "2024-05-04 10:00:00", "quality")]
    return orders, feedback, [case("k1", "o1")], [session("s1")]


def bad_tables():
    """The issue's five cases, one row each, among good rows."""
    orders, feedback, cases, sessions = good_tables()
    orders += [order("bad_pickup", picked="2024-05-01 09:00:00"),  # pickup before payment
               order("bad_sign", picked="2024-05-01 20:00:00", signed="2024-05-01 12:00:00")]  # signed before pickup
    feedback += [fb("f_early", "o2", "S1", "review", "2024-04-30 10:00:00", "", rating=5),  # before payment
                 fb("f_on_bad", "bad_pickup", "S1", "complaint", "2024-05-04 10:00:00", "quality")]
    cases += [case("k_early", "o2", agreed="2024-04-03 00:00:00")]  # agreed 720 h before the request
    sessions += [session("s_early", reply="2024-05-05 09:59:00")]  # reply before the chat started
    return orders, feedback, cases, sessions


def data_dir(tmp_path, tables):
    orders, feedback, cases, sessions = tables
    return make_data(tmp_path, orders, feedback, after_sales=cases, im_sessions=sessions)


# ------------------------------------------------------------ item 4: impossible timestamp order


def test_misordered_timestamps_are_listed_with_table_columns_and_rows(tmp_path):
    with pytest.raises(InputValidationError) as e:
        load_inputs(data_dir(tmp_path, bad_tables()), policy())
    found = {(p.file, p.column, p.rows) for p in e.value.problems}
    assert found == {
        ("orders.csv", "picked_up_at, paid_at", (5,)),
        ("orders.csv", "signed_at, picked_up_at", (6,)),
        ("feedback.csv", "created_at, paid_at", (2,)),
        ("after_sales.csv", "merchant_agreed_at, requested_at", (2,)),
        ("im_sessions.csv", "first_human_reply_at, started_at", (2,)),
    }
    msg = str(e.value)
    assert "picked_up_at is before paid_at" in msg and "2024-05-01 09:00:00 < 2024-05-01 10:00:00" in msg
    assert "created_at is before the order's paid_at" in msg


def test_misordered_timestamps_exit_2_in_the_cli(tmp_path):
    r = CliRunner().invoke(app, ["score", "--data", str(data_dir(tmp_path, bad_tables())), "--as-of", AS_OF,
                                 "--out", str(tmp_path / "out")])
    assert r.exit_code == ExitCode.USAGE, r.output
    assert "first_human_reply_at is before started_at" in r.output and "im_sessions.csv" in r.output
    assert not (tmp_path / "out" / "shop_scores.csv").exists()


def test_exclude_misordered_removes_the_rows_and_counts_them(tmp_path):
    inputs = load_inputs(data_dir(tmp_path, bad_tables()), policy(), timestamp_order="exclude")
    # the two orders, the feedback on one of them and the early feedback; one case; one session
    assert inputs.excluded == {"orders": 2, "feedback": 2, "after_sales": 1, "im_sessions": 1}
    assert any("excluded as abnormal" in n for n in inputs.notes)
    left = inputs.con.execute("SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders").fetchone()[0]
    assert left == "o0,o1,o2,o3"


def test_excluded_rows_do_not_move_any_number(tmp_path):
    """Scoring bad data with exclusion gives exactly the scores of the good rows alone."""
    p = policy(experience__min_denominator={}, experience__min_paid_orders=0)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    clean = score(data_dir(tmp_path / "a", good_tables()), AS_OF, p, reports=False).shops
    excluded = score(data_dir(tmp_path / "b", bad_tables()), AS_OF, p, reports=False, timestamp_order="exclude").shops
    assert excluded.equals(clean)


def test_exclude_misordered_in_the_cli_is_counted_in_json_and_report(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["score", "--data", str(data_dir(tmp_path, bad_tables())), "--as-of", AS_OF,
                                 "--out", str(out), "--exclude-misordered"])
    assert r.exit_code == ExitCode.OK, r.output
    result = json.loads((out / "shop_scores.json").read_text(encoding="utf-8"))
    assert result["excluded_abnormal_rows"] == {"orders": 2, "feedback": 2, "after_sales": 1, "im_sessions": 1}
    assert "excluded as abnormal" in (out / "reports" / "S1.html").read_text(encoding="utf-8")
    assert "excluded as abnormal" in (out / "reports" / "index.html").read_text(encoding="utf-8")


def test_equal_timestamps_are_in_order(tmp_path):
    orders = [order("o1", picked=PAID, signed=PAID, confirmed_at=PAID)]
    feedback = [fb("f1", "o1", "S1", "review", PAID, "quality")]
    cases = [case("k1", "o1", requested=PAID, agreed=PAID, completed=PAID)]
    load_inputs(make_data(tmp_path, orders, feedback, after_sales=cases, im_sessions=[session("s", reply=None)]),
                policy())


def test_unknown_timestamp_order_mode(tmp_path):
    with pytest.raises(ConfigError, match="timestamp_order must be one of error, exclude"):
        load_inputs(data_dir(tmp_path, good_tables()), policy(), timestamp_order="ignore")


# ------------------------------------------------------------ item 5: unreadable inputs get their cause


def _corrupt(d, how):
    orders = d / "orders.csv"
    body = orders.read_bytes()
    if how == "empty parquet":
        orders.unlink()
        (d / "orders.parquet").write_bytes(b"")
    elif how == "corrupt parquet":
        duckdb.sql(f"COPY (SELECT * FROM read_csv('{orders}')) TO '{d / 'orders.parquet'}'")
        orders.unlink()
        raw = bytearray((d / "orders.parquet").read_bytes())
        raw[4:60] = b"\xff" * 56
        (d / "orders.parquet").write_bytes(bytes(raw))
    elif how == "binary csv":
        orders.write_bytes(bytes(range(256)) * 8)
    elif how == "gbk csv":
        orders.write_bytes(body.replace(b"food", "店铺".encode("gb18030")))
    elif how == "ragged csv":
        orders.write_bytes(body + b"o9,S1,food\r\n")
    elif how == "semicolon csv":
        orders.write_bytes(body.replace(b",", b";"))
    return d


@pytest.mark.parametrize(("how", "cause"), [
    ("empty parquet", "not a readable Parquet file"),
    ("corrupt parquet", "orders.parquet"),
    ("binary csv", "binary data (NUL bytes)"),
    ("gbk csv", "not UTF-8 text (it decodes as GBK/GB18030"),
    ("ragged csv", "row has a different number of fields than the header (10) in 1 row(s): row 5 (line 6: 3 fields)"),
    ("semicolon csv", "the file must be comma-separated"),
])
def test_unreadable_table_is_exit_2_with_its_cause(tmp_path, how, cause):
    d = _corrupt(data_dir(tmp_path, good_tables()), how)
    r = CliRunner().invoke(app, ["score", "--data", str(d), "--as-of", AS_OF, "--out", str(tmp_path / "out")])
    assert r.exit_code == ExitCode.USAGE, r.output
    assert cause in r.output
    assert "Traceback" not in r.output and "missing column" not in r.output


@pytest.mark.parametrize("variant", ["bom", "mixed line ends", "lf"])
def test_bom_and_any_line_ends_are_read(tmp_path, variant):
    d = data_dir(tmp_path, good_tables())
    orders = d / "orders.csv"
    body = orders.read_bytes()  # written with CRLF
    if variant == "bom":
        body = b"\xef\xbb\xbf" + body
    elif variant == "lf":
        body = body.replace(b"\r\n", b"\n")
    else:
        lines = body.split(b"\r\n")
        body = b"\r\n".join(lines[:3]) + b"\n" + b"\n".join(lines[3:])
    orders.write_bytes(body)
    inputs = load_inputs(d, policy())
    assert inputs.con.execute("SELECT count(*) FROM orders").fetchone()[0] == 4


def test_quoted_newlines_keep_row_numbers(tmp_path):
    orders, feedback, cases, sessions = good_tables()
    feedback.append(fb("f2", "o2", "S1", "review", "2024-05-04 10:00:00", "", rating=5, text="line one\nline two"))
    feedback.append(fb("f3", "o3", "S1", "review", "2024-05-04 10:00:00", "", rating=9))
    with pytest.raises(InputValidationError) as e:
        load_inputs(make_data(tmp_path, orders, feedback, after_sales=cases, im_sessions=sessions), policy())
    (problem,) = e.value.problems
    assert problem.column == "rating" and problem.rows == (3,)


def test_policy_with_a_toml_syntax_error_is_exit_2(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[ccr\nwindow_days = 30\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["score", "--data", str(data_dir(tmp_path, good_tables())), "--as-of", AS_OF,
                                 "--out", str(tmp_path / "out"), "--policy", str(bad)])
    assert r.exit_code == ExitCode.USAGE and "is not valid TOML" in r.output


def test_bad_memory_limit_is_exit_2(tmp_path):
    r = CliRunner().invoke(app, ["score", "--data", str(data_dir(tmp_path, good_tables())), "--as-of", AS_OF,
                                 "--out", str(tmp_path / "out"), "--memory-limit", "lots"])
    assert r.exit_code == ExitCode.USAGE, r.output
    assert "memory limit 'lots' is not valid (e.g. 4GB, 512MB)" in r.output


# ------------------------------------------------------------ item 10: ratings are integers


def test_non_integer_rating_is_an_error_naming_the_rows(tmp_path):
    orders, feedback, cases, sessions = good_tables()
    feedback += [fb("f2", "o2", "S1", "review", "2024-05-04 10:00:00", "", rating="4.5"),
                 fb("f3", "o3", "S1", "review", "2024-05-04 10:00:00", "", rating="4.0")]  # 4.0 is 4
    with pytest.raises(InputValidationError) as e:
        load_inputs(make_data(tmp_path, orders, feedback, after_sales=cases, im_sessions=sessions), policy())
    by_message = {p.message.split(" (")[0]: p for p in e.value.problems}
    assert by_message["not an integer"].rows == (2,) and by_message["not an integer"].examples == ("4.5",)


def test_non_integer_rating_in_parquet(tmp_path):
    d = data_dir(tmp_path, good_tables())
    duckdb.sql(f"COPY (SELECT * REPLACE (CAST(rating AS DOUBLE) + 0.5 AS rating) FROM read_csv('{d / 'feedback.csv'}')) "
               f"TO '{d / 'feedback.parquet'}'")
    (d / "feedback.csv").unlink()
    with pytest.raises(InputValidationError, match=r"column 'rating': not an integer in 1 row\(s\): row 1 \(1.5\)"):
        load_inputs(d, policy())


# ------------------------------------------------------------ items 6 and 7: outputs


def test_report_file_names_are_unique_and_safe():
    ids = ["A/B", "A_B", "S001", "店铺", "index", "a", "A", "..", "CON", "x" * 300]
    names = report_file_names(ids)
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert names["A_B"] == "A_B.html" and names["S001"] == "S001.html"
    assert names["A/B"].startswith("A_B-") and names["index"] != "index.html"
    assert all("/" not in n and not n.startswith(".") and len(n) < 100 for n in names.values())
    assert report_file_names(["A/B"]) == {"A/B": names["A/B"]}  # stable across runs


def test_shops_a_slash_b_and_a_underscore_b_get_their_own_reports(tmp_path):
    orders = [order("o1", shop="A/B"), order("o2", shop="A_B"), order("o3", shop='=HYPERLINK("http://evil","x")')]
    feedback = [fb("f1", "o1", "A/B", "review", "2024-05-04 10:00:00", "quality")]
    out = tmp_path / "out"
    score(make_data(tmp_path, orders, feedback), AS_OF, policy(), out=out)
    reports = sorted(p.name for p in (out / "reports").iterdir())
    assert len(reports) == 4  # three shops and the index
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for name in reports:
        if name != "index.html":
            assert f"href='{name}'" in index
    assert "Shop A/B" in (out / "reports" / report_file_names(["A/B"])["A/B"]).read_text(encoding="utf-8")
    with open(out / "shop_scores.csv", encoding="utf-8", newline="") as f:
        shop_ids = [row["shop_id"] for row in csv.DictReader(f)]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in shop_ids
    assert not any(s.startswith(("=", "+", "-", "@")) for s in shop_ids)
