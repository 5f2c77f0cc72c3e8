"""`python -m training publish` ships a model directory as package data; `migrate-model-dir` upgrades format 1."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="migration edits ONNX graphs: needs the [train] extra")

from feedback_nlp import OnnxTagger  # noqa: E402
from feedback_nlp.errors import InvalidInputError, ModelDirectoryError  # noqa: E402
from feedback_nlp.model_dir import CONFIG_FILE, MANIFEST_FILE, MODEL_FILE, sha256_file  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402
from training.migrate_model_dir import migrate_model_dir  # noqa: E402
from training.publish import publish  # noqa: E402


def test_publish_copies_exactly_the_manifest(tiny_model_dir, tmp_path):
    root = tmp_path / "models"
    root.mkdir()
    dest = publish(tiny_model_dir, "tiny", dest_root=root)
    assert dest == root / "tiny"
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in tiny_model_dir.iterdir())
    assert OnnxTagger.from_pretrained(dest).predict(SENTENCES[:3]) == OnnxTagger.from_pretrained(tiny_model_dir).predict(SENTENCES[:3])
    publish(tiny_model_dir, "tiny", dest_root=root)  # re-publishing replaces it
    assert not list(root.glob(".*"))
    with pytest.raises(InvalidInputError, match="lower-case"):
        publish(tiny_model_dir, "Bad Name", dest_root=root)


def test_publish_refuses_a_directory_that_lies(model_copy, tmp_path):
    (model_copy / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelDirectoryError):
        publish(model_copy, "tiny", dest_root=tmp_path)
    assert not (tmp_path / "tiny").exists()


def _as_format_1(model_dir):
    """What an export of format 1 looked like: no manifest, no metadata in the graph."""
    model = onnx.load(str(model_dir / MODEL_FILE))
    del model.metadata_props[:]
    onnx.save(model, str(model_dir / MODEL_FILE))
    config = json.loads((model_dir / CONFIG_FILE).read_text())
    config.update(format_version=1, onnx_sha256=sha256_file(model_dir / MODEL_FILE))
    (model_dir / CONFIG_FILE).write_text(json.dumps(config))
    (model_dir / MANIFEST_FILE).unlink()


def test_migration_keeps_the_weights_and_the_scores(tiny_model_dir, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(tiny_model_dir, old)
    _as_format_1(old)
    with pytest.raises(ModelDirectoryError, match="migrate-model-dir"):
        OnnxTagger.from_pretrained(old)
    config = migrate_model_dir(old)
    assert config.format_version == 2 and (old / MANIFEST_FILE).is_file()
    assert config.onnx_sha256 in (old / "README.md").read_text()
    np.testing.assert_array_equal(OnnxTagger.from_pretrained(old).predict_proba(SENTENCES),
                                  OnnxTagger.from_pretrained(tiny_model_dir).predict_proba(SENTENCES))
    assert migrate_model_dir(old).onnx_sha256 == config.onnx_sha256  # idempotent
