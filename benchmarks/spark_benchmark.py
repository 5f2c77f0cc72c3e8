"""Spark benchmark: tagging N texts and scoring M orders on Spark ``local[C]`` against the local engines.

    python benchmarks/spark_benchmark.py [--texts 200000] [--orders 1000000] [--cores 2] [--model default]

Same machine, same inputs, end to end (read files → write results):
- tagging: ``feedback-nlp tag`` (one process, ONNX Runtime on every core) vs ``tag --engine spark``
  (JSONL in, Parquet out; one tagger per Python worker, one thread per task). The texts are demo
  feedback texts made distinct (a numbered suffix), so Spark's per-partition memo of repeated
  texts does not flatter it;
- scoring: ``score`` on DuckDB vs ``score --engine spark`` on demo data with gold tags.
Reports seconds, texts/s, texts/s per Spark executor core (for sizing a cluster) and whether the
two engines agree. Writes benchmarks/results/spark.json and spark.md. A script, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
AS_OF = "2024-06-30"


def _texts(n: int, work: Path) -> Path:
    """``n`` distinct feedback texts (demo texts + a number) as JSONL."""
    from feedback_nlp.scoring.demo_texts import POOLS

    pool = [text for texts in POOLS.values() for text, _ in texts]
    path = work / f"texts_{n}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": i, "text": f"{pool[i % len(pool)]} {i}"}, ensure_ascii=False) + "\n")
    return path


def bench_tagging(n: int, cores: int, model: str, work: Path, spark) -> dict:
    import pandas as pd

    from feedback_nlp.spark.tag_job import run_tag_spark
    from feedback_nlp.tagging.tag_job import run_tag

    src = _texts(n, work)
    t0 = time.perf_counter()
    local = run_tag([str(src)], model=model, output=work / "tags.jsonl", show_progress=False)
    t_local = time.perf_counter() - t0
    t0 = time.perf_counter()
    on_spark = run_tag_spark(str(src), str(work / "tags.parquet"), model=model, spark=spark)
    t_spark = time.perf_counter() - t0
    want = pd.read_json(work / "tags.jsonl", lines=True)[["id", "tags"]]
    got = spark.read.parquet(str(work / "tags.parquet")).select("id", "tags").toPandas()
    got["id"] = got["id"].astype(int)
    merged = want.merge(got, on="id", suffixes=("_local", "_spark"))
    same = int(sum(list(a) == list(b) for a, b in zip(merged["tags_local"], merged["tags_spark"])))
    return {
        "texts": n, "local_s": round(t_local, 1), "spark_s": round(t_spark, 1),
        "local_texts_per_s": round(n / t_local), "spark_texts_per_s": round(n / t_spark),
        "spark_texts_per_s_per_core": round(n / t_spark / cores), "rows_read": on_spark.read, "rows_tagged": on_spark.tagged,
        "same_tags": same, "compared": len(merged), "local_read": local.read,
    }


def bench_scoring(n: int, work: Path, spark) -> dict:
    from feedback_nlp.scoring.demo_data import generate_demo_data
    from feedback_nlp.scoring.score import score
    from feedback_nlp.spark.scoring import score_spark

    data = work / f"orders_{n}"
    generate_demo_data(data, n, with_tags=True, fmt="parquet")
    t0 = time.perf_counter()
    duck = score(data, AS_OF, "seed004", reports=False)
    t_duck = time.perf_counter() - t0
    t0 = time.perf_counter()
    spk = score_spark(data, AS_OF, "seed004", spark=spark, reports=False)
    t_spark = time.perf_counter() - t0
    a, b = duck.shops.set_index("shop_id"), spk.shops.set_index("shop_id").loc[duck.shops["shop_id"]]
    num = [c for c in a.columns if a[c].dtype.kind in "fiu"]
    diff = float((a[num].astype(float) - b[num].astype(float)).abs().max().max())
    return {"orders": n, "shops": len(a), "duckdb_s": round(t_duck, 1), "spark_s": round(t_spark, 1), "max_abs_diff": diff}


def write_results(res: dict) -> None:
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "spark.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    t, s = res["tagging"], res["scoring"]
    lines = [
        "# Spark benchmark",
        "",
        f"`python benchmarks/spark_benchmark.py --texts {t['texts']} --orders {s['orders']} --cores {res['cores']}` "
        f"on {res['machine']} ({os.cpu_count()} CPUs as seen by Python), pyspark {res['pyspark']}, master `local[{res['cores']}]`.",
        f"Load average when it started: {res['load_average']} (other jobs share this machine).",
        "",
        "| job | size | local engine | Spark local | Spark per executor core | agreement |",
        "|---|---|---|---|---|---|",
        f"| tag (model `{res['model']}`) | {t['texts']:,} texts | {t['local_s']} s ({t['local_texts_per_s']:,} texts/s) | "
        f"{t['spark_s']} s ({t['spark_texts_per_s']:,} texts/s) | {t['spark_texts_per_s_per_core']:,} texts/s | "
        f"same tags on {t['same_tags']:,} / {t['compared']:,} texts |",
        f"| score (seed004) | {s['orders']:,} orders, {s['shops']} shops | DuckDB {s['duckdb_s']} s | {s['spark_s']} s | — | "
        f"max abs difference {s['max_abs_diff']:.1e} over every numeric column |",
        "",
        "Why some tags differ: the shipped `default` model is quantized int8-dynamic, whose activation scales are "
        "computed per batch, so a text's scores move with the other texts of its batch (by up to 0.05 in a check "
        "of single vs batched calls), and the two engines batch differently. With a batch-independent model "
        "(fp32 or int8-weights) the engines agree on every tag and to 1e-4 on scores (tests/spark/test_tagging.py).",
        "",
        "Sizing a cluster for tagging: executor cores ≈ daily texts ÷ (texts/s per core × seconds available).",
        "Spark on one small machine is slower than the local engines: it pays for the JVM, task scheduling, "
        "Arrow transfers to Python workers and (tagging) one ONNX thread per task; it wins only when the "
        "work is spread over many machines.",
    ]
    (out / "spark.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=200_000)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--model", default="default")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()

    import pyspark

    from feedback_nlp.spark.session import get_spark

    spark = get_spark(f"local[{args.cores}]")
    spark.sparkContext.setLogLevel("ERROR")
    work = args.work or Path(tempfile.mkdtemp(prefix="feedback-nlp-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    res = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}", "cores": args.cores,
        "pyspark": pyspark.__version__, "model": args.model, "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    res["tagging"] = bench_tagging(args.texts, args.cores, args.model, work, spark)
    print(json.dumps(res["tagging"]), flush=True)
    res["scoring"] = bench_scoring(args.orders, work, spark)
    print(json.dumps(res["scoring"]), flush=True)
    write_results(res)
    print((HERE / "results" / "spark.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
