"""Tag feedback for scoring: each distinct (text, context) once, with a cache reused across runs.

Real feedback repeats heavily (default reviews, "好评", templates), so the tagger sees every
distinct (text, context) pair once and the tags are joined back to every feedback row. With a
cache file (Parquet: ``model_key, text_hash, tags``) the tags of texts already tagged by the
same model are read instead of computed; new ones are added and the file is rewritten atomically.
``model_key`` is the ONNX file's sha256 plus a hash of the decision config (labels, thresholds,
lengths, context use), so a re-thresholded model never reuses stale tags; a tagger without a
fingerprint (a custom object) is deduplicated but not cached.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from feedback_nlp.errors import InvalidInputError, UnknownTagError
from feedback_nlp.taxonomy import TAG_IDS

__all__ = ["TaggingStats", "tag_feedback", "tagger_fingerprint", "CACHE_FILE"]

CACHE_FILE = "tag_cache.parquet"
BATCH_SIZE = 512
# the hash of a feedback row's (text, context); chr(31) separates, chr(0) marks "no context"
_TEXT_HASH = "sha256(coalesce(text, '') || chr(31) || coalesce(context, chr(0)))"


@dataclass(frozen=True)
class TaggingStats:
    """What tagging did: rows, distinct (text, context) pairs, pairs read from the cache, pairs tagged now."""

    feedback_rows: int
    distinct_texts: int
    cache_hits: int
    tagged: int
    cache: str | None

    def __str__(self) -> str:
        where = f" (cache {self.cache})" if self.cache else " (no cache)"
        return (f"{self.feedback_rows:,} feedback rows, {self.distinct_texts:,} distinct texts, "
                f"{self.cache_hits:,} cache hits, {self.tagged:,} tagged now{where}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def tagger_fingerprint(tagger: Any) -> str | None:
    """A key that changes whenever the tagger's output can: ``None`` when it cannot be told."""
    own = getattr(tagger, "fingerprint", None)
    if callable(own):
        return own()
    config = getattr(tagger, "config", None)
    sha = getattr(config, "onnx_sha256", None)
    if sha is None:
        return None
    decision = {k: getattr(config, k, None) for k in ("labels", "thresholds", "max_length", "use_context", "context_max_length")}
    digest = hashlib.sha256(json.dumps(decision, sort_keys=True, default=list).encode()).hexdigest()[:16]
    return f"{sha}:{digest}"


def source_fingerprint(obj: Any, name: str) -> str:
    """Fingerprint of a rule-based tagger: its name and the hash of its module's source."""
    src = inspect.getsource(inspect.getmodule(obj) or type(obj))
    return f"{name}@{hashlib.sha256(src.encode()).hexdigest()[:16]}"


def _read_cache(con: duckdb.DuckDBPyConnection, path: Path, key: str) -> int:
    """Load the cached tags of ``key`` into temp table cached(text_hash, tags); return the row count."""
    con.execute("CREATE OR REPLACE TEMP TABLE cached (text_hash VARCHAR, tags VARCHAR)")
    if path.is_file():
        try:
            con.execute("INSERT INTO cached SELECT text_hash, tags FROM read_parquet(?) WHERE model_key = ?", [str(path), key])
        except duckdb.Error as e:
            raise InvalidInputError(f"tag cache {path} is not readable ({e}); delete it to rebuild") from None
    return con.execute("SELECT count(*) FROM cached").fetchone()[0]


def _write_cache(con: duckdb.DuckDBPyConnection, path: Path, key: str) -> None:
    """Rewrite the cache with the rows of other models, the cached rows and the newly tagged ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    others = "SELECT model_key, text_hash, tags FROM read_parquet(?) WHERE model_key <> ? UNION ALL " if path.is_file() else ""
    params = [str(path), key] if others else []
    con.execute(
        f"COPY ({others}SELECT ? AS model_key, text_hash, tags FROM cached UNION ALL SELECT ?, text_hash, tags FROM tagged_now) "
        f"TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet, COMPRESSION zstd)",
        params + [key, key],
    )
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written cache


def _predict(tagger: Any, texts: list[str], contexts: list[str | None]) -> list[str]:
    """Tags per text as ';'-joined strings ('' = none), validated against the taxonomy."""
    preds = tagger.predict(texts, contexts if any(c is not None for c in contexts) else None)
    if len(preds) != len(texts):
        raise InvalidInputError(f"tagger returned {len(preds)} results for {len(texts)} texts")
    out = []
    for tags in preds:
        unknown = set(tags) - set(TAG_IDS)
        if unknown:
            raise UnknownTagError(f"tagger returned unknown tag(s) {sorted(unknown)}; valid tags: {', '.join(TAG_IDS)}")
        out.append(";".join(t for t in TAG_IDS if t in set(tags)))
    return out


def tag_feedback(con: duckdb.DuckDBPyConnection, tagger: Any, cache: str | Path | None = None,
                 progress: Any = None) -> TaggingStats:
    """Tag every row of table ``feedback`` (columns text, context), replacing ``feedback.tags`` and
    ``feedback_tags``. ``progress(done, total)`` is called after each batch when given."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE feedback_hash AS SELECT feedback_id, {_TEXT_HASH} AS text_hash FROM feedback")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE distinct_texts AS SELECT {_TEXT_HASH} AS text_hash, any_value(text) AS text, "
        "any_value(context) AS context FROM feedback GROUP BY 1"
    )
    n_rows, n_distinct = con.execute("SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM distinct_texts)").fetchone()
    key = tagger_fingerprint(tagger) if cache is not None else None
    path = Path(cache) if key is not None else None
    if path is not None:
        _read_cache(con, path, key)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE cached (text_hash VARCHAR, tags VARCHAR)")
    todo = con.execute(
        "SELECT d.text_hash, coalesce(d.text, ''), d.context FROM distinct_texts d ANTI JOIN cached c USING (text_hash) ORDER BY d.text_hash"
    ).fetchall()
    hits = n_distinct - len(todo)
    hashes, tags = [], []
    for i in range(0, len(todo), BATCH_SIZE):
        batch = todo[i : i + BATCH_SIZE]
        hashes += [r[0] for r in batch]
        tags += _predict(tagger, [r[1] for r in batch], [r[2] for r in batch])
        if progress is not None:
            progress(min(i + BATCH_SIZE, len(todo)), len(todo))
    new = pd.DataFrame({"text_hash": pd.Series(hashes, dtype="object"), "tags": pd.Series(tags, dtype="object")})
    con.register("_tagged_now", new)
    con.execute("CREATE OR REPLACE TEMP TABLE tagged_now AS SELECT * FROM _tagged_now")
    con.unregister("_tagged_now")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE text_tags AS SELECT text_hash, NULLIF(tags, '') AS tags FROM "
        "(SELECT * FROM cached UNION ALL SELECT * FROM tagged_now) WHERE text_hash IN (SELECT text_hash FROM distinct_texts)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE feedback AS SELECT f.* REPLACE (t.tags AS tags) FROM feedback f "
        "JOIN feedback_hash h USING (feedback_id) LEFT JOIN text_tags t USING (text_hash)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE feedback_tags AS SELECT DISTINCT feedback_id, unnest(string_split(tags, ';')) AS tag "
        "FROM feedback WHERE tags IS NOT NULL"
    )
    if path is not None and len(todo):
        _write_cache(con, path, key)
    for t in ("feedback_hash", "distinct_texts", "tagged_now", "text_tags", "cached"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return TaggingStats(n_rows, n_distinct, hits, len(todo), str(path) if path is not None else None)
