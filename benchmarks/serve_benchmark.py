"""Load test of ``feedback-nlp serve`` on loopback, next to the library's in-process throughput.

    python benchmarks/serve_benchmark.py --data data/build/dataset/test.jsonl

Options: ``--model default``, ``--single-requests 20000 --clients 32`` (one text per request),
``--batch-requests 2000 --batch-texts 64 --batch-clients 4``, ``--max-seconds 120`` (per
phase: a phase stops there and reports what it did), ``--server-threads 1`` (ONNX Runtime
threads of the server: on 2 cores, one is left to the event loop), ``--lib-threads 2`` (of
the in-process tagger), ``--max-wait-ms 2``,
``--max-batch 64``, ``--out benchmarks/results``.

In one run, on one machine:

1. **in-process**: :func:`feedback_nlp.load_tagger` tags every text of ``--data`` in batches of
   64 (``tagger.tag(texts)``; median of 3 passes) and one text per call (the same texts);
2. **served**: a real server (``python -m feedback_nlp serve``) in a subprocess on
   127.0.0.1; clients are asyncio HTTP/1.1 keep-alive connections (written here so that the
   client costs little CPU: the client shares the machine with the server), closed loop: each
   sends its next request when the answer arrives. Latency is per request, client side.
3. **in-process again**, to see how much the machine's load drifted during the run.

The served tags are compared with the library's (one text per call and 64 per call). The
server's RSS (``/proc/PID/status``) after loading and after the load is the memory one
``--workers`` process costs. Writes ``serve.json`` and ``serve.md`` under ``--out``. A script,
never a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import feedback_nlp  # noqa: E402

TARGET_RATIO = 0.5  # served texts/s (32 single-text clients) at least half the in-process batch throughput
_PACKAGES = ("fastapi", "uvicorn", "starlette", "pydantic", "onnxruntime", "tokenizers", "httptools", "uvloop")


# ---------------------------------------------------------------------------- inputs and the library


def load_texts(files: Sequence[Path]) -> list[str]:
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            texts += [r["text"] for r in map(json.loads, filter(str.strip, f)) if isinstance(r.get("text"), str)]
    if not texts:
        raise SystemExit(f"no texts in {[str(p) for p in files]}")
    return texts


def in_process(model: str, texts: list[str], threads: int) -> dict[str, Any]:
    tagger = feedback_nlp.load_tagger(model, intra_op_threads=threads, batch_size=64)
    tagger.tag(texts[:256])  # warm-up
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        batch_tags = [r.tags for r in tagger.tag(texts)]
        seconds.append(time.perf_counter() - started)
    single_latency, single_tags = [], []
    for text in texts:
        started = time.perf_counter()
        single_tags.append(tagger.tag([text])[0].tags)
        single_latency.append(time.perf_counter() - started)
    return {"batch_texts_per_s": len(texts) / statistics.median(seconds),
            "single_texts_per_s": len(texts) / sum(single_latency), **_percentiles(single_latency),
            "batch_tags": batch_tags, "single_tags": single_tags}


def _percentiles(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99)}


# ---------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "feedback_nlp", "serve", "--model", args.model, "--port", str(port),
           "--threads", str(args.server_threads), "--max-wait-ms", str(args.max_wait_ms),
           "--max-batch", str(args.max_batch), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            if _run(_get(port, "/healthz"))[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not become ready in 120 s")


# ---------------------------------------------------------------------------- a small HTTP/1.1 client


def _run(coroutine: Any) -> Any:
    """uvloop when installed (a cheaper client leaves more CPU to the server), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)



async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    return status, await reader.readexactly(length)


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _exchange(reader, writer, _request("GET", path))
    finally:
        writer.close()


async def _load(port: int, bodies: list[bytes], n_requests: int, clients: int, max_seconds: float,
                keep: int) -> dict[str, Any]:
    """``clients`` connections send ``bodies[i % len(bodies)]`` for i < n_requests (or until max_seconds)."""
    requests = [_request("POST", "/v1/tag", b) for b in bodies]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    kept: dict[int, bytes] = {}
    next_index = 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def client() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < n_requests and time.perf_counter() < deadline:
                i, next_index = next_index, next_index + 1
                sent = time.perf_counter()
                status, body = await _exchange(reader, writer, requests[i % len(requests)])
                latencies.append(time.perf_counter() - sent)
                statuses[status] += 1
                if i < keep:
                    kept[i] = body
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"requests": len(latencies), "seconds": seconds, "statuses": dict(statuses),
            "latencies": latencies, "kept": kept, "stopped_by_time_limit": len(latencies) < n_requests}


def _batch_metrics(port: int) -> tuple[float, float]:
    text = _run(_get(port, "/metrics"))[1].decode()
    values = {}
    for name in ("feedback_nlp_batch_size_count", "feedback_nlp_batch_size_sum"):
        values[name] = next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))
    return values["feedback_nlp_batch_size_count"], values["feedback_nlp_batch_size_sum"]


def run_phase(port: int, bodies: list[bytes], texts_per_request: int, n_requests: int, clients: int,
              max_seconds: float, keep: int) -> dict[str, Any]:
    _run(_load(port, bodies, min(200, n_requests), clients, 30, 0))  # warm-up
    batches_before, texts_before = _batch_metrics(port)
    result = _run(_load(port, bodies, n_requests, clients, max_seconds, keep))
    batches_after, texts_after = _batch_metrics(port)
    ok = result["statuses"].get(200, 0)
    result.update(
        clients=clients, texts_per_request=texts_per_request, requests_per_s=result["requests"] / result["seconds"],
        texts_per_s=ok * texts_per_request / result["seconds"], errors=result["requests"] - ok,
        mean_batch=(texts_after - texts_before) / max(1.0, batches_after - batches_before),
        **_percentiles(result["latencies"]),
    )
    return result


def agreement(kept: dict[int, bytes], texts_per_request: int, reference: list[list[str]]) -> float:
    """Share of served texts whose tags equal the library's ``reference`` tags for the same text."""
    same = total = 0
    for i, body in kept.items():
        for j, result in enumerate(json.loads(body)["results"]):
            want = reference[(i * texts_per_request + j) % len(reference)]
            same += result["tags"] == want
            total += 1
    return same / total if total else float("nan")


# ---------------------------------------------------------------------------- report


def _cpu_name() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _versions() -> dict[str, str]:
    out = {"feedback_nlp": feedback_nlp.__version__}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    m, lib = report["machine"], report["in_process"]
    rows = [
        f"| in-process, `tagger.tag(texts)`, 64 per batch ({report['lib_threads']} threads; before / after the load) | — "
        f"| {lib['before']['batch_texts_per_s']:,.1f} / {lib['after']['batch_texts_per_s']:,.1f} | — | — | — |",
        f"| in-process, one text per call | — | {lib['before']['single_texts_per_s']:,.1f} / "
        f"{lib['after']['single_texts_per_s']:,.1f} | {lib['before']['p50_ms']:.2f} | {lib['before']['p99_ms']:.2f} | — |",
    ]
    for key, title in (("single", "served, 1 text per request"), ("batch", "served, {n} texts per request")):
        p = report["served"][key]
        rows.append(
            f"| {title.format(n=p['texts_per_request'])}: {p['requests']:,} requests from {p['clients']} clients in "
            f"{p['seconds']:.1f} s{' (time limit)' if p['stopped_by_time_limit'] else ''}, {p['errors']} errors "
            f"| {p['requests_per_s']:,.1f} | {p['texts_per_s']:,.1f} | {p['p50_ms']:.2f} | {p['p99_ms']:.2f} "
            f"| {p['mean_batch']:.1f} |")
    s = report["served"]
    verdict = "met" if report["ratio"] >= TARGET_RATIO else "**not met**"
    lines = [
        "# HTTP service load test", "",
        f"Produced by `python benchmarks/serve_benchmark.py {report['command_args']}` on {report['date']}: "
        f"{m['cpu']}, {m['cpus']} CPUs shared by the server, its clients and whatever else runs on the machine "
        f"(load average at start {m['load_avg_at_start']}, at end {m['load_avg_at_end']}; the benchmark and its "
        f"server at nice {m.get('nice', 0)}). "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f", Python {m['python']}.", "",
        *([report["note"], ""] if report.get("note") else []),
        f"Model `{report['model']}` (sha256 `{report['sha256'][:16]}…`). Texts: the `text` field of "
        f"{report['n_texts']:,} records ({', '.join(report['data'])}), sent in file order, round and round. Server: "
        f"`feedback-nlp serve --threads {report['server_threads']} --max-wait-ms {report['max_wait_ms']} "
        f"--max-batch {report['max_batch']}`, one worker, on 127.0.0.1; clients: asyncio HTTP/1.1 keep-alive "
        "connections in the benchmark process, closed loop. Latency: per request, client side.", "",
        "| mode | requests/s | texts/s | p50 ms | p99 ms | mean ONNX batch |", "|---|---|---|---|---|---|", *rows, "",
        "## Target", "",
        f"- served texts/s with {s['single']['clients']} single-text clients ÷ in-process batch texts/s (mean of "
        f"before and after): {report['ratio']:.2f} (target ≥ {TARGET_RATIO} — within 2×): {verdict}", "",
        "## Same tags as the library", "",
        f"Of the texts served one per request, {s['single']['agreement_single']:.2%} got the tags of "
        f"`tagger.tag([text])` and {s['single']['agreement_batch']:.2%} those of `tagger.tag(texts)` in batches of 64; "
        f"served 64 per request: {s['batch']['agreement_single']:.2%} and {s['batch']['agreement_batch']:.2%}. "
        f"The library itself agrees with itself on {report['library_batch_vs_single_agreement']:.2%} of the texts "
        "between one text per call and 64 per call: the differences come from the model, not the service. The int8 "
        "graph quantizes activations dynamically, with one scale per batch (padding included), so a text's "
        "probabilities move slightly with the texts it is batched with, and a tag near its threshold can flip.", "",
        "## Memory of one worker (`--workers`)", "",
        f"RSS of the server process: {report['rss_mib']['after_load']:.0f} MiB once the model is loaded, "
        f"{report['rss_mib']['after_load_test']:.0f} MiB after the load test. Each `--workers` process loads its "
        "own copy of the model, so N workers take about N times this.", "",
    ]
    (out / "serve.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--data", type=Path, nargs="+", default=[ROOT / "data/build/dataset/test.jsonl"])
    parser.add_argument("--single-requests", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--batch-requests", type=int, default=2000)
    parser.add_argument("--batch-texts", type=int, default=64)
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    # one ONNX Runtime thread leaves the other core of a 2-core machine to the event loop (HTTP, JSON)
    parser.add_argument("--server-threads", type=int, default=1)
    parser.add_argument("--lib-threads", type=int, default=2)
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--note", default="", help="A sentence on the conditions of the run, printed in serve.md.")
    args = parser.parse_args(argv)

    texts = load_texts(args.data)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    print(f"in-process: {len(texts)} texts", file=sys.stderr)
    before = in_process(args.model, texts, args.lib_threads)
    singles = [json.dumps({"texts": [t]}, ensure_ascii=False).encode() for t in texts]
    n = args.batch_texts
    chunks = [[texts[(i + k) % len(texts)] for k in range(n)] for i in range(0, len(texts), n)]
    batches = [json.dumps({"texts": c}, ensure_ascii=False).encode() for c in chunks]

    port = _free_port()
    proc = start_server(args, port)
    try:
        rss_loaded = rss_mib(proc.pid)
        print(f"served: {args.single_requests} x 1 text, {args.clients} clients", file=sys.stderr)
        single = run_phase(port, singles, 1, args.single_requests, args.clients, args.max_seconds, len(texts))
        print(f"served: {args.batch_requests} x {n} texts, {args.batch_clients} clients", file=sys.stderr)
        batch = run_phase(port, batches, n, args.batch_requests, args.batch_clients, args.max_seconds, len(batches))
        rss_after = rss_mib(proc.pid)
        sha = json.loads(_run(_get(port, "/v1/model"))[1])["sha256"]
    finally:
        proc.terminate()
        proc.wait(60)
    print("in-process again", file=sys.stderr)
    after = in_process(args.model, texts, args.lib_threads)

    for phase, per_request in ((single, 1), (batch, n)):
        # batch bodies are contiguous texts wrapping round, so text k of request i is texts[(i * n + k) % len]
        phase["agreement_single"] = agreement(phase["kept"], per_request, before["single_tags"])
        phase["agreement_batch"] = agreement(phase["kept"], per_request, before["batch_tags"])
        del phase["kept"], phase["latencies"]
    lib_rate = (before["batch_texts_per_s"] + after["batch_texts_per_s"]) / 2
    strip = lambda r: {k: v for k, v in r.items() if not k.endswith("_tags")}  # noqa: E731
    report = {
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "command_args": " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {"cpu": _cpu_name(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "nice": os.nice(0), "load_avg_at_start": load_at_start,
                    "load_avg_at_end": [round(x, 2) for x in os.getloadavg()], "versions": _versions()},
        "note": args.note, "model": args.model, "sha256": sha, "data": [str(p) for p in args.data], "n_texts": len(texts),
        "server_threads": args.server_threads, "lib_threads": args.lib_threads, "max_wait_ms": args.max_wait_ms,
        "max_batch": args.max_batch,
        "in_process": {"before": strip(before), "after": strip(after)},
        "served": {"single": single, "batch": batch},
        "ratio": single["texts_per_s"] / lib_rate,
        "library_batch_vs_single_agreement": sum(a == b for a, b in zip(before["single_tags"], before["batch_tags"]))
        / len(texts),
        "rss_mib": {"after_load": rss_loaded, "after_load_test": rss_after},
    }
    write_report(report, args.out)
    print((args.out / "serve.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
