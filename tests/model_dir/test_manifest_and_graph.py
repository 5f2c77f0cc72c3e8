"""A model directory that lies is refused at load (issue 12, item 8), on the shipped model (no torch needed)."""

from __future__ import annotations

import json

import pytest

from feedback_nlp import OnnxTagger, TaggerConfig
from feedback_nlp.errors import ChecksumMismatchError, ModelDirectoryError
from feedback_nlp.model_dir import CONFIG_FILE, MANIFEST_FILE, write_manifest
from feedback_nlp.model_dir.manifest import read_manifest


def _edit_config(model_dir, **changes):
    path = model_dir / CONFIG_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def test_manifest_covers_every_file(shipped_copy):
    listed = read_manifest(shipped_copy)
    assert sorted(listed) == sorted(p.name for p in shipped_copy.iterdir() if p.name != MANIFEST_FILE)
    assert OnnxTagger.from_pretrained(shipped_copy).predict("尺码偏大，按尺码表买的还是大") == ["size"]


def _permute(data):
    labels = list(data["labels"])
    labels[0], labels[2] = labels[2], labels[0]  # quality <-> color
    return labels


def test_permuted_labels_are_caught_by_the_manifest(shipped_copy):
    data = json.loads((shipped_copy / CONFIG_FILE).read_text(encoding="utf-8"))
    _edit_config(shipped_copy, labels=_permute(data))
    with pytest.raises(ChecksumMismatchError, match="tagger_config.json"):
        OnnxTagger.from_pretrained(shipped_copy)


def test_permuted_labels_are_caught_by_the_graph_even_with_a_rewritten_manifest(shipped_copy):
    data = json.loads((shipped_copy / CONFIG_FILE).read_text(encoding="utf-8"))
    _edit_config(shipped_copy, labels=_permute(data))
    write_manifest(shipped_copy)  # a careful liar re-signs the directory
    TaggerConfig.load(shipped_copy)  # the config alone is well-formed...
    with pytest.raises(ModelDirectoryError, match=r"exported with the output columns \['quality', 'size', 'color'"):
        OnnxTagger.from_pretrained(shipped_copy)  # ...but the graph knows its own label order


def test_max_length_beyond_the_graph_positions(shipped_copy):
    _edit_config(shipped_copy, max_length=512)
    write_manifest(shipped_copy)
    with pytest.raises(ModelDirectoryError, match="max_length=512.*at most 256 positions"):
        OnnxTagger.from_pretrained(shipped_copy)


@pytest.mark.parametrize("name", ["tokenizer.json", "README.md", "model.onnx"])
def test_a_changed_file_is_caught(shipped_copy, name):
    path = shipped_copy / name
    if name == "tokenizer.json":
        data = json.loads(path.read_text(encoding="utf-8"))
        vocab = data["model"]["vocab"]
        a, b = list(vocab)[200:202]
        vocab[a], vocab[b] = vocab[b], vocab[a]  # two ids swapped: silently different inputs
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        with open(path, "ab") as f:
            f.write(b"\n")
    with pytest.raises(ChecksumMismatchError, match=name.replace(".", r"\.")):
        OnnxTagger.from_pretrained(shipped_copy)


def test_an_unlisted_or_missing_file_is_caught(shipped_copy):
    (shipped_copy / "extra.bin").write_bytes(b"x")
    with pytest.raises(ModelDirectoryError, match="extra.bin.*does not list"):
        TaggerConfig.load(shipped_copy)
    (shipped_copy / "extra.bin").unlink()
    manifest = json.loads((shipped_copy / MANIFEST_FILE).read_text())
    manifest["sha256"]["vocab.txt"] = "0" * 64
    (shipped_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelDirectoryError, match="missing vocab.txt listed in manifest.json"):
        TaggerConfig.load(shipped_copy)


def test_a_format_1_directory_gets_the_migration_hint(shipped_copy):
    _edit_config(shipped_copy, format_version=1)
    (shipped_copy / MANIFEST_FILE).unlink()
    with pytest.raises(ModelDirectoryError, match="format_version 1.*python -m training migrate-model-dir"):
        TaggerConfig.load(shipped_copy)
