"""The DuckDB → Spark SQL translation (sqlglot only; no Spark needed)."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("sqlglot", reason="the SQL translation needs the spark extra: pip install 'feedback-nlp[spark]'")

from feedback_nlp.scoring._sql import SQL_DIR, _PARAM, _statements  # noqa: E402
from feedback_nlp.spark.transpile import Transpiler, bind_parameters, sql_literal  # noqa: E402

pytestmark = pytest.mark.spark


def test_literals_and_parameters():
    assert sql_literal(True) == "TRUE" and sql_literal(None) == "NULL" and sql_literal(3) == "3"
    assert sql_literal("it's") == "'it''s'"
    assert sql_literal(date(2024, 3, 31)) == "DATE '2024-03-31'"
    assert sql_literal(float("inf")) == "CAST('inf' AS DOUBLE)"
    assert bind_parameters("SELECT $a + $ab", {"a": 1, "ab": 2}) == "SELECT 1 + 2"
    with pytest.raises(TypeError, match="window_days"):
        bind_parameters("SELECT $window_days", {})


def test_macros_expand_inline_and_decimals_become_double():
    t = Transpiler()
    assert t.translate("CREATE OR REPLACE TEMP MACRO half(x) AS x / 2.0").kind == "macro"
    st = t.translate("SELECT half(price + 1) AS h FROM orders WHERE id = $id", {"id": "o'1"})
    assert st.kind == "query"
    assert "HALF" not in st.sql.upper().replace("AS H", "")
    assert "(price + 1) / CAST(2.0 AS DOUBLE)" in st.sql
    assert "'o\\'1'" in st.sql  # Spark escapes quotes with a backslash


def test_date_diff_counts_boundaries_like_duckdb():
    sql = Transpiler().translate("SELECT date_diff('second', a, b) FROM t").sql
    assert sql == "SELECT DATEDIFF(SECOND, DATE_TRUNC('SECOND', a), DATE_TRUNC('SECOND', b)) FROM t"


def test_table_statements():
    t = Transpiler()
    st = t.translate("CREATE OR REPLACE TEMP TABLE d (as_of DATE)")
    assert (st.kind, st.name) == ("create_empty", "d") and "CAST(NULL AS DATE) AS as_of" in st.sql
    st = t.translate("INSERT INTO d VALUES (DATE '2024-01-01'), (DATE '2024-01-02')")
    assert (st.kind, st.name) == ("insert", "d") and st.sql.count("UNION ALL") == 1
    st = t.translate("CREATE OR REPLACE TEMP TABLE x AS SELECT * FROM y QUALIFY row_number() OVER (ORDER BY a) = 1")
    assert (st.kind, st.name) == ("create_as", "x") and "QUALIFY" in st.sql  # Spark 4 has QUALIFY; no alias-losing rewrite
    assert t.translate("DROP TABLE IF EXISTS x").kind == "drop"


def test_every_scoring_sql_file_translates():
    """Whatever the SQL files hold (they change), each statement must translate with dummy parameters."""
    t = Transpiler()
    files = sorted(SQL_DIR.glob("*.sql"), key=lambda f: f.name != "macros.sql")
    for f in files:
        for stmt in _statements(f.read_text(encoding="utf-8")):
            params = {name: 1 for name in _PARAM.findall(stmt)}
            assert t.translate(stmt, params).kind in ("macro", "query", "create_as", "create_empty", "insert", "drop"), f.name
    assert len(files) > 5
