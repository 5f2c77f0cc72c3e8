"""The ``feedback_tags`` table: one row per (feedback item, tag), built from given tags or replaced by new ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from feedback_nlp.taxonomy import TAG_IDS

__all__ = ["build_feedback_tags", "set_feedback_tags"]


def build_feedback_tags(con: duckdb.DuckDBPyConnection) -> None:
    """``feedback_tags`` (one row per feedback item and tag) from the ``;``-separated ``feedback.tags``."""
    con.execute(
        "CREATE OR REPLACE TABLE feedback_tags AS "
        "SELECT DISTINCT feedback_id, unnest(string_split(tags, ';')) AS tag FROM feedback WHERE tags IS NOT NULL"
    )


def set_feedback_tags(con: duckdb.DuckDBPyConnection, tags: Mapping[str, Sequence[str]]) -> None:
    """Replace the tags of every feedback row (ids missing from ``tags`` get none)."""
    import pandas as pd

    unknown = sorted({t for ts in tags.values() for t in ts} - set(TAG_IDS))
    if unknown:
        from feedback_nlp.errors import UnknownTagError

        raise UnknownTagError(f"unknown tag(s) {unknown}; valid tags: {', '.join(TAG_IDS)}")
    ids = [fid for fid, ts in tags.items() for _ in ts]
    vals = [t for ts in tags.values() for t in ts]
    tbl = pd.DataFrame({"feedback_id": pd.Series(ids, dtype="object"), "tag": pd.Series(vals, dtype="object")})
    con.register("_new_tags", tbl)
    con.execute("CREATE OR REPLACE TABLE feedback_tags AS SELECT DISTINCT feedback_id, tag FROM _new_tags")
    con.unregister("_new_tags")
    con.execute(
        "UPDATE feedback SET tags = t.tags FROM (SELECT feedback_id, string_agg(tag, ';' ORDER BY tag) AS tags "
        "FROM feedback_tags GROUP BY feedback_id) t WHERE feedback.feedback_id = t.feedback_id"
    )
    con.execute("UPDATE feedback SET tags = NULL WHERE feedback_id NOT IN (SELECT feedback_id FROM feedback_tags)")
