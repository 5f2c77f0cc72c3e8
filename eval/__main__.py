"""``python -m eval``: the repository's evaluation commands (repo-only; the harness is ``feedback_nlp.evaluation``).

    python -m eval audit-sample --out out/audit_sample.jsonl
    python -m eval reports                      # regenerate eval/reports/<model>/ for every shipped model
    python -m eval model-selection --model v1=DIR --model teacher=DIR ...   # docs/model-selection.md tables
    python -m eval faithfulness --model default --split test --card   # evidence faithfulness -> report + model card
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from feedback_nlp.cli.exit_on_error import exit_on_error

app = typer.Typer(name="python -m eval", no_args_is_help=True, add_completion=False,
                  help="Evaluation sets, published reports of the shipped models, and the audit sample.")


@app.command("audit-sample")
def audit_sample_cmd(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.", dir_okay=False)] = Path("out/audit_sample.jsonl"),
    split: Annotated[str, typer.Option("--split", help="train, dev or test.")] = "test",
) -> None:
    """Write the team-written gold records of one frozen split (no third-party text) for `feedback-nlp eval`."""
    from eval.audit_sample import write_audit_sample

    if split not in ("train", "dev", "test"):
        raise typer.BadParameter(f"--split must be train, dev or test, got {split!r}")
    typer.echo(f"{write_audit_sample(out, split=split)} {split}-split written records -> {out}")


@app.command("reports")
def reports_cmd(
    data: Annotated[Path, typer.Option("--data", help="Labeled test split (python -m training build-dataset).",
                                       dir_okay=False)] = Path("data/build/dataset/test.jsonl"),
    out: Annotated[Path, typer.Option("--out", help="Where the published reports live.", file_okay=False)]
    = Path("eval/reports"),
    n_boot: Annotated[int, typer.Option("--n-boot", min=0)] = 1000,
) -> None:
    """Re-run `feedback-nlp eval` on the test split for every shipped model -> eval/reports/<name>/."""
    from eval.published_reports import regenerate

    with exit_on_error():
        for name, path in regenerate(data, out, n_boot=n_boot).items():
            typer.echo(f"{name}: {path}")


@app.command("model-selection")
def model_selection_cmd(
    model: Annotated[list[str], typer.Option("--model", help="NAME=DIR (or a shipped name); repeat for each candidate.")],
    dataset: Annotated[Path, typer.Option("--dataset", help="Built dataset (train/dev/test.jsonl).", file_okay=False)]
    = Path("data/build/dataset"),
    test_v2: Annotated[Path, typer.Option("--test-v2", help="The held-out set from new writers.", dir_okay=False)]
    = Path("eval/sets/test-v2.jsonl"),
    out: Annotated[Path, typer.Option("--out", help="JSON report to write.", dir_okay=False)]
    = Path("eval/reports/model-selection.json"),
    markdown_out: Annotated[Path, typer.Option("--markdown", help="Markdown tables to write.", dir_okay=False)]
    = Path("eval/reports/model-selection.md"),
) -> None:
    """Compare candidate models and a char-ngram baseline on the test split and test-v2, per channel and domain."""
    from eval.model_selection import compare, markdown

    with exit_on_error():
        pairs = dict(m.split("=", 1) if "=" in m else (m, m) for m in model)
        report = compare(dataset, test_v2, pairs)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        markdown_out.write_text(markdown(report), encoding="utf-8")
    typer.echo(f"{out}, {markdown_out}")


@app.command("faithfulness")
def faithfulness_cmd(
    model: Annotated[str, typer.Option("--model", help="A shipped model's name or a model directory.")] = "default",
    split: Annotated[str, typer.Option("--split", help="train, dev or test (read from --dataset).")] = "test",
    dataset: Annotated[Path, typer.Option("--dataset", help="Directory of the built dataset splits.", file_okay=False)]
    = Path("data/build/dataset"),
    out: Annotated[Path | None, typer.Option("--out", help="Default: eval/reports/<model name>/.", file_okay=False)]
    = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random spans.")] = 0,
    units: Annotated[str, typer.Option("--units", help="auto, jieba or tokens.")] = "auto",
    card: Annotated[bool, typer.Option("--card", help="Also write the section into the model card (and manifest).")]
    = False,
) -> None:
    """Remove each emitted tag's top evidence span (and a random span of the same length): how often does the tag drop?"""
    from eval.faithfulness import run_faithfulness

    if split not in ("train", "dev", "test"):
        raise typer.BadParameter(f"--split must be train, dev or test, got {split!r}")
    target = out or Path("eval/reports") / Path(model).name
    command = f"python -m eval faithfulness --model {model} --split {split} --seed {seed}"
    with exit_on_error():
        result = run_faithfulness(model, dataset / f"{split}.jsonl", target, seed=seed, units=units, card=card,
                                  command=command)
    typer.echo(f"{model} on {split}: top span removed -> dropped {result.top_span}; random span of the same length "
               f"-> {result.random_span}; written to {target}" + (" and the model card" if card else ""))


app()
