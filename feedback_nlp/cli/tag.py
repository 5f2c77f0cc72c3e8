"""The ``feedback-nlp`` command line.

Each command is a thin typer wrapper that parses arguments and calls a plain ``run_*``
function (tests call those directly). To add a command: write ``run_<name>(...)``, then a
``@app.command("<name>")`` wrapper that maps exceptions to :class:`ExitCode` with
:func:`_exit_on_error`.

Exit codes (all commands):

- 0: success
- 1: finished, but some input rows were malformed (see the error file)
- 2: usage error, or an input file that cannot be read at all
- 3: model directory error (missing, incomplete, checksum mismatch, unknown labels)
- 4: a missing optional dependency (``train`` and ``export`` need ``pip install 'feedback-nlp[train]'``)
- 5: ``export`` refused: the exported ONNX model's decisions differ from PyTorch's (parity gate)
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path
from typing import IO, Annotated, Any, Optional

import typer

from feedback_nlp.errors import (
    FeedbackNLPError,
    InvalidInputError,
    MissingDependencyError,
    ModelDirectoryError,
    UnknownTagError,
)
from feedback_nlp.inputs import Row, RowError, format_from_suffix, read_rows

__all__ = ["app", "ExitCode", "TagSummary", "run_tag", "run_info", "run_eval", "run_train", "run_export",
           "default_errors_path", "TRAIN_EXTRA_HINT"]


class ExitCode(IntEnum):
    OK = 0
    ROW_ERRORS = 1
    USAGE = 2
    MODEL = 3
    MISSING_DEPENDENCY = 4
    PARITY = 5


class InputFormatOption(str, Enum):
    auto = "auto"
    txt = "txt"
    jsonl = "jsonl"
    csv = "csv"


app = typer.Typer(
    name="feedback-nlp",
    no_args_is_help=True,
    add_completion=False,
    help=(
        "Tag Chinese consumer feedback with negative-feedback aspects (quality, size, logistics, ...).\n\n"
        "Start with:  feedback-nlp tag \"送得太慢，饭都凉了\"   or   feedback-nlp tag reviews.jsonl -o tags.jsonl\n\n"
        "Exit codes: 0 ok; 1 some rows were malformed (see the error file); 2 usage error or unreadable "
        "input file; 3 model directory error; 4 missing optional dependency; 5 export refused by the parity gate."
    ),
)

_CHUNK_ROWS = 512  # rows tagged per call; output is written after each chunk
_SCORE_DIGITS = 4


@dataclass(frozen=True)
class TagSummary:
    """Counts of one ``tag`` run: ``read == tagged + errors``."""

    read: int
    tagged: int
    errors: int
    output: Path | None = None
    errors_path: Path | None = None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROW_ERRORS if self.errors else ExitCode.OK

    def line(self) -> str:
        return f"read {self.read}, tagged {self.tagged}, errors {self.errors}"


def default_errors_path(output: Path) -> Path:
    """``out/tags.jsonl`` -> ``out/tags.errors.jsonl``."""
    return output.with_name(f"{output.stem}.errors.jsonl")


# ---------------------------------------------------------------------- tag


def _plan_source(inputs: list[str], fmt: str) -> tuple[str, Path | None, str]:
    """(kind, file path, format): kind is "texts", "stdin" or "file"."""
    if not inputs:
        raise InvalidInputError("nothing to tag: give texts, a .txt/.jsonl/.csv file, or - to read stdin")
    if inputs == ["-"]:
        return "stdin", None, "txt" if fmt == "auto" else fmt
    if len(inputs) == 1:
        candidate = inputs[0]
        by_suffix = format_from_suffix(candidate)
        try:
            exists = Path(candidate).is_file()
        except (OSError, ValueError):  # a long text is not a valid file name
            exists = False
        if by_suffix is not None or exists:
            if not exists:
                raise InvalidInputError(f"input file {candidate!r} does not exist")
            chosen = by_suffix if fmt == "auto" else fmt
            if chosen is None:
                raise InvalidInputError(
                    f"cannot tell the format of {candidate!r} from its name; pass --format txt, jsonl or csv"
                )
            return "file", Path(candidate), chosen
    if fmt != "auto":
        raise InvalidInputError("--format applies to a file or stdin, not to texts given as arguments")
    return "texts", None, "txt"


@contextmanager
def _progress(total: int | None, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (bytes of the input), or a no-op."""
    if not enabled or not total:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("tagging"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:
        task = progress.add_task("tag", total=total)
        yield lambda done: progress.update(task, completed=done)


def _row_record(row: Row, result: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "text": row.text,
        "tags": result.tags,
        "scores": {label: round(score, _SCORE_DIGITS) for label, score in result.scores.items()},
        "status": result.status,
    }


def _binary(stream: Any) -> IO[bytes]:
    """The byte stream under a text stream (JSONL is UTF-8 whatever the terminal's encoding)."""
    return getattr(stream, "buffer", stream)


def _write_jsonl(stream: IO[bytes], record: dict[str, Any]) -> None:
    stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")


def run_tag(
    inputs: list[str],
    *,
    model: Path | None = None,
    output: Path | None = None,
    errors: Path | None = None,
    input_format: str = "auto",
    batch_size: int = 64,
    threads: int | None = None,
    show_progress: bool | None = None,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    stderr: IO[str] | None = None,
) -> TagSummary:
    """Tag texts, a file or stdin; write JSONL results and the malformed rows.

    Results go to ``output`` (``stdout`` when ``None``); malformed rows go to ``errors``,
    which defaults to ``<output stem>.errors.jsonl`` next to the output, or to ``stderr``
    when writing to stdout. Raises :class:`InvalidInputError` for unusable arguments or
    input files and :class:`ModelDirectoryError` / :class:`UnknownTagError` for model
    problems; returns counts otherwise.
    """
    from feedback_nlp.tagger import load_tagger

    kind, path, fmt = _plan_source(inputs, input_format)
    if output is not None and path is not None and output.resolve() == path.resolve():
        raise InvalidInputError(f"--output {str(output)!r} is the input file; choose another path")
    if errors is None and output is not None:
        errors = default_errors_path(output)
    stderr = stderr if stderr is not None else sys.stderr

    tagger = load_tagger(model, intra_op_threads=threads, batch_size=batch_size)
    pass_context = tagger.use_context

    with contextlib.ExitStack() as stack:
        if kind == "file":
            assert path is not None
            source: IO[bytes] = stack.enter_context(open(path, "rb"))
            size = path.stat().st_size
        elif kind == "stdin":
            source = stdin if stdin is not None else _binary(sys.stdin)
            size = None
        else:
            source = None  # type: ignore[assignment]
            size = None
        rows: Iterator[Row | RowError] = (
            (Row(i, i, text) for i, text in enumerate(inputs, start=1)) if source is None else read_rows(source, fmt)
        )
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            out_stream: IO[bytes] = stack.enter_context(open(output, "wb"))
        else:
            out_stream = stdout if stdout is not None else _binary(sys.stdout)
        err_stream: IO[bytes] | None = None
        if errors is not None:
            errors.parent.mkdir(parents=True, exist_ok=True)
            err_stream = stack.enter_context(open(errors, "wb"))

        if show_progress is None:
            show_progress = kind == "file" and sys.stderr.isatty()
        tagged = n_errors = 0
        with _progress(size, show_progress) as advance:
            chunk: list[Row] = []

            def flush() -> None:
                nonlocal tagged
                if not chunk:
                    return
                contexts = [r.context for r in chunk] if pass_context else None
                results = tagger.tag([r.text for r in chunk], contexts)
                for row, result in zip(chunk, results):
                    _write_jsonl(out_stream, _row_record(row, result))
                tagged += len(chunk)
                chunk.clear()
                out_stream.flush()
                if source is not None and kind == "file":
                    advance(source.tell())

            for item in rows:
                if isinstance(item, RowError):
                    n_errors += 1
                    if err_stream is not None:
                        _write_jsonl(err_stream, item.to_dict())
                    else:
                        stderr.write(f"line {item.line}: {item.reason}\n")
                    continue
                chunk.append(item)
                if len(chunk) >= _CHUNK_ROWS:
                    flush()
            flush()

    return TagSummary(tagged + n_errors, tagged, n_errors, output=output, errors_path=errors)


# ---------------------------------------------------------------------- info


def run_info(model: Path | None = None) -> dict[str, Any]:
    """The model card summary of a model directory (verifies it, sha256 included)."""
    from feedback_nlp.labels import TAGS_BY_ID
    from feedback_nlp.model_config import TaggerConfig
    from feedback_nlp.tagger import resolve_model_dir

    root = resolve_model_dir(model)
    config = TaggerConfig.load(root)
    return {
        "model_dir": str(root),
        "labels": [
            {
                "tag": label,
                "name_zh": TAGS_BY_ID[label].name_zh,
                "dimension": TAGS_BY_ID[label].dimension.value,
                "threshold": config.thresholds[label],
            }
            for label in config.labels
        ],
        "max_length": config.max_length,
        "use_context": config.use_context,
        "context_max_length": config.context_max_length,
        "quantization": config.quantization,
        "base_model": config.base_model,
        "onnx_sha256": config.onnx_sha256,
        "created_at": config.created_at,
        "versions": config.versions,
    }


def _print_info(info: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"labels of {info['model_dir']}")
    for column in ("tag", "中文", "dimension", "threshold"):
        table.add_column(column, justify="right" if column == "threshold" else "left")
    for row in info["labels"]:
        table.add_row(row["tag"], row["name_zh"], row["dimension"], f"{row['threshold']:.3f}")
    console.print(table)
    context = f"yes, up to {info['context_max_length']} tokens" if info["use_context"] else "no"
    for key, value in (
        ("max length", info["max_length"]),
        ("product context", context),
        ("quantization", info["quantization"] or "none (fp32)"),
        ("base model", info["base_model"] or "-"),
        ("created", info["created_at"]),
        ("model.onnx sha256", info["onnx_sha256"]),
    ):
        console.print(f"[bold]{key}:[/bold] {value}", highlight=False)
    console.print("[bold]versions:[/bold] " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()), highlight=False)


# ---------------------------------------------------------------------- wrappers


@contextmanager
def _exit_on_error() -> Iterator[None]:
    """Map library errors to exit codes with a one-line message on stderr."""
    try:
        yield
    except MissingDependencyError as e:
        typer.echo(f"missing dependency: {e}", err=True)
        raise typer.Exit(ExitCode.MISSING_DEPENDENCY) from None
    except (ModelDirectoryError, UnknownTagError) as e:
        typer.echo(f"model error: {e}", err=True)
        raise typer.Exit(ExitCode.MODEL) from None
    except InvalidInputError as e:
        typer.echo(f"input error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    except FeedbackNLPError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    except OSError as e:  # unreadable input, unwritable output
        typer.echo(f"i/o error: {e}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None


ModelOption = Annotated[
    Optional[Path],
    typer.Option("--model", "-m", help="Model directory (default: $FEEDBACK_NLP_MODEL, else models/default).",
                 file_okay=False),
]


@app.command("tag")
def tag_cmd(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        help="Texts to tag; or ONE .txt (a text per line), .jsonl (field text; optional id, context) or .csv "
             "(column text; optional id, context) file; or - to read stdin.",
        show_default=False,
    )] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write JSONL results here instead of stdout.", dir_okay=False)] = None,
    errors: Annotated[Optional[Path], typer.Option(
        "--errors", help="Write malformed rows (line, reason, raw) here. Default: OUTPUT-stem.errors.jsonl next to "
                         "--output, or stderr when writing to stdout.", dir_okay=False)] = None,
    input_format: Annotated[InputFormatOption, typer.Option(
        "--format", "-f", help="Input format; auto uses the file suffix, and txt for stdin.")] = InputFormatOption.auto,
    model: ModelOption = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per forward pass.")] = 64,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", min=1, help="ONNX Runtime threads (default: one per physical core).")] = None,
) -> None:
    """Tag feedback; write one JSON line per row: id, text, tags, scores, status.

    Ends with 'read N, tagged M, errors E' on stderr. Exit code 1 when E > 0.
    """
    with _exit_on_error():
        summary = run_tag(
            inputs or [], model=model, output=output, errors=errors, input_format=input_format.value,
            batch_size=batch_size, threads=threads,
        )
    where = f" -> {summary.output}" if summary.output else ""
    errs = f" (see {summary.errors_path})" if summary.errors and summary.errors_path else ""
    typer.echo(summary.line() + where + errs, err=True)
    raise typer.Exit(summary.exit_code)


@app.command("info")
def info_cmd(
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Show a model directory: labels (with Chinese names), thresholds, sha256, versions."""
    with _exit_on_error():
        info = run_info(model)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        _print_info(info)


class _LazyTagger:
    """Loads the tagger only if the feedback has no tags (``score`` on tagged data needs no model)."""

    def __init__(self, kind: str, model: Path | None) -> None:
        self.kind, self.model, self._tagger = kind, model, None

    def predict(self, texts: list[str], contexts: Any = None) -> list[list[str]]:
        if self._tagger is None:
            if self.kind == "keyword":
                from feedback_nlp.keyword_baseline import KeywordTagger

                self._tagger = KeywordTagger()
            else:
                from feedback_nlp.tagger import load_tagger

                self._tagger = load_tagger(self.model)
        return self._tagger.predict(texts, contexts)


@app.command("score")
def score_cmd(
    data: Annotated[Path, typer.Option("--data", help="Directory with orders, feedback[, after_sales, im_sessions] as .csv or .parquet.",
                                       file_okay=False)],
    as_of: Annotated[str, typer.Option("--as-of", help="Score as of this day (YYYY-MM-DD); data up to the day before counts.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory for shop_scores.csv/.json and reports/.", file_okay=False)],
    policy: Annotated[str, typer.Option("--policy", help="Policy name (seed004, seed002) or path to a .toml file.")] = "seed004",
    tagger: Annotated[str, typer.Option("--tagger", help="Tagger used when feedback has no tags: model or keyword.")] = "model",
    model: ModelOption = None,
    reports: Annotated[bool, typer.Option("--reports/--no-reports", help="Write one HTML report per shop.")] = True,
    memory_limit: Annotated[Optional[str], typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 4GB.")] = None,
    what_if: Annotated[bool, typer.Option("--what-if/--no-what-if", help="Also score with the keyword baseline's tags "
                                          "and write whatif.csv: per shop, how much CCR and the experience score move "
                                          "(B = keyword minus A = model).")] = False,
) -> None:
    """Score shops: CCR and experience score per shop -> shop_scores.csv, shop_scores.json, reports/."""
    from feedback_nlp.scoring.score import score

    if tagger not in ("model", "keyword"):
        typer.echo(f"usage error: --tagger must be model or keyword, got {tagger!r}", err=True)
        raise typer.Exit(ExitCode.USAGE)
    with _exit_on_error():
        result = score(data, as_of, policy, out, tagger=_LazyTagger(tagger, model), reports=reports, memory_limit=memory_limit)
        if what_if:
            from feedback_nlp.scoring.whatif import whatif

            table = whatif(data, as_of, policy, tagger=_LazyTagger("model", model))
            table.to_csv(out / "whatif.csv", index=False)
            typer.echo(f"what-if (keyword - model): mean CCR change {table['ccr_delta'].mean():+.4f}, mean experience "
                       f"score change {table['experience_score_delta'].mean():+.3f} -> {out / 'whatif.csv'}", err=True)
    n_scored = int(result.shops["experience_score"].notna().sum())
    typer.echo(f"scored {len(result.shops)} shops ({n_scored} with an experience score) as of {result.as_of} "
               f"with policy {result.policy.label} -> {out}", err=True)


@app.command("demo-data")
def demo_data_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the demo tables to.", file_okay=False)],
    orders: Annotated[int, typer.Option("--orders", min=100, help="Number of orders (feedback, after-sales, chats in proportion).")] = 20000,
    end: Annotated[str, typer.Option("--end", help="Export day: every timestamp lies before it (use it as --as-of).")] = "2024-06-30",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    with_tags: Annotated[bool, typer.Option("--with-tags", help="Write the gold tags column (else the tagger computes tags).")] = False,
) -> None:
    """Generate realistic demo shops, orders, logistics, after-sales, chats and feedback texts."""
    from feedback_nlp.scoring.demo_data import generate_demo_data

    with _exit_on_error():
        try:
            paths = generate_demo_data(out, orders, end=end, seed=seed, fmt=fmt, with_tags=with_tags)
        except ValueError as e:
            raise InvalidInputError(str(e)) from None
    typer.echo("wrote " + ", ".join(str(p) for p in paths.values()), err=True)


# ---------------------------------------------------------------------- eval


def run_eval(
    data: Path,
    *,
    model: Path | None = None,
    baseline: str = "keyword",
    out: Path,
    sample: int = 50,
    n_boot: int = 1000,
    seed: int = 0,
    bins: int = 10,
    batch_size: int = 64,
    threads: int | None = None,
    command: str | None = None,
) -> Any:
    """Evaluate a model (and the keyword baseline) on labeled JSONL; write the reports into ``out``.

    Returns the :class:`eval.evaluate.EvaluationResult`. Raises :class:`InvalidInputError`
    for an unreadable data file or one with no valid row, :class:`ModelDirectoryError`
    for a bad model directory.
    """
    from eval.evaluate import evaluate

    if baseline not in ("keyword", "none"):
        raise InvalidInputError(f"--baseline must be keyword or none, got {baseline!r}")
    return evaluate(
        data, model, baseline=baseline, n_boot=n_boot, seed=seed, sample=sample, n_bins=bins, out=out,
        batch_size=batch_size, threads=threads, command=command,
    )


@app.command("eval")
def eval_cmd(
    data: Annotated[Path, typer.Argument(
        help="Labeled JSONL: id, text, labels (tag ids, [] for none), optional context; other fields "
             "(kind, channel, domain, ...) become slices.", dir_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Directory for report.json, report.md, report.html, "
                                                    "errors.csv, sample.csv.", file_okay=False)],
    model: ModelOption = None,
    baseline: Annotated[str, typer.Option("--baseline", help="Compare with: keyword or none.")] = "keyword",
    sample: Annotated[int, typer.Option("--sample", min=0, help="Texts drawn (stratified) for human re-check.")] = 50,
    n_boot: Annotated[int, typer.Option("--n-boot", min=0, help="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap and the sample.")] = 0,
    bins: Annotated[int, typer.Option("--bins", min=1, help="Reliability-diagram bins.")] = 10,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per forward pass.")] = 64,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="ONNX Runtime threads.")] = None,
) -> None:
    """Measure a model on labeled data: precision/recall/F1 with 95% CIs, keyword baseline, calibration, errors.

    Exit codes: 0 ok; 1 reports written, some rows skipped (listed in the report); 2 bad input; 3 model error.
    """
    import shlex

    with _exit_on_error():
        result = run_eval(
            data, model=model, baseline=baseline, out=out, sample=sample, n_boot=n_boot, seed=seed, bins=bins,
            batch_size=batch_size, threads=threads, command=shlex.join(["feedback-nlp", *sys.argv[1:]]),
        )
    from eval.report import fmt

    a, m, b = result.audit, result.model, result.baseline
    typer.echo(f"rows: read {a.rows_read}, evaluated {a.rows_valid}, skipped {a.rows_skipped}")
    for label, get in (("micro F1", lambda s: s.micro.f1), ("detection precision", lambda s: s.detection.precision),
                       ("detection recall", lambda s: s.detection.recall),
                       ("FPR on texts with no gold tag", lambda s: s.fpr_no_gold),
                       ("share of texts flagged", lambda s: s.flagged_rate)):
        typer.echo(f"{label}: model {fmt(get(m))}" + (f" | keyword {fmt(get(b))}" if b is not None else ""))
    for s in m.slices:
        if s.field == "trap" and s.value == "true":
            bt = b.slice("trap", "true").fpr_no_gold if b is not None else None
            typer.echo(f"FPR on traps: model {fmt(s.fpr_no_gold)}" + (f" | keyword {fmt(bt)}" if bt else ""))
    if result.ccr_impact.inflation is not None:
        typer.echo(f"CCR inflation by keyword (share flagged, keyword - model): {fmt(result.ccr_impact.inflation)}")
    typer.echo(f"reports -> {out}/report.html, report.md, report.json, errors.csv")
    if a.rows_skipped:
        typer.echo(f"{a.rows_skipped} row(s) skipped; see the 'Skipped rows' section of the report", err=True)
        raise typer.Exit(ExitCode.ROW_ERRORS)


# ---------------------------------------------------------------------- train / export

TRAIN_EXTRA_HINT = "pip install 'feedback-nlp[train]'"


def _training_module(name: str, command: str) -> Any:
    """Import ``training.<name>`` on demand: the library itself never imports torch."""
    try:
        return importlib.import_module(f"training.{name}")
    except ImportError as e:
        missing = getattr(e, "name", None) or str(e)
        raise MissingDependencyError(
            f"`feedback-nlp {command}` needs PyTorch and transformers (could not import {missing}); "
            f"install them with: {TRAIN_EXTRA_HINT}"
        ) from None


def run_train(
    config: Path | None = None,
    *,
    base_model: str | None = None,
    data: Path | None = None,
    out: Path | None = None,
    epochs: int | None = None,
    log: Any = None,
) -> Path:
    """Fine-tune a base model with ``training.finetune``; return the checkpoint directory.

    Options left ``None`` keep the value of the config file (default: the shipped
    ``training/configs/default.json``). Raises :class:`MissingDependencyError` without
    the ``[train]`` extra and :class:`InvalidInputError` for a bad config or data directory.
    """
    finetune = _training_module("finetune", "train")
    if config is None:
        config = Path(finetune.__file__).parent / "configs" / "default.json"
    if not config.is_file():
        raise InvalidInputError(f"config file {str(config)!r} does not exist; pass --config PATH")
    try:
        cfg = finetune.FinetuneConfig.from_file(
            config, base_model=base_model, data=None if data is None else str(data),
            out=None if out is None else str(out), epochs=epochs,
        )
    except (ValueError, TypeError) as e:
        raise InvalidInputError(f"{config}: {e}") from None
    missing = [s for s in ("train", "dev") if not (Path(cfg.data) / f"{s}.jsonl").is_file()]
    if missing:
        raise InvalidInputError(
            f"data directory {cfg.data!r} has no {' or '.join(m + '.jsonl' for m in missing)}; build it with "
            "`python -m training.build_dataset` or pass --data DIR"
        )
    try:
        return finetune.finetune(cfg, log=log or (lambda line: typer.echo(line, err=True)))
    except ValueError as e:  # e.g. max_length beyond the base model's positions
        raise InvalidInputError(str(e)) from None


def run_export(
    checkpoint: Path,
    *,
    out: Path = Path("models/default"),
    dev: Path | None = Path("data/build/dataset/dev.jsonl"),
    quantize: bool = True,
    min_agreement: float = 0.995,
) -> Any:
    """Export a ``train`` checkpoint to a model directory with ``training.export``; return its config.

    With ``dev`` the parity gate compares PyTorch and ONNX decisions on those rows and
    raises ``training.export.ParityError`` below ``min_agreement``; ``dev=None`` skips it.
    """
    export = _training_module("export", "export")
    from feedback_nlp.model_config import TaggerConfig

    if not (checkpoint / "training_state.json").is_file():
        raise InvalidInputError(
            f"{str(checkpoint)!r} is not a checkpoint of `feedback-nlp train` (no training_state.json in it)"
        )
    if dev is not None and not dev.is_file():
        raise InvalidInputError(f"dev file {str(dev)!r} does not exist; pass --dev PATH, or --dev '' to skip the parity gate")
    written = export.export_checkpoint(checkpoint, out, dev=dev, optimize=True, quantize=quantize,
                                       min_agreement=min_agreement)
    return TaggerConfig.load(written)


@app.command("train")
def train_cmd(
    config: Annotated[Optional[Path], typer.Option(
        "--config", help="JSON file of training settings (fields of training.finetune.FinetuneConfig). "
                         "Default: training/configs/default.json.", dir_okay=False, show_default=False)] = None,
    base_model: Annotated[Optional[str], typer.Option(
        "--base-model", help="Model to start from: a local directory (e.g. models/base-zh-mini) or a Hugging Face "
                             "id of a BERT-family checkpoint. Overrides the config.", show_default=False)] = None,
    data: Annotated[Optional[Path], typer.Option(
        "--data", help="Dataset directory with train.jsonl and dev.jsonl (from python -m training.build_dataset). "
                       "Overrides the config.", file_okay=False, show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Where to write the checkpoint (weights, tokenizer, tuned thresholds). Overrides the config.",
        file_okay=False, show_default=False)] = None,
    epochs: Annotated[Optional[int], typer.Option(
        "--epochs", min=1, help="Maximum number of passes over the training set (training stops early when dev "
                                "F1 stops improving). Overrides the config.", show_default=False)] = None,
) -> None:
    """Fine-tune the tagger on the labeled dataset; write a checkpoint for `feedback-nlp export`.

    Needs the training extra: pip install 'feedback-nlp\\[train]'. Progress (one JSON line per epoch) goes to stderr; the checkpoint directory is printed at the end.
    """
    with _exit_on_error():
        checkpoint = run_train(config, base_model=base_model, data=data, out=out, epochs=epochs)
    typer.echo(f"checkpoint -> {checkpoint}")
    typer.echo(f"next: feedback-nlp export {checkpoint} --out models/NAME", err=True)


@app.command("export")
def export_cmd(
    checkpoint: Annotated[Path, typer.Argument(
        help="Checkpoint directory written by `feedback-nlp train`.", file_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Model directory to write (model.onnx, tokenizer.json, tagger_config.json, README.md); "
                      "its tagger_config.json is replaced.", file_okay=False)] = Path("models/default"),
    dev: Annotated[str, typer.Option(
        "--dev", help="Labeled JSONL rows for the parity gate (PyTorch vs ONNX decisions); '' skips the gate.")
    ] = "data/build/dataset/dev.jsonl",
    no_quantize: Annotated[bool, typer.Option(
        "--no-quantize", help="Keep fp32 weights (larger, slightly slower) instead of int8.")] = False,
    min_agreement: Annotated[float, typer.Option(
        "--min-agreement", min=0.0, max=1.0,
        help="Share of (text, tag) decisions that must match PyTorch, or the export fails (exit code 5).")] = 0.995,
) -> None:
    """Export a trained checkpoint to an ONNX model directory that `feedback-nlp tag` can load.

    Fuses the graph, quantizes to int8 (unless --no-quantize) and checks that its decisions match PyTorch's on the dev rows (the parity gate). Needs the training extra: pip install 'feedback-nlp\\[train]'.
    """
    with _exit_on_error():
        parity_error = _training_module("export", "export").ParityError
        try:
            config = run_export(checkpoint, out=out, dev=Path(dev) if dev else None, quantize=not no_quantize,
                                min_agreement=min_agreement)
        except parity_error as e:
            typer.echo(f"export refused: {e}", err=True)
            raise typer.Exit(ExitCode.PARITY) from None
    parity = config.extra.get("parity")
    typer.echo(f"model directory -> {out} (quantization: {config.quantization or 'none (fp32)'})")
    if parity:
        checks = ", ".join(f"{name} {parity[name]['agreement']:.2%}" for name in ("onnx_fp32", "onnx_int8") if name in parity)
        typer.echo(f"parity on {parity['rows']} dev rows (decisions equal to PyTorch): {checks}")
    else:
        typer.echo("parity gate skipped (no --dev rows)", err=True)


def main() -> None:  # pragma: no cover - `python -m feedback_nlp`
    app()
