"""Tagger inference benchmark: int8 ONNX vs fp32 ONNX vs PyTorch eager vs a transformers pipeline.

    python benchmarks/tagger_benchmark.py --model models/default --checkpoint runs/finetune-tiny-sent

Options: ``--fp32-model PATH`` (default: ``model.fp32.onnx`` next to the int8 model, written by
``python -m training export CKPT --keep-fp32``), ``--data FILE ...`` (default: the train, dev and test
splits of ``data/build/dataset``), ``--threads 2``, ``--batch-size 64``, ``--latency-calls 300``,
``--repeats 3`` (throughput passes per engine, taken in turn round the engines; the median is
reported), ``--limit N`` (first N texts only, for a quick try; the results record it),
``--engines ...`` (a subset), ``--out benchmarks/results``. Takes a few minutes on 2 cores, most
of it in the pipeline.

Everything runs in one process, on CPU, with ``--threads`` threads per engine (ONNX Runtime
intra-op threads, ``torch.set_num_threads``). Engines, all fed the same texts (the ``text``
field of every record, no product context):

1. ``onnx_int8``: :class:`feedback_nlp.OnnxTagger` on the model directory (its ``model.onnx``).
2. ``onnx_fp32``: the same tagger on a temporary model directory whose ``model.onnx`` is
   ``model.fp32.onnx`` (``tagger_config.json`` rewritten with its sha256 via ``TaggerConfig``).
3. ``pytorch_eager``: the fine-tuned checkpoint, fp32, ``no_grad``, encoded with the library's
   :class:`~feedback_nlp.tagging.encoding.TextEncoder`, sorted by length, batches of ``--batch-size``.
4. ``hf_pipeline``: ``transformers.pipeline("text-classification")`` on the same checkpoint
   (sigmoid, ``top_k=None``, ``batch_size``; inputs are not sorted, as a plain pipeline user does).

Each engine is warmed up, then measured: throughput = all texts ÷ wall seconds, end to end
(tokenization, padding, forward, sigmoid), and the latency of ``--latency-calls`` single-text
calls on texts sampled (fixed seed) from the same data. An engine whose inputs are missing is
reported as skipped with the reason. Probabilities are compared with PyTorch eager as a sanity
check (same model?). Writes ``tagger.json`` and ``tagger.md`` under ``--out``. A script, never a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from feedback_nlp import OnnxTagger, TaggerConfig  # noqa: E402
from feedback_nlp.tagging.encoding import TextEncoder  # noqa: E402
from feedback_nlp.model_dir import CARD_FILE, MODEL_FILE, TOKENIZER_FILE, sha256_file, write_manifest  # noqa: E402

ENGINES = ("onnx_int8", "onnx_fp32", "pytorch_eager", "hf_pipeline")
TITLES = {"onnx_int8": "ONNX int8 (OnnxTagger)", "onnx_fp32": "ONNX fp32 (OnnxTagger)",
          "pytorch_eager": "PyTorch eager", "hf_pipeline": "transformers pipeline"}
TARGET_RATIO = 3.0
TARGET_THROUGHPUT = 2000.0
FP32_FILE = "model.fp32.onnx"
_PACKAGES = ("torch", "transformers", "onnxruntime", "tokenizers", "numpy")


class Skip(Exception):
    """An engine cannot run here; the message says why."""


# ---------------------------------------------------------------------------- inputs


def load_texts(files: Sequence[Path]) -> list[str]:
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            texts += [r["text"] for r in map(json.loads, filter(str.strip, f)) if r.get("text") and r["text"].strip()]
    return texts


def length_stats(texts: Sequence[str]) -> dict[str, Any]:
    n = np.array([len(t) for t in texts])
    return {"count": len(texts), "chars_mean": round(float(n.mean()), 1), "chars_p50": int(np.percentile(n, 50)),
            "chars_p95": int(np.percentile(n, 95)), "chars_p99": int(np.percentile(n, 99)), "chars_max": int(n.max())}


def token_stats(encoder: TextEncoder, texts: Sequence[str]) -> dict[str, Any]:
    encoded = encoder.encode(texts)
    n = np.array([len(e.ids) for e in encoded])
    return {"tokens_mean": round(float(n.mean()), 1), "tokens_p50": int(np.percentile(n, 50)),
            "tokens_p95": int(np.percentile(n, 95)), "truncated_share": round(float(np.mean([e.truncated for e in encoded])), 4),
            "max_length": encoder.max_length}


def fp32_model_dir(int8_dir: Path, fp32_file: Path, tmp: Path) -> Path:
    """A model directory whose ``model.onnx`` is ``fp32_file`` (config re-checksummed, no quantization)."""
    config = TaggerConfig.load(int8_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fp32_file, tmp / MODEL_FILE)
    shutil.copyfile(int8_dir / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
    (tmp / CARD_FILE).write_text("fp32 copy of a model directory, written by benchmarks/tagger_benchmark.py\n", encoding="utf-8")
    dataclasses.replace(config, onnx_sha256=sha256_file(tmp / MODEL_FILE), quantization=None).save(tmp)
    write_manifest(tmp)  # export embedded the label order in model.fp32.onnx too
    return tmp


def _mib(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 2)


# ---------------------------------------------------------------------------- engines
# Each builder returns (predict_batch: texts -> probs (n, n_labels), predict_one: text -> anything, info).


def build_onnx(model_dir: Path, threads: int, batch_size: int) -> tuple[Callable, Callable, dict]:
    tagger = OnnxTagger.from_pretrained(model_dir, intra_op_threads=threads, batch_size=batch_size)
    info = {"model_file": str(model_dir / MODEL_FILE), "model_mib": _mib(model_dir / MODEL_FILE),
            "quantization": tagger.config.quantization, "labels": list(tagger.labels)}
    return tagger.predict_proba, tagger.predict_proba, info


def _stored_dtype(path: Path) -> str | None:
    """The dtype(s) of a safetensors file's tensors, from its JSON header (None for other formats)."""
    if path.suffix != ".safetensors":
        return None
    with open(path, "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    return ",".join(sorted({v["dtype"] for k, v in header.items() if k != "__metadata__"}))


def _load_checkpoint(checkpoint: Path, threads: int) -> tuple[Any, dict]:
    if not checkpoint.is_dir():
        raise Skip(f"checkpoint directory {checkpoint} does not exist")
    missing = [f for f in ("config.json", "tokenizer.json", "training_state.json") if not (checkpoint / f).is_file()]
    weights = [p for p in checkpoint.glob("*.safetensors")] + [p for p in checkpoint.glob("pytorch_model*.bin")]
    if not any(checkpoint.iterdir()):
        raise Skip(f"checkpoint directory {checkpoint} is empty (no training.finetune output there yet)")
    if missing or not weights:
        raise Skip(f"checkpoint {checkpoint} lacks {', '.join(missing + ([] if weights else ['model weights']))}")
    try:
        import torch
        from transformers import AutoModelForSequenceClassification
    except ImportError as e:
        raise Skip(f"{e.name} is not installed: pip install -e '.[train]'") from e
    torch.set_num_threads(threads)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    state = json.loads((checkpoint / "training_state.json").read_text(encoding="utf-8"))
    # weights may be stored in fp16; CPU inference runs in fp32, like the ONNX export
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, dtype=torch.float32).eval()
    stored = {p.name: _mib(p) for p in weights}
    info = {"checkpoint": str(checkpoint), "weights_mib": stored, "weights_stored_dtype": _stored_dtype(weights[0]),
            "labels": list(state["labels"]),
            "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 2)}
    return model, {"state": state, "info": info}


def build_eager(checkpoint: Path, threads: int, batch_size: int) -> tuple[Callable, Callable, dict]:
    import torch
    from tokenizers import Tokenizer

    model, meta = _load_checkpoint(checkpoint, threads)
    cfg = meta["state"]["config"]
    encoder = TextEncoder(Tokenizer.from_file(str(checkpoint / TOKENIZER_FILE)), cfg["max_length"], cfg["context_max_length"])
    n_labels = len(meta["info"]["labels"])

    def forward(padded: dict[str, np.ndarray]) -> np.ndarray:
        x = {k: torch.from_numpy(v) for k, v in padded.items()}
        return torch.sigmoid(model(**x).logits).numpy()

    @torch.no_grad()
    def predict_batch(texts: Sequence[str]) -> np.ndarray:
        encoded = encoder.encode(texts)
        out = np.empty((len(encoded), n_labels), dtype=np.float32)
        for idx, padded in encoder.batches(encoded, batch_size):
            out[idx] = forward(padded)
        return out

    @torch.no_grad()
    def predict_one(text: str) -> np.ndarray:
        return forward(encoder.pad(encoder.encode([text])))[0]

    return predict_batch, predict_one, meta["info"] | {"torch_threads": torch.get_num_threads()}


def build_pipeline(checkpoint: Path, threads: int, batch_size: int) -> tuple[Callable, Callable, dict]:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast, pipeline

    model, meta = _load_checkpoint(checkpoint, threads)
    max_length = meta["state"]["config"]["max_length"]
    raw = Tokenizer.from_file(str(checkpoint / TOKENIZER_FILE))
    raw.no_truncation()
    raw.no_padding()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, model_max_length=max_length, unk_token="[UNK]",
                                        cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]", mask_token="[MASK]")
    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu",
                    function_to_apply="sigmoid", top_k=None, batch_size=batch_size)
    labels = meta["info"]["labels"]
    column = {label: j for j, label in enumerate(labels)}
    call_kwargs = {"truncation": True, "max_length": max_length}

    def predict_batch(texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), len(labels)), dtype=np.float32)
        for i, scores in enumerate(pipe(list(texts), **call_kwargs)):
            for s in scores:
                out[i, column[s["label"]]] = s["score"]
        return out

    def predict_one(text: str) -> Any:
        return pipe(text, **call_kwargs)

    return predict_batch, predict_one, meta["info"]


# ---------------------------------------------------------------------------- measuring


def load_engine(name: str, build: Callable[[], tuple[Callable, Callable, dict]]) -> dict[str, Any]:
    print(f"[{name}] loading", flush=True)
    try:
        t0 = time.perf_counter()
        predict_batch, predict_one, info = build()
    except Skip as e:
        print(f"[{name}] skipped: {e}", flush=True)
        return {"engine": name, "skipped": str(e)}
    return {"engine": name, "load_s": round(time.perf_counter() - t0, 2), **info,
            "_batch": predict_batch, "_one": predict_one}


def warm_up(engine: dict[str, Any], texts: list[str], batch_size: int, n_batches: int) -> None:
    """Batches spread over the length range, so every sequence width the pass will see has run once."""
    by_len = sorted(texts, key=len)
    n = min(len(by_len), n_batches * batch_size)
    step = max(1, len(by_len) // n)
    engine["_batch"](by_len[::step][:n])


def measure_throughput(engine: dict[str, Any], texts: list[str]) -> np.ndarray:
    t0 = time.perf_counter()
    probs = engine["_batch"](texts)
    seconds = time.perf_counter() - t0
    engine.setdefault("throughput_runs", []).append(round(len(texts) / seconds, 1))
    print(f"[{engine['engine']}] throughput: {len(texts) / seconds:,.1f} texts/s ({seconds:.2f} s)", flush=True)
    return probs


def measure_latency(engine: dict[str, Any], latency_texts: list[str], warmup_calls: int) -> None:
    predict_one = engine["_one"]
    for t in latency_texts[:warmup_calls]:
        predict_one(t)
    lat = np.empty(len(latency_texts))
    for i, t in enumerate(latency_texts):
        t0 = time.perf_counter()
        predict_one(t)
        lat[i] = time.perf_counter() - t0
    lat_ms = lat * 1000
    engine.update({"latency_ms_p50": round(float(np.percentile(lat_ms, 50)), 2),
                   "latency_ms_p99": round(float(np.percentile(lat_ms, 99)), 2),
                   "latency_ms_mean": round(float(lat_ms.mean()), 2), "latency_calls": len(latency_texts)})
    print(f"[{engine['engine']}] latency p50 {engine['latency_ms_p50']} ms, p99 {engine['latency_ms_p99']} ms", flush=True)


def compare(probs: np.ndarray, ref: np.ndarray, thresholds: np.ndarray | None) -> dict[str, Any]:
    out = {"max_abs_prob_diff": round(float(np.abs(probs - ref).max()), 5)}
    if thresholds is not None:
        out["decision_agreement"] = round(float(((probs >= thresholds) == (ref >= thresholds)).mean()), 5)
    return out


# ---------------------------------------------------------------------------- reporting


def machine_info(threads: int) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cpus": os.cpu_count(), "threads": threads, "platform": platform.platform(),
                            "python": platform.python_version(), "load_avg_1_5_15_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    import feedback_nlp

    versions = {"feedback_nlp": feedback_nlp.__version__}
    for p in _PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    info["versions"] = versions
    return info


def _fmt(value: Any, spec: str = ",.1f") -> str:
    return "—" if value is None else format(value, spec)


def render_markdown(report: dict[str, Any]) -> str:
    m, t, tk, s = report["machine"], report["texts"], report.get("tokens", {}), report["summary"]
    v = m["versions"]
    lines = [
        "# Tagger inference benchmark", "",
        f"Produced by `python benchmarks/tagger_benchmark.py {report['command_args']}` on {report['date']}: "
        f"{m['cpu']}, {m['cpus']} CPUs, {m['threads']} threads per engine (ONNX Runtime intra-op, torch.set_num_threads); "
        f"load average at start {m['load_avg_1_5_15_at_start']}. "
        f"feedback-nlp {v['feedback_nlp']}, onnxruntime {v['onnxruntime']}, torch {v['torch']}, transformers {v['transformers']}, "
        f"tokenizers {v['tokenizers']}, Python {m['python']}.", "",
        f"Texts: the `text` field of {t['count']:,} records ({', '.join(report['data'])}), no product context; "
        f"length in characters mean {t['chars_mean']}, p50 {t['chars_p50']}, p95 {t['chars_p95']}, max {t['chars_max']}"
        + (f"; in tokens mean {tk['tokens_mean']}, p50 {tk['tokens_p50']}, p95 {tk['tokens_p95']}, "
           f"{tk['truncated_share']:.1%} cut at max_length {tk['max_length']}" if tk else "") + ".", "",
        f"Throughput: all texts end to end (tokenize, pad, forward, sigmoid), batch {report['batch_size']}, median of "
        f"{report['repeats']} pass(es) taken in turn round the engines. Latency: {report['latency_calls']} single-text calls "
        "on texts sampled from the same data (one string per call), after warm-up. All engines run in the same process, "
        "one at a time, each warmed up before it is measured.", "",
        "| engine | texts/s | latency p50 ms | latency p99 ms | model file | MiB | vs PyTorch: max Δprob | decisions agree |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["engines"]:
        title = TITLES[r["engine"]]
        if "skipped" in r:
            lines.append(f"| {title} | skipped: {r['skipped']} | | | | | | |")
            continue
        if "model_file" in r:
            file, mib = f"`{r['model_file']}`", _fmt(r["model_mib"], ".2f")
        else:
            dtype = f", {r['weights_stored_dtype']} on disk" if r.get("weights_stored_dtype") else ""
            file = ", ".join(f"`{r['checkpoint']}/{k}`" for k in r["weights_mib"]) + f" (checkpoint{dtype}; run in fp32)"
            mib = ", ".join(_fmt(x, ".2f") for x in r["weights_mib"].values())
        par = r.get("parity_vs_pytorch_eager", {})
        agree = par.get("decision_agreement")
        lines.append(f"| {title} | {_fmt(r['throughput_texts_per_s'])} | {_fmt(r['latency_ms_p50'], '.2f')} | "
                     f"{_fmt(r['latency_ms_p99'], '.2f')} | {file} | {mib} | {_fmt(par.get('max_abs_prob_diff'), '.4f')} | "
                     f"{'—' if agree is None else f'{agree:.2%}'} |")
    lines += ["", "## Targets", ""]
    ratio = s.get("int8_over_eager_throughput")
    met = {True: "**met**", False: "**not met**", None: "not measured"}
    lines += [
        f"- int8 ONNX ÷ PyTorch eager throughput: {'—' if ratio is None else f'{ratio:.2f}×'} (target ≥ {TARGET_RATIO:g}×): {met[s.get('ratio_target_met')]}",
        f"- int8 ONNX throughput: {_fmt(s.get('int8_throughput'))} texts/s (target ≥ {TARGET_THROUGHPUT:,.0f}): "
        f"{met[s.get('throughput_target_met')]}",
    ]
    if s.get("fp32_over_eager_throughput") is not None:
        lines.append(f"- fp32 ONNX ÷ PyTorch eager: {s['fp32_over_eager_throughput']:.2f}×; "
                     f"int8 ÷ fp32 ONNX: {_fmt(s.get('int8_over_fp32_throughput'), '.2f')}×")
    if s.get("eager_over_pipeline_throughput") is not None:
        lines.append(f"- PyTorch eager ÷ transformers pipeline: {s['eager_over_pipeline_throughput']:.2f}×")
    lines += ["", "Decision agreement uses the thresholds of the int8 model directory's `tagger_config.json`; "
              "Δprob and agreement are measured against PyTorch eager on all texts. "
              "The ONNX engines pad per sorted batch of similar length; the pipeline batches in input order."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "default", help="model directory (int8 model.onnx)")
    ap.add_argument("--fp32-model", type=Path, default=None,
                    help=f"fp32 ONNX file (default: {FP32_FILE} next to the int8 model.onnx)")
    ap.add_argument("--checkpoint", type=Path, default=ROOT / "runs" / "finetune-tiny-sent",
                    help="fine-tuned checkpoint directory (training.finetune output) for PyTorch and the pipeline")
    ap.add_argument("--data", type=Path, nargs="+",
                    default=[ROOT / "data" / "build" / "dataset" / f"{s}.jsonl" for s in ("train", "dev", "test")])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--latency-calls", type=int, default=300)
    ap.add_argument("--warmup-calls", type=int, default=30, help="single-text warm-up calls per engine")
    ap.add_argument("--repeats", type=int, default=3, help="throughput passes per engine, taken in turns (median reported)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N texts (0: all)")
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    for name in ("threads", "batch_size", "latency_calls", "repeats"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the encoders run in this process's threads only
    machine = machine_info(args.threads)
    missing = [str(p) for p in args.data if not p.is_file()]
    if missing:
        sys.exit(f"data file(s) not found: {', '.join(missing)}")
    texts = load_texts(args.data)
    if args.limit:
        texts = texts[:args.limit]
    stats = length_stats(texts)
    latency_texts = random.Random(args.seed).sample(texts, min(args.latency_calls, len(texts)))
    print(f"{len(texts):,} texts; length in characters: mean {stats['chars_mean']}, p50 {stats['chars_p50']}, "
          f"p95 {stats['chars_p95']}, p99 {stats['chars_p99']}, max {stats['chars_max']}", flush=True)
    edges = [0, 10, 20, 40, 80, 160, 320, 10**9]
    counts = np.histogram([len(t) for t in texts], bins=edges)[0]
    print("  " + ", ".join(f"{lo}-{hi - 1 if hi < 10**9 else '∞'}: {c / len(texts):.1%}"
                           for lo, hi, c in zip(edges, edges[1:], counts)), flush=True)

    int8_dir = args.model
    int8_error = None
    thresholds = None
    tokens: dict[str, Any] = {}
    try:
        int8_config = TaggerConfig.load(int8_dir)
        thresholds = np.array([int8_config.thresholds[x] for x in int8_config.labels], dtype=np.float32)
        from tokenizers import Tokenizer

        tokens = token_stats(TextEncoder(Tokenizer.from_file(str(int8_dir / TOKENIZER_FILE)), int8_config.max_length,
                                         int8_config.context_max_length), texts)
        print(f"  tokens: mean {tokens['tokens_mean']}, p50 {tokens['tokens_p50']}, p95 {tokens['tokens_p95']}, "
              f"{tokens['truncated_share']:.1%} truncated at {tokens['max_length']}", flush=True)
    except Exception as e:  # a missing or broken model directory skips the ONNX engines, nothing else
        int8_error = f"model directory {int8_dir}: {e}"
    fp32_file = args.fp32_model or int8_dir / FP32_FILE

    probs: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="tagger_bench_") as tmp:
        def onnx_int8():
            if int8_error:
                raise Skip(int8_error)
            return build_onnx(int8_dir, args.threads, args.batch_size)

        def onnx_fp32():
            if int8_error:
                raise Skip(int8_error)
            if not fp32_file.is_file():
                raise Skip(f"no fp32 ONNX file: {fp32_file} does not exist (export with --keep-fp32, or pass --fp32-model)")
            return build_onnx(fp32_model_dir(int8_dir, fp32_file, Path(tmp) / "fp32"), args.threads, args.batch_size)

        builders = {"onnx_int8": onnx_int8, "onnx_fp32": onnx_fp32,
                    "pytorch_eager": lambda: build_eager(args.checkpoint, args.threads, args.batch_size),
                    "hf_pipeline": lambda: build_pipeline(args.checkpoint, args.threads, args.batch_size)}
        engines = []
        for name in ENGINES:
            if name not in args.engines:
                engines.append({"engine": name, "skipped": "not selected (--engines)"})
                continue
            engine = load_engine(name, builders[name])
            if name == "onnx_fp32" and "model_file" in engine:
                engine["model_file"], engine["model_mib"] = str(fp32_file), _mib(fp32_file)
            engines.append(engine)
        live = [e for e in engines if "skipped" not in e]
        # Throughput passes go round the engines (A B C D, A B C D, ...) so that a change in
        # background load hits every engine alike; each engine is warmed up right before its pass.
        for r in range(args.repeats):
            for engine in live:
                warm_up(engine, texts, args.batch_size, 4 if r == 0 else 1)
                probs[engine["engine"]] = measure_throughput(engine, texts)
        for engine in live:
            measure_latency(engine, latency_texts, args.warmup_calls)
        for engine in engines:
            for key in ("_batch", "_one"):
                engine.pop(key, None)
            if "throughput_runs" in engine:
                engine["throughput_texts_per_s"] = round(statistics.median(engine["throughput_runs"]), 1)
            for key in ("model_file", "checkpoint"):
                if key in engine:
                    engine[key] = _rel(Path(engine[key]))
        results = engines

    # sanity: the engines should compute the same function (same labels, same model)
    ref_labels = next((r.get("labels") for r in results if r["engine"] == "pytorch_eager" and "labels" in r), None)
    if "pytorch_eager" in probs:
        for r in results:
            if r["engine"] in probs and r["engine"] != "pytorch_eager":
                if r.get("labels") != ref_labels:
                    r["parity_vs_pytorch_eager"] = {"error": "label order differs from the checkpoint's"}
                else:
                    r["parity_vs_pytorch_eager"] = compare(probs[r["engine"]], probs["pytorch_eager"], thresholds)
    for r in results:
        r.pop("labels", None)

    by = {r["engine"]: r for r in results if "throughput_texts_per_s" in r}
    tput = {k: v["throughput_texts_per_s"] for k, v in by.items()}
    summary: dict[str, Any] = {"int8_throughput": tput.get("onnx_int8")}
    ratio = tput["onnx_int8"] / tput["pytorch_eager"] if {"onnx_int8", "pytorch_eager"} <= tput.keys() else None
    summary["int8_over_eager_throughput"] = None if ratio is None else round(ratio, 2)
    summary["ratio_target"] = TARGET_RATIO
    summary["ratio_target_met"] = None if ratio is None else ratio >= TARGET_RATIO
    summary["throughput_target"] = TARGET_THROUGHPUT
    summary["throughput_target_met"] = None if "onnx_int8" not in tput else tput["onnx_int8"] >= TARGET_THROUGHPUT
    for key, (a, b) in {"fp32_over_eager_throughput": ("onnx_fp32", "pytorch_eager"),
                        "int8_over_fp32_throughput": ("onnx_int8", "onnx_fp32"),
                        "eager_over_pipeline_throughput": ("pytorch_eager", "hf_pipeline")}.items():
        summary[key] = round(tput[a] / tput[b], 2) if {a, b} <= tput.keys() else None

    command_args = " ".join([f"--model {_rel(args.model)}", f"--checkpoint {_rel(args.checkpoint)}"]
                            + ([f"--fp32-model {_rel(args.fp32_model)}"] if args.fp32_model else [])
                            + ([f"--threads {args.threads}"] if args.threads != 2 else [])
                            + ([f"--batch-size {args.batch_size}"] if args.batch_size != 64 else [])
                            + ([f"--latency-calls {args.latency_calls}"] if args.latency_calls != 300 else [])
                            + ([f"--repeats {args.repeats}"] if args.repeats != 3 else [])
                            + ([f"--warmup-calls {args.warmup_calls}"] if args.warmup_calls != 30 else [])
                            + ([f"--limit {args.limit}"] if args.limit else [])
                            + ([f"--engines {' '.join(args.engines)}"] if list(args.engines) != list(ENGINES) else [])
                            + ([f"--data {' '.join(_rel(p) for p in args.data)}"] if args.data != parse_args([]).data else []))
    report = {"date": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
              "command_args": command_args, "machine": machine, "data": [_rel(p) for p in args.data],
              "limit": args.limit or None, "texts": stats, "tokens": tokens, "batch_size": args.batch_size,
              "latency_calls": len(latency_texts), "warmup_calls": args.warmup_calls, "repeats": args.repeats,
              "engines": results, "summary": summary}

    print()
    print(f"{'engine':<24} {'texts/s':>10} {'p50 ms':>8} {'p99 ms':>8}  notes")
    for r in results:
        if "skipped" in r:
            print(f"{TITLES[r['engine']]:<24} {'skipped':>10} {'':>8} {'':>8}  {r['skipped']}")
        else:
            par = r.get("parity_vs_pytorch_eager", {})
            note = f"max Δprob vs eager {par['max_abs_prob_diff']:.4f}" if "max_abs_prob_diff" in par else ""
            print(f"{TITLES[r['engine']]:<24} {r['throughput_texts_per_s']:>10,.1f} {r['latency_ms_p50']:>8.2f} "
                  f"{r['latency_ms_p99']:>8.2f}  {note}")
    print(f"int8 ÷ eager: {'—' if ratio is None else f'{ratio:.2f}×'} (target ≥ {TARGET_RATIO:g}×: {summary['ratio_target_met']}); "
          f"int8 {_fmt(summary['int8_throughput'])} texts/s (target ≥ {TARGET_THROUGHPUT:,.0f}: {summary['throughput_target_met']})")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tagger.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "tagger.md").write_text(render_markdown(report), encoding="utf-8")
    print(f"wrote {args.out / 'tagger.json'} and {args.out / 'tagger.md'}")
    return report


if __name__ == "__main__":
    main()
