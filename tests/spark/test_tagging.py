"""Spark tagging equals local tagging: tags, rounded scores and status per row, whatever the partitioning."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("pyspark", reason="the Spark tests need the spark extra: pip install 'feedback-nlp[spark]'")

from typer.testing import CliRunner  # noqa: E402

from feedback_nlp.cli import app  # noqa: E402
from feedback_nlp.errors import InvalidInputError  # noqa: E402
from feedback_nlp.spark.tagging import tag_dataframe  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402

pytestmark = pytest.mark.spark

# 300 texts: the test sentences, their variants, repeats (tagged once per partition), blanks and None
TEXTS = [SENTENCES[i % len(SENTENCES)] + "！" * (i // len(SENTENCES) % 3) for i in range(296)] + ["", "   ", None, "好"]


def _by_id(rows):
    return {r["id"]: r for r in rows}


def test_tag_dataframe_equals_the_local_tagger(spark, tiny_model_dir, tagger):
    df = spark.createDataFrame([(str(i), t) for i, t in enumerate(TEXTS)], "id string, text string")
    one = _by_id(tag_dataframe(df.coalesce(1), tiny_model_dir).collect())
    three = _by_id(tag_dataframe(df.repartition(3), tiny_model_dir, batch_size=7).collect())
    local = tagger.tag(TEXTS)
    assert len(one) == len(three) == len(TEXTS) == 300
    for i, expected in enumerate(local):
        for got in (one[str(i)], three[str(i)]):
            assert got["tags"] == expected.tags and got["status"] == expected.status, i
            assert got["scores"].keys() == expected.scores.keys()
            assert max(abs(got["scores"][k] - v) for k, v in expected.scores.items()) <= 1e-4, i
    assert {r["status"] for r in one.values()} >= {"ok", "empty"} and any(r["tags"] for r in one.values())


def test_model_shipped_as_an_archive(spark, tiny_model_dir, tagger):
    df = spark.createDataFrame([(t,) for t in TEXTS[:40]], "text string")
    shipped = tag_dataframe(df, tiny_model_dir, ship=True).collect()
    local = tagger.tag(TEXTS[:40])
    assert [r["tags"] for r in shipped] == [r.tags for r in local]
    from pyspark import SparkFiles

    names = [p for p in os.listdir(SparkFiles.getRootDirectory()) if p.startswith("feedback_nlp_model_")]
    assert names, "the model archive was not added to the job"


def test_bad_columns_are_named(spark, tiny_model_dir):
    df = spark.createDataFrame([("x",)], "body string")
    with pytest.raises(InvalidInputError, match="text_col='text' is not a column; columns: body"):
        tag_dataframe(df, tiny_model_dir)


def test_cli_jsonl_with_bad_rows_matches_the_local_engine(spark, tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(TEXTS[:20])]
    lines[3:3] = ["{not json", "", json.dumps({"text": 5}), json.dumps({"id": 9, "context": "x"})]
    lines.append(json.dumps({"text": "尺码偏大", "context": "连衣裙"}, ensure_ascii=False))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(app, ["tag", str(src), "-o", str(tmp_path / "local.jsonl"), "--model", str(tiny_model_dir)])
    on_spark = runner.invoke(app, ["tag", str(src), "-o", str(tmp_path / "out.parquet"), "--model", str(tiny_model_dir),
                                   "--engine", "spark"])
    assert local.exit_code == on_spark.exit_code == 1, on_spark.output
    assert "read 24, tagged 21, errors 3" in local.output and "read 24, tagged 21, errors 3" in on_spark.output

    out = spark.read.parquet(str(tmp_path / "out.parquet")).toPandas()
    assert list(out.columns) == ["id", "text", "context", "tags", "scores", "status"]
    want = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    got = {r["id"]: r for r in out.to_dict("records")}
    assert [list(got[str(w["id"])]["tags"]) for w in want] == [w["tags"] for w in want]
    assert [got[str(w["id"])]["status"] for w in want] == [w["status"] for w in want]

    errors = spark.read.parquet(str(tmp_path / "out.errors.parquet")).toPandas()
    local_errors = [json.loads(line) for line in (tmp_path / "local.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert errors[["line", "reason"]].to_dict("records") == [{"line": e["line"], "reason": e["reason"]} for e in local_errors]


def test_cli_parquet_directory_and_usage_errors(spark, tiny_model_dir, tmp_path):
    src = tmp_path / "parts"
    spark.createDataFrame([(i, t) for i, t in enumerate(TEXTS[:30])], "id long, text string").repartition(3).write.parquet(str(src))
    runner = CliRunner()
    r = runner.invoke(app, ["tag", str(src), "-o", str(tmp_path / "o"), "-m", str(tiny_model_dir), "--engine", "spark"])
    assert r.exit_code == 0 and "read 30, tagged 30, errors 0" in r.output, r.output
    assert sorted(spark.read.parquet(str(tmp_path / "o")).toPandas()["id"].astype(int)) == list(range(30))

    no_text = tmp_path / "no_text.csv"
    no_text.write_text("id,body\n1,x\n", encoding="utf-8")
    r = runner.invoke(app, ["tag", str(no_text), "-o", str(tmp_path / "o2"), "-m", str(tiny_model_dir), "--engine", "spark"])
    assert r.exit_code == 2 and "no 'text' column" in r.output
    r = runner.invoke(app, ["tag", "a", "b", "--engine", "spark"])
    assert r.exit_code == 2 and "ONE input" in r.output
    r = runner.invoke(app, ["tag", str(src), "-o", str(tmp_path / "o3"), "-m", str(tmp_path / "nope"), "--engine", "spark"])
    assert r.exit_code == 3
