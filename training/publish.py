"""Ship a model: copy a verified model directory into the package as ``feedback_nlp/models/<name>/``.

    python -m training publish models/default --name default

Training writes model directories under ``models/<name>`` (export, eval, model card); a
model ships with the wheel only once it is published, and is then found by name
(``load_tagger("<name>")``, ``feedback-nlp tag --model <name>``). The source is loaded
and checked first (manifest, graph metadata); the files its manifest lists are copied —
except ``model.fp32.onnx``, a benchmark by-product that does not ship — into a temporary
sibling with its own manifest, checked again, which replaces the old copy in one rename.
"""

from __future__ import annotations

import re
import shutil
from os import PathLike
from pathlib import Path

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.model_dir import verify_manifest, write_manifest

__all__ = ["publish", "PACKAGE_MODELS", "MODEL_NAME"]

PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "feedback_nlp" / "models"
MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")
FP32_FILE = "model.fp32.onnx"  # training.export.FP32_FILE, without importing torch


def publish(model_dir: str | PathLike[str], name: str, *, dest_root: Path = PACKAGE_MODELS) -> Path:
    """Copy ``model_dir`` to ``dest_root/name`` after loading it; return the published directory."""
    from feedback_nlp import OnnxTagger

    if not MODEL_NAME.fullmatch(name):
        raise InvalidInputError(f"model name {name!r} must be lower-case letters, digits, - or _ (e.g. accurate)")
    src = Path(model_dir)
    OnnxTagger.from_pretrained(src)  # the whole contract, graph metadata included
    files = [rel for rel in sorted(verify_manifest(src)) if rel != FP32_FILE]
    dest = dest_root / name
    tmp = dest_root / f".{name}.publishing"
    shutil.rmtree(tmp, ignore_errors=True)
    for rel in files:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, tmp / rel)
    write_manifest(tmp)
    OnnxTagger.from_pretrained(tmp)
    old = dest_root / f".{name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return dest
