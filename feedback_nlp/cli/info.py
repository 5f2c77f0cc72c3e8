"""``feedback-nlp info``: what a model is (labels, thresholds, checksums, versions) and which models ship."""

from __future__ import annotations

import json
from os import PathLike
from typing import Annotated, Any

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error
from feedback_nlp.cli.options import ModelOption
from feedback_nlp.model_dir import TaggerConfig, available_models, resolve_model_dir
from feedback_nlp.taxonomy import TAGS_BY_ID

__all__ = ["run_info", "info_cmd"]


def run_info(model: str | PathLike[str] | None = None) -> dict[str, Any]:
    """The model card summary of a model (a shipped name or a directory; verifies it, manifest included)."""
    root = resolve_model_dir(model)
    config = TaggerConfig.load(root)
    return {
        "model_dir": str(root),
        "shipped_models": available_models(),
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


def info_cmd(
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    list_models: Annotated[bool, typer.Option("--list", help="Only list the names of the shipped models.")] = False,
) -> None:
    """Show a model: labels (with Chinese names), thresholds, sha256, versions; or --list the shipped models."""
    if list_models:
        typer.echo("\n".join(available_models()))
        return
    with exit_on_error():
        info = run_info(model)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        _print_info(info)
