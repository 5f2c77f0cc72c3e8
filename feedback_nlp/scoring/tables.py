"""Load the input tables into DuckDB and validate them against the input contract.

The contract itself (tables, columns, types) is :mod:`feedback_nlp.scoring.schema`.

The contract (``docs/scoring.md``): one CSV or Parquet file per table in a directory —
``orders`` and ``feedback`` required, ``after_sales`` and ``im_sessions`` optional.
Validation runs before any metric and raises one :class:`InputValidationError` that
lists every problem found (file, row, column, value). After validation the typed
tables ``orders``, ``feedback``, ``feedback_tags``, ``after_sales``, ``im_sessions``
exist in the connection with timestamps converted to naive wall-clock time in the
policy's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

import duckdb

from feedback_nlp.errors import ConfigError, InputValidationError, InvalidInputError
from feedback_nlp.scoring.csv_check import check_csv, read_csv_sql
from feedback_nlp.scoring.timestamp_order import check_timestamp_order_mode, exclude_misordered, misordered_problems
from feedback_nlp.scoring.feedback_tags import build_feedback_tags
from feedback_nlp.scoring.schema import CHANNELS, MAX_ROWS_PER_PROBLEM, SCHEMA, Col, Problem
from feedback_nlp.taxonomy import TAG_IDS, TAGS

__all__ = [
    "SCHEMA",
    "CHANNELS",
    "InputValidationError",
    "Problem",
    "Inputs",
    "Tagger",
    "load_inputs",
]

class Tagger(Protocol):
    def predict(self, texts: list[str], contexts: list[str | None] | None = None) -> list[list[str]]: ...


@dataclass
class Inputs:
    """A DuckDB connection holding the validated, typed tables."""

    con: duckdb.DuckDBPyConnection
    tables: set[str]
    files: dict[str, str]
    timezone: str
    tag_source: str  # "given" | "tagger" | "override"
    has_product_id: bool = False
    notes: list[str] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)  # rows removed as abnormal, per table
    tagging: Any = None  # TaggingStats when the tagger ran (feedback_nlp.scoring.tag_cache)

    def has(self, table: str) -> bool:
        return table in self.tables


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _find_file(data_dir: Path, table: str) -> Path | None:
    found = [p for ext in (".parquet", ".csv", ".csv.gz") if (p := data_dir / f"{table}{ext}").is_file()]
    if len(found) > 1:
        raise InputValidationError([Problem(str(data_dir), "", f"both {found[0].name} and {found[1].name} exist for table {table}; keep one")])
    return found[0] if found else None


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _load_raw(con: duckdb.DuckDBPyConnection, table: str, source: Any, label: str) -> tuple[str, str] | list[Problem]:
    """The raw relation and the SQL expression of a row's 1-based data-row number, or why the file is unusable."""
    raw = f"raw_{table}"
    if isinstance(source, (str, Path)) and str(source).endswith(".parquet"):
        # a view: Parquet is typed and columnar, validation reads it in place
        try:
            con.execute(f"CREATE OR REPLACE VIEW {raw} AS SELECT * FROM read_parquet({_sql_str(str(source))}, file_row_number=true)")
        except duckdb.Error as e:
            return [Problem(label, "", f"not a readable Parquet file: {_first_line(e)}")]
        return raw, "file_row_number + 1"
    if isinstance(source, (str, Path)):
        shape = check_csv(Path(source), label)
        if shape.problems:
            return shape.problems
        con.execute(f"CREATE OR REPLACE TABLE {raw} AS SELECT * FROM {read_csv_sql(Path(source), shape.header)}")
        n = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        if n != shape.rows:  # never score a file that two CSV readers see differently
            return [Problem(label, "", f"DuckDB read {n} rows but the file has {shape.rows} CSV rows; check quoting and line ends")]
    else:  # a pandas / pyarrow frame
        con.register(f"_frame_{table}", source)
        con.execute(f"CREATE OR REPLACE TABLE {raw} AS SELECT * FROM _frame_{table}")
        con.unregister(f"_frame_{table}")
    return raw, "rowid + 1"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _column_types(con: duckdb.DuckDBPyConnection, raw: str) -> dict[str, str]:
    rows = con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{raw}'").fetchall()
    return {name: dtype.upper() for name, dtype in rows}


def _already_typed(spec: Col, dtype: str) -> bool:
    """A column that is already of its contract type (Parquet) needs no parse check."""
    return (spec.kind == "ts" and dtype.startswith("TIMESTAMP")) or (spec.kind == "bool" and dtype == "BOOLEAN") or (
        spec.kind == "int" and dtype in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT")
    )


def _text(c: str) -> str:
    return f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"


def _parse_expr(col: str, spec: Col, dtype: str) -> str:
    """Expression turning the raw column into its typed value (NULL when unparseable)."""
    c = _q(col)
    if spec.kind == "str":
        return f"NULLIF(trim({c}), '')" if dtype == "VARCHAR" else _text(c)
    if spec.kind == "ts":
        if dtype.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"CAST({c} AS TIMESTAMP)"
        if dtype.startswith("TIMESTAMP") or dtype == "DATE":
            return f"CAST({c} AS TIMESTAMP)"
        return f"CAST(TRY_CAST({_text(c)} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if spec.kind == "bool":
        if dtype == "BOOLEAN":
            return c
        t = f"lower({_text(c)})"
        return (
            f"CASE WHEN {t} IN ('true','t','1','yes','y','1.0') THEN true "
            f"WHEN {t} IN ('false','f','0','no','n','0.0') THEN false END"
        )
    if spec.kind == "int":  # "4.0" is 4; "4.5" is not an integer (never rounded)
        d = f"TRY_CAST({_text(c)} AS DOUBLE)"
        return f"CASE WHEN {d} = floor({d}) THEN TRY_CAST({d} AS INTEGER) END"
    if spec.kind == "enum":
        return f"lower({_text(c)})"
    if spec.kind == "tags":
        if dtype.endswith("[]"):
            return f"NULLIF(array_to_string({c}, ';'), '')"
        return f"NULLIF(array_to_string(list_filter(list_transform(string_split({_text(c)}, ';'), lambda x: trim(x)), lambda x: x <> ''), ';'), '')"
    raise AssertionError(spec.kind)


def _collect(con, file: str, column: str, message: str, sql: str) -> list[Problem]:
    rows = con.execute(f"SELECT * FROM ({sql}) LIMIT {MAX_ROWS_PER_PROBLEM}").fetchall()
    if not rows:
        return []
    count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    return [Problem(file, column, message, tuple(int(r[0]) for r in rows), tuple(str(r[1]) for r in rows), count)]


def _validate_table(con: duckdb.DuckDBPyConnection, t: str, src: Any, f: str, problems: list[Problem],
                    later_versions: list[int]) -> dict[str, str] | None:
    """Check one table against its contract, appending to ``problems``; create the typed table when all is well.

    Returns the parse expression of each present column, or ``None`` when the table is unusable. Later
    versions of edited feedback items (rows sharing a ``feedback_id``) are counted in ``later_versions``.
    """
    spec = SCHEMA[t]
    loaded = _load_raw(con, t, src, f)
    if isinstance(loaded, list):
        problems += loaded
        return None
    raw, rowexpr = loaded
    types = _column_types(con, raw)
    missing = [c for c, cs in spec["columns"].items() if cs.required and c not in types]
    if missing:
        expected = ", ".join(c for c, cs in spec["columns"].items() if cs.required)
        problems.append(Problem(f, ", ".join(missing), f"missing column(s); expected {expected}"))
        return None
    exprs = {col: _parse_expr(col, cs, types[col]) for col, cs in spec["columns"].items() if col in types}
    checks: list[tuple[str, str, str, str]] = []  # (column, message, condition, shown value)
    for col, cs in spec["columns"].items():
        if col not in exprs:
            continue
        e, txt = exprs[col], _text(_q(col))
        shown = f"CAST({_q(col)} AS VARCHAR)"
        typed = _already_typed(cs, types[col])
        if cs.not_null:
            cond = f"{_q(col)} IS NULL" if typed else f"{e} IS NULL AND {txt} IS NULL"
            checks.append((col, "empty value", cond, "'<empty>'"))
        if cs.kind in ("ts", "bool", "int") and not typed:
            what = {"ts": "not an ISO 8601 timestamp", "bool": "not a boolean (true/false/1/0)", "int": "not an integer"}[cs.kind]
            checks.append((col, what, f"{txt} IS NOT NULL AND {e} IS NULL", shown))
        if cs.kind == "enum":
            allowed = ", ".join(_sql_str(v) for v in cs.values)
            checks.append((col, f"unknown value (allowed: {', '.join(cs.values)})", f"{e} IS NOT NULL AND {e} NOT IN ({allowed})", shown))
        if cs.kind == "tags":
            valid = "[" + ", ".join(_sql_str(v) for v in TAG_IDS) + "]"
            bad = f"list_filter(string_split({e}, ';'), lambda x: NOT list_contains({valid}, x))"
            checks.append((col, f"unknown tag (valid: {', '.join(TAG_IDS)})", f"{e} IS NOT NULL AND len({bad}) > 0",
                           f"array_to_string({bad}, ';')"))
    if t == "feedback":
        rating, channel, rtxt = exprs["rating"], exprs["channel"], _text(_q("rating"))
        checks.append(("rating", "review rating must be an integer 1–5",
                       f"{channel} = 'review' AND ({rating} IS NULL OR {rating} NOT BETWEEN 1 AND 5)",
                       f"coalesce(CAST({_q('rating')} AS VARCHAR), '<empty>')"))
        checks.append(("rating", "rating must be empty for non-review channels",
                       f"{channel} IN ('after_sales','complaint','im') AND {rtxt} IS NOT NULL", f"CAST({_q('rating')} AS VARCHAR)"))
        checks.append(("order_id", "order_id is required for channels review, after_sales, complaint (only im may be pre-sale)",
                       f"{channel} IN ('review','after_sales','complaint') AND {exprs['order_id']} IS NULL", channel))
    # one pass counts every check (and duplicate ids); details only for checks that found something
    idc = exprs[spec["id"]]
    aggs = [f"count(*) FILTER (WHERE {cond})" for _, _, cond, _ in checks]
    # feedback: rows sharing a feedback_id are versions (edits) of one item, told apart by created_at
    key = f"{idc} || chr(31) || coalesce(CAST({exprs['created_at']} AS VARCHAR), '')" if t == "feedback" else idc
    aggs.append(f"count({idc}) - count(DISTINCT {idc})")
    counts = list(con.execute(f"SELECT {', '.join(aggs)} FROM {raw}").fetchone())
    has_versions = bool(counts[-1]) and t == "feedback"
    if has_versions:
        later_versions.append(int(counts[-1]))
        counts[-1] = con.execute(f"SELECT count({idc}) - count(DISTINCT {key}) FROM {raw}").fetchone()[0]
    for (col, msg, cond, shown), n in zip(checks, counts[:-1]):
        if n:
            rows = con.execute(f"SELECT {rowexpr}, {shown} FROM {raw} WHERE {cond} ORDER BY 1 LIMIT {MAX_ROWS_PER_PROBLEM}").fetchall()
            problems.append(Problem(f, col, msg, tuple(int(r[0]) for r in rows), tuple(str(r[1]) for r in rows), int(n)))
    if counts[-1]:
        problems += _collect(
            con, f, spec["id"], "duplicate id",
            f"SELECT {rowexpr} AS r, {idc} AS v FROM {raw} WHERE {idc} IS NOT NULL QUALIFY count(*) OVER (PARTITION BY {key}) > 1 ORDER BY v, r",
        )
    if has_versions:
        problems += _collect(
            con, f, "feedback_id", "versions of one feedback_id differ in order_id, shop_id or channel",
            f"SELECT {rowexpr} AS r, {idc} AS v FROM {raw} WHERE {idc} IS NOT NULL QUALIFY count(DISTINCT "
            f"coalesce({exprs['order_id']}, '') || chr(31) || coalesce({exprs['shop_id']}, '') || chr(31) || coalesce({exprs['channel']}, '')) "
            f"OVER (PARTITION BY {idc}) > 1 ORDER BY v, r",
        )
    if not problems:
        cols = [f"{rowexpr} AS _row"]
        for col, cs in spec["columns"].items():
            if col in exprs:
                v = f"coalesce({exprs[col]}, false)" if cs.kind == "bool" else exprs[col]
            else:
                v = {"bool": "false", "ts": "CAST(NULL AS TIMESTAMP)", "int": "CAST(NULL AS INTEGER)"}.get(cs.kind, "CAST(NULL AS VARCHAR)")
            cols.append(f"{v} AS {_q(col)}")
        # an edited feedback item counts as its first version (seed 001: 以首次反馈为主)
        first = " QUALIFY row_number() OVER (PARTITION BY feedback_id ORDER BY created_at, _row) = 1" if has_versions else ""
        con.execute(f"CREATE OR REPLACE TABLE {t} AS SELECT * FROM (SELECT {', '.join(cols)} FROM {raw}){first}")
    con.execute(f"DROP {'VIEW' if rowexpr.startswith('file_row_number') else 'TABLE'} IF EXISTS {raw}")
    return exprs


def load_inputs(
    data: str | Path | Mapping[str, Any],
    policy: Any = None,
    *,
    tagger: Tagger | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | None = None,
    timestamp_order: str = "error",
    tag_cache: str | Path | None = None,
) -> Inputs:
    """Load and validate the input tables.

    ``data`` is a directory holding ``orders``/``feedback``/``after_sales``/``im_sessions``
    as ``.csv`` or ``.parquet``, or a mapping table name → file path or data frame.
    When the feedback ``tags`` column is absent or entirely empty, ``tagger.predict``
    computes the tags from ``text`` (and ``context``), each distinct pair once, reusing the
    tag cache file ``tag_cache`` when given (:mod:`feedback_nlp.scoring.tag_cache`). Timestamps in an impossible order (pickup before
    payment, ...) are problems; with ``timestamp_order="exclude"`` those rows are removed
    as abnormal instead and counted in ``Inputs.excluded``
    (:mod:`feedback_nlp.scoring.timestamp_order`).
    """
    from feedback_nlp.scoring.policy import load_policy

    policy = load_policy(policy)
    check_timestamp_order_mode(timestamp_order)
    con = con or duckdb.connect()
    settings = {"TimeZone": ("policy timezone", policy.timezone), "memory_limit": ("memory limit", memory_limit),
                "threads": ("threads", threads), "temp_directory": ("temp directory", temp_directory)}
    for key, (what, value) in settings.items():
        if value is None or value == "":
            continue
        try:
            con.execute(f"SET {key} = {_sql_str(str(value))}")
        except duckdb.Error as e:
            hint = " (e.g. 4GB, 512MB)" if key == "memory_limit" else ""
            raise ConfigError(f"{what} {value!r} is not valid{hint}: {_first_line(e)}") from None

    sources: dict[str, Any] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    if isinstance(data, Mapping):
        unknown = set(data) - set(SCHEMA)
        if unknown:
            raise InvalidInputError(f"unknown table(s) {sorted(unknown)}; tables: {', '.join(SCHEMA)}")
        for t, src in data.items():
            if src is not None:
                sources[t] = src
                files[t] = str(src) if isinstance(src, (str, Path)) else f"<{t} frame>"
    else:
        data_dir = Path(data)
        if not data_dir.is_dir():
            raise InvalidInputError(f"data directory {str(data_dir)!r} does not exist")
        for t in SCHEMA:
            p = _find_file(data_dir, t)
            if p is not None:
                sources[t] = p
                files[t] = p.name
    for t, spec in SCHEMA.items():
        if spec["required"] and t not in sources:
            problems.append(Problem(files.get(t, f"{t}.csv|{t}.parquet"), "", f"required table {t} is missing (give {t}.csv or {t}.parquet)"))
    if problems:
        raise InputValidationError(problems)

    parsed: dict[str, dict[str, str]] = {}
    later: list[int] = []
    for t, src in sources.items():
        try:
            exprs = _validate_table(con, t, src, files[t], problems, later)
        except duckdb.Error as e:  # a Parquet file whose pages are corrupt fails only when read
            problems.append(Problem(files[t], "", f"cannot read the table: {_first_line(e)}"))
            continue
        if exprs is not None:
            parsed[t] = exprs

    # referential checks on the typed tables
    if not problems:
        for t in ("feedback", "after_sales"):
            if t not in parsed:
                continue
            problems += _collect(
                con, files[t], "order_id", "order_id not found in orders",
                f"SELECT x._row, x.order_id FROM {t} x ANTI JOIN orders o ON x.order_id = o.order_id WHERE x.order_id IS NOT NULL ORDER BY 1",
            )
            problems += _collect(
                con, files[t], "shop_id", "shop_id differs from the order's shop_id",
                f"SELECT x._row, x.shop_id || ' vs ' || o.shop_id FROM {t} x JOIN orders o ON x.order_id = o.order_id WHERE x.shop_id <> o.shop_id ORDER BY 1",
            )
        problems += _collect(
            con, files["orders"], "industry", "a shop has several industries",
            "SELECT min(_row), shop_id || ': ' || string_agg(DISTINCT industry, ', ') FROM orders GROUP BY shop_id HAVING count(DISTINCT industry) > 1 ORDER BY 1",
        )
        if timestamp_order == "error":
            problems += misordered_problems(con, set(parsed), files)
    if problems:
        raise InputValidationError(problems)

    excluded = exclude_misordered(con, set(parsed)) if timestamp_order == "exclude" else {}
    _create_typed_tables(con, parsed)
    n_feedback, n_tagged = con.execute("SELECT count(*), count(tags) FROM feedback").fetchone()
    has_tags = n_feedback == 0 or ("tags" in parsed["feedback"] and n_tagged > 0)
    tagging = None
    notes: list[str] = [f"{sum(later)} later version(s) of edited feedback ignored: an item counts as first written"] if later else []
    if excluded:
        notes.append("excluded as abnormal (timestamps in an impossible order): "
                     + ", ".join(f"{n} {t} row(s)" for t, n in excluded.items()))
    if has_tags:
        tag_source = "given"
        build_feedback_tags(con)
    else:
        if tagger is None:
            raise InvalidInputError(
                "feedback has no tags (column 'tags' absent or empty) and no tagger was given; "
                "pass tagger=feedback_nlp.load_tagger() or fill the tags column"
            )
        tag_source = "tagger"
        from feedback_nlp.scoring.tag_cache import tag_feedback

        tagging = tag_feedback(con, tagger, tag_cache)
        notes.append(f"tags computed by {type(tagger).__name__}: {tagging}")
    return Inputs(
        con=con,
        tables=set(parsed),
        files=files,
        timezone=policy.timezone,
        tag_source=tag_source,
        has_product_id="product_id" in parsed["orders"],
        notes=notes,
        excluded=excluded,
        tagging=tagging,
    )


def _create_typed_tables(con: duckdb.DuckDBPyConnection, parsed: dict[str, dict[str, str]]) -> None:
    """Empty stand-ins for absent optional tables, and the tag → dimension table."""
    for t in ("after_sales", "im_sessions"):
        if t not in parsed:  # empty stand-ins keep the SQL simple; metrics still report "unavailable"
            cols = ", ".join(
                f"{({'bool': 'CAST(NULL AS BOOLEAN)', 'ts': 'CAST(NULL AS TIMESTAMP)', 'int': 'CAST(NULL AS INTEGER)'}).get(cs.kind, 'CAST(NULL AS VARCHAR)')} AS {_q(c)}"
                for c, cs in SCHEMA[t]["columns"].items()
            )
            con.execute(f"CREATE OR REPLACE TABLE {t} AS SELECT {cols} LIMIT 0")
    dims = ", ".join(f"({_sql_str(tg.id)}, {_sql_str(tg.dimension.value)})" for tg in TAGS)
    con.execute(f"CREATE OR REPLACE TABLE tag_dimensions AS SELECT * FROM (VALUES {dims}) t(tag, dimension)")
