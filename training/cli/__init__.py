"""``python -m training``: the repository's training command line (repo-only; needs the ``[train]`` extra).

One typer app with a subcommand per step; the Makefile and the notebook use it. Every
subcommand wraps a plain function of its ``training`` module (tests call those
directly), imported only when the subcommand runs, so ``--help`` works without torch and
a missing extra ends in ``pip install 'feedback-nlp[train]'`` (exit 4). Exit codes are the
library's table (``feedback_nlp.exit_codes``) plus 5: an export refused by the parity gate.
"""

from __future__ import annotations

import typer

from training.cli.data import build_dataset_cmd, build_mlm_corpus_cmd, merge_annotations_cmd, sample_for_annotation_cmd
from training.cli.distillation import convert_e5_cmd, distill_cmd, export_calibrated_cmd, teacher_cmd
from training.cli.guard import TRAIN_EXTRA_HINT
from training.cli.model import (
    export_cmd,
    finetune_cmd,
    migrate_cmd,
    model_card_cmd,
    publish_cmd,
    run_export,
    run_finetune,
)
from training.cli.pretraining import prepare_pretraining_cmd, pretrain_cmd, sentiment_app

__all__ = ["app", "main", "run_finetune", "run_export", "TRAIN_EXTRA_HINT"]

app = typer.Typer(
    name="python -m training",
    no_args_is_help=True,
    add_completion=False,
    help=(
        "Build the data, pretrain a base, fine-tune, export, card and publish the feedback-nlp tagger.\n\n"
        "The v2 path: build-dataset -> convert-e5 -> teacher -> export-calibrated (accurate) -> distill -> "
        "export-calibrated (default) -> (feedback-nlp eval) -> model-card -> publish. The v1 path: finetune -> export. "
        "Exit codes: 0 ok; 2 usage error; 3 model error; 4 missing dependency "
        "(pip install 'feedback-nlp\\[train]'); 5 export refused by the parity gate."
    ),
)
app.command("build-dataset")(build_dataset_cmd)
app.command("build-mlm-corpus")(build_mlm_corpus_cmd)
app.command("sample-for-annotation")(sample_for_annotation_cmd)
app.command("merge-annotations")(merge_annotations_cmd)
app.command("prepare-pretraining")(prepare_pretraining_cmd)
app.command("pretrain")(pretrain_cmd)
app.add_typer(sentiment_app, name="sentiment-adapt")
app.command("finetune")(finetune_cmd)
app.command("export")(export_cmd)
app.command("model-card")(model_card_cmd)
app.command("publish")(publish_cmd)
app.command("migrate-model-dir")(migrate_cmd)
app.command("convert-e5")(convert_e5_cmd)
app.command("teacher")(teacher_cmd)
app.command("distill")(distill_cmd)
app.command("export-calibrated")(export_calibrated_cmd)


def main() -> None:  # pragma: no cover
    app(prog_name="python -m training")
