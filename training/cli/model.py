"""``finetune``, ``export``, ``model-card``, ``publish``, ``migrate-model-dir``: from a base to a shipped model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from feedback_nlp.errors import InvalidInputError
from training.cli.guard import TRAIN_EXTRA_HINT, guarded, training_module

__all__ = ["run_finetune", "run_export", "finetune_cmd", "export_cmd", "model_card_cmd", "publish_cmd", "migrate_cmd"]

_HINT = TRAIN_EXTRA_HINT.replace("[", "\\[")  # rich markup would eat [train]


def run_finetune(
    config: Path | None = None,
    *,
    base_model: str | None = None,
    data: Path | None = None,
    out: Path | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    max_train_examples: int | None = None,
    precision_floor: float | None = None,
    log: Any = None,
) -> Path:
    """Fine-tune a base model with ``training.finetune``; return the checkpoint directory.

    Options left ``None`` keep the value of the config file (default:
    ``training/configs/default.json``). Raises :class:`MissingDependencyError` without the
    ``[train]`` extra and :class:`InvalidInputError` / :class:`ConfigError` for a bad config or data directory.
    """
    finetune = training_module("finetune", "finetune")
    config = config if config is not None else finetune.DEFAULT_CONFIG
    if not config.is_file():
        raise InvalidInputError(f"config file {str(config)!r} does not exist; pass --config PATH")
    try:
        cfg = finetune.FinetuneConfig.from_file(
            config, base_model=base_model, data=None if data is None else str(data),
            out=None if out is None else str(out), epochs=epochs, seed=seed, max_train_examples=max_train_examples,
            precision_floor=precision_floor,
        )
    except (ValueError, TypeError) as e:
        raise InvalidInputError(f"{config}: {e}") from None
    missing = [s for s in ("train", "dev") if not (Path(cfg.data) / f"{s}.jsonl").is_file()]
    if missing:
        raise InvalidInputError(
            f"data directory {cfg.data!r} has no {' or '.join(m + '.jsonl' for m in missing)}; build it with "
            "`python -m training build-dataset` or pass --data DIR"
        )
    return finetune.finetune(cfg, log=log or (lambda line: typer.echo(line, err=True)))


def run_export(
    checkpoint: Path,
    *,
    out: Path = Path("models/default"),
    dev: Path | None = Path("data/build/dataset/dev.jsonl"),
    quantize: bool = True,
    optimize: bool = True,
    min_agreement: float = 0.995,
    keep_fp32: bool = False,
) -> Any:
    """Export a ``finetune`` checkpoint to a model directory with ``training.export``; return its config.

    With ``dev`` the parity gate compares PyTorch and ONNX decisions on those rows and
    raises :class:`~feedback_nlp.errors.ParityError` below ``min_agreement``; ``dev=None`` skips it.
    """
    export = training_module("export", "export")
    from feedback_nlp.model_dir import TaggerConfig

    if not (checkpoint / "training_state.json").is_file():
        raise InvalidInputError(
            f"{str(checkpoint)!r} is not a checkpoint of `python -m training finetune` (no training_state.json in it)"
        )
    if dev is not None and not dev.is_file():
        raise InvalidInputError(f"dev file {str(dev)!r} does not exist; pass --dev PATH, or --dev '' to skip the parity gate")
    written = export.export_checkpoint(checkpoint, out, dev=dev, optimize=optimize, quantize=quantize,
                                       min_agreement=min_agreement, keep_fp32=keep_fp32)
    return TaggerConfig.load(written)


def finetune_cmd(
    config: Annotated[Optional[Path], typer.Option(
        "--config", help="JSON file of training settings (fields of training.finetune.FinetuneConfig). "
                         "Default: training/configs/default.json.", dir_okay=False, show_default=False)] = None,
    base_model: Annotated[Optional[str], typer.Option(
        "--base-model", help="Model to start from: a local directory (e.g. models/base-zh-mini) or a Hugging Face "
                             "id of a BERT-family checkpoint. Overrides the config.", show_default=False)] = None,
    data: Annotated[Optional[Path], typer.Option(
        "--data", help="Dataset directory with train.jsonl and dev.jsonl (from python -m training build-dataset). "
                       "Overrides the config.", file_okay=False, show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Where to write the checkpoint (weights, tokenizer, tuned thresholds). Overrides the config.",
        file_okay=False, show_default=False)] = None,
    epochs: Annotated[Optional[int], typer.Option(
        "--epochs", min=1, help="Maximum number of passes over the training set (training stops early when dev "
                                "F1 stops improving). Overrides the config.", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed. Overrides the config.",
                                                show_default=False)] = None,
    max_train_examples: Annotated[Optional[int], typer.Option(
        "--max-train-examples", min=0, help="Use only this many training texts (smoke runs). Overrides the config.",
        show_default=False)] = None,
    precision_floor: Annotated[Optional[float], typer.Option(
        "--precision-floor", help="Dev precision each tag's threshold must reach. Overrides the config.",
        show_default=False)] = None,
    retune_thresholds: Annotated[Optional[Path], typer.Option(
        "--retune-thresholds", metavar="CHECKPOINT", file_okay=False, show_default=False,
        help="Do not train: only re-tune the dev thresholds of this fine-tuned checkpoint.")] = None,
) -> None:
    with guarded():
        if retune_thresholds is not None:
            training_module("finetune", "finetune").retune_thresholds(str(retune_thresholds), precision_floor)
            typer.echo(f"thresholds re-tuned -> {retune_thresholds}")
            return
        checkpoint = run_finetune(config, base_model=base_model, data=data, out=out, epochs=epochs, seed=seed,
                                  max_train_examples=max_train_examples, precision_floor=precision_floor)
    typer.echo(f"checkpoint -> {checkpoint}")
    typer.echo(f"next: python -m training export {checkpoint} --out models/NAME", err=True)


finetune_cmd.__doc__ = f"""Fine-tune the tagger on the labeled dataset; write a checkpoint for `python -m training export`.

Needs the training extra: {_HINT}. Progress (one JSON line per epoch) goes to stderr; the checkpoint directory is printed at the end.
"""


def export_cmd(
    checkpoint: Annotated[Path, typer.Argument(
        help="Checkpoint directory written by `python -m training finetune`.", file_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Model directory to write (model.onnx, tokenizer.json, tagger_config.json, README.md, "
                      "manifest.json); its config and manifest are replaced.", file_okay=False)] = Path("models/default"),
    dev: Annotated[str, typer.Option(
        "--dev", help="Labeled JSONL rows for the parity gate (PyTorch vs ONNX decisions); '' skips the gate.")
    ] = "data/build/dataset/dev.jsonl",
    no_quantize: Annotated[bool, typer.Option(
        "--no-quantize", help="Keep fp32 weights (larger, slightly slower) instead of int8.")] = False,
    no_optimize: Annotated[bool, typer.Option(
        "--no-optimize", help="Skip ONNX Runtime's graph fusions (attention, LayerNorm, GELU).")] = False,
    keep_fp32: Annotated[bool, typer.Option(
        "--keep-fp32", help="Also keep model.fp32.onnx in the directory (for benchmarks).")] = False,
    min_agreement: Annotated[float, typer.Option(
        "--min-agreement", min=0.0, max=1.0,
        help="Share of (text, tag) decisions that must match PyTorch, or the export fails (exit code 5).")] = 0.995,
) -> None:
    with guarded():
        config = run_export(checkpoint, out=out, dev=Path(dev) if dev else None, quantize=not no_quantize,
                            optimize=not no_optimize, min_agreement=min_agreement, keep_fp32=keep_fp32)
    parity = config.extra.get("parity")
    typer.echo(f"model directory -> {out} (quantization: {config.quantization or 'none (fp32)'})")
    if parity:
        checks = ", ".join(f"{name} {parity[name]['agreement']:.2%}" for name in ("onnx_fp32", "onnx_int8") if name in parity)
        typer.echo(f"parity on {parity['rows']} dev rows (decisions equal to PyTorch): {checks}")
    else:
        typer.echo("parity gate skipped (no --dev rows)", err=True)


export_cmd.__doc__ = f"""Export a trained checkpoint to an ONNX model directory that `feedback-nlp tag --model DIR` can load.

Fuses the graph, quantizes to int8 (unless --no-quantize), records the label order in the graph and checks that its decisions match PyTorch's on the dev rows (the parity gate). Needs the training extra: {_HINT}.
"""


def model_card_cmd(
    model: Annotated[Path, typer.Argument(help="Model directory whose README.md is written.", file_okay=False)],
    report: Annotated[Path, typer.Option("--report", help="report.json of `feedback-nlp eval` on the test split.",
                                         dir_okay=False)],
    checkpoint: Annotated[Optional[Path], typer.Option(
        "--checkpoint", help="The finetune checkpoint (for the Training section).", file_okay=False)] = None,
    data_card: Annotated[Optional[Path], typer.Option(
        "--data-card", help="data_card.json of build-dataset (for the Data section).", dir_okay=False)] = None,
    report_v2: Annotated[Optional[Path], typer.Option(
        "--report-v2", help="report.json of `feedback-nlp eval` on eval/sets/test-v2.jsonl (held-out writers).",
        dir_okay=False)] = None,
    dataset: Annotated[Optional[Path], typer.Option(
        "--dataset", help="Built dataset: with it the card gets the operating-points table (dev thresholds, test and "
                          "test-v2 precision/recall).", file_okay=False)] = None,
) -> None:
    """Write a model directory's README.md (model card) from an eval report; every number comes from the report."""
    from training.model_card import write_model_card

    with guarded():
        test_v2 = Path(__file__).resolve().parents[2] / "eval" / "sets" / "test-v2.jsonl"
        path = write_model_card(model, report, checkpoint=checkpoint, data_card=data_card, report_v2=report_v2,
                                test=dataset / "test.jsonl" if dataset else None, dev=dataset / "dev.jsonl" if dataset else None,
                                test_v2=test_v2 if dataset and test_v2.is_file() else None)
    typer.echo(f"wrote {path}")


def publish_cmd(
    model: Annotated[Path, typer.Argument(help="A model directory written by export (e.g. models/accurate).",
                                          file_okay=False)],
    name: Annotated[str, typer.Option("--name", help="Name to ship it under: load_tagger(NAME), --model NAME.")],
) -> None:
    """Ship a model: verify it and copy it into feedback_nlp/models/NAME/ (package data, in the wheel)."""
    from training.publish import publish

    with guarded():
        dest = publish(model, name)
    typer.echo(f"published {model} -> {dest}; commit it, then load_tagger({name!r}) finds it")


def migrate_cmd(
    model: Annotated[Path, typer.Argument(help="A format-1 model directory (no manifest.json).", file_okay=False)],
    max_positions: Annotated[Optional[int], typer.Option(
        "--max-positions", min=1, help="Position limit of the encoder, when the graph's table cannot be found.")] = None,
) -> None:
    """Migrate a model directory to format 2 (manifest of every file, label order in the graph); weights unchanged."""
    with guarded():
        config = training_module("migrate_model_dir", "migrate-model-dir").migrate_model_dir(model, max_positions=max_positions)
    typer.echo(f"{model}: format_version {config.format_version}, model.onnx sha256 {config.onnx_sha256}")
