"""`python -m training finetune` and `export`: thin wrappers over training.finetune / training.export."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app as library_app
from feedback_nlp.errors import InvalidInputError, MissingDependencyError
from feedback_nlp.exit_codes import ExitCode
from feedback_nlp.model_dir import TaggerConfig
from training.cli import TRAIN_EXTRA_HINT, app, run_export
from training.cli import run_finetune as run_train

runner = CliRunner()
HINT = "pip install 'feedback-nlp[train]'"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    """Help output with rich's line wrapping undone."""
    return " ".join(text.replace("│", " ").split())


def test_hint_is_the_exact_pip_command():
    assert TRAIN_EXTRA_HINT == HINT


def test_train_help():
    result = invoke("finetune", "--help")
    assert result.exit_code == 0
    text = flat(result.output)
    for option in ("--config", "--base-model", "--data", "--out", "--epochs"):
        assert option in text
    assert "Fine-tune the tagger" in text and HINT in text and "Hugging Face id" in text


def test_export_help_and_main_help():
    result = invoke("export", "--help")
    assert result.exit_code == 0
    text = flat(result.output)
    for option in ("CHECKPOINT", "--out", "--dev", "--no-quantize", "--min-agreement", "models/default", "0.995"):
        assert option.lower() in text.lower()
    assert "parity gate" in text and HINT in text
    main = flat(invoke("--help").output)
    assert "finetune" in main and "export" in main and "4 missing dependency" in main
    library = flat(CliRunner().invoke(library_app, ["--help"]).output)
    assert "4 missing optional dependency" in library and "train" not in library.split("Commands")[-1]


@pytest.fixture
def no_torch(monkeypatch):
    """Pretend the [train] extra is not installed: importing torch fails, training modules are re-imported."""
    monkeypatch.setitem(sys.modules, "torch", None)
    for name in ("training.finetune", "training.export"):
        monkeypatch.delitem(sys.modules, name, raising=False)


@pytest.mark.parametrize("args", [("finetune",), ("export", "runs/finetune")])
def test_missing_dependency_exits_4_with_the_hint(no_torch, args):
    result = invoke(*args)
    assert result.exit_code == ExitCode.MISSING_DEPENDENCY == 4
    assert HINT in result.stderr and "torch" in result.stderr
    assert result.stdout == ""


def test_missing_dependency_from_plain_functions(no_torch, tmp_path):
    with pytest.raises(MissingDependencyError, match=r"pip install 'feedback-nlp\[train\]'"):
        run_train()
    with pytest.raises(ImportError):  # MissingDependencyError is an ImportError too
        run_export(tmp_path)


def _write_config(path, **settings):
    path.write_text(json.dumps({"max_length": 32, "context_max_length": 8, "batch_size": 4, "max_train_examples": 8,
                                "device": "cpu", "epochs": 3, **settings}))
    return path


def test_train_runs_and_overrides_the_config(tiny_base_dir, tiny_dataset_dir, tmp_path):
    config = _write_config(tmp_path / "cfg.json", base_model="nowhere", out=str(tmp_path / "ignored"))
    out = tmp_path / "ckpt"
    result = invoke("finetune", "--config", config, "--base-model", tiny_base_dir, "--data", tiny_dataset_dir,
                    "--out", out, "--epochs", 1)
    assert result.exit_code == ExitCode.OK, result.output
    assert f"checkpoint -> {out}" in result.stdout
    assert '"epoch": 1' in result.stderr and "python -m training export" in result.stderr
    state = json.loads((out / "training_state.json").read_text(encoding="utf-8"))
    assert state["config"]["epochs"] == 1 and state["config"]["base_model"] == str(tiny_base_dir)
    assert not (tmp_path / "ignored").exists()


def test_train_usage_errors_exit_2(tiny_base_dir, tiny_dataset_dir, tmp_path):
    bad = _write_config(tmp_path / "bad.json", lr=5)
    result = invoke("finetune", "--config", bad, "--data", tiny_dataset_dir)
    assert result.exit_code == ExitCode.USAGE and "lr must be in (0, 1), got 5" in result.stderr
    unknown = _write_config(tmp_path / "unknown.json", learning_rate=1e-4)
    result = invoke("finetune", "--config", unknown)
    assert result.exit_code == ExitCode.USAGE and "unknown config keys ['learning_rate']" in result.stderr
    result = invoke("finetune", "--config", tmp_path / "missing.json")
    assert result.exit_code == ExitCode.USAGE and "does not exist" in result.stderr
    good = _write_config(tmp_path / "good.json", base_model=str(tiny_base_dir))
    result = invoke("finetune", "--config", good, "--data", tmp_path / "no-data")
    assert result.exit_code == ExitCode.USAGE and "train.jsonl or dev.jsonl" in result.stderr
    assert "python -m training build-dataset" in result.stderr
    assert invoke("finetune", "--epochs", 0).exit_code == ExitCode.USAGE
    with pytest.raises(InvalidInputError, match="lr must be"):
        run_train(bad, data=tiny_dataset_dir)


def test_export_runs_on_a_tiny_checkpoint(tiny_checkpoint, tiny_dataset_dir, tmp_path):
    out = tmp_path / "model"
    result = invoke("export", tiny_checkpoint, "--out", out, "--dev", tiny_dataset_dir / "dev.jsonl", "--no-quantize")
    assert result.exit_code == ExitCode.OK, result.output
    assert f"model directory -> {out} (quantization: none (fp32))" in result.stdout
    assert "parity on 12 dev rows (decisions equal to PyTorch): onnx_fp32 100.00%" in result.stdout
    config = TaggerConfig.load(out)
    assert config.quantization is None and config.extra["parity"]["min_agreement"] == 0.995
    tagged = CliRunner().invoke(library_app, ["tag", "物流太慢了", "-m", str(out)])
    assert tagged.exit_code == ExitCode.OK and json.loads(tagged.stdout)["text"] == "物流太慢了"


def test_export_parity_failure_exits_5(tiny_checkpoint, tiny_dataset_dir, tmp_path, monkeypatch):
    import training.export as export

    real = export._onnx_forward
    monkeypatch.setattr(export, "_onnx_forward", lambda path: (lambda arrays: 1 - real(path)(arrays)))  # an export that drifted
    result = invoke("export", tiny_checkpoint, "--out", tmp_path / "model", "--dev", tiny_dataset_dir / "dev.jsonl",
                    "--no-quantize")
    assert result.exit_code == ExitCode.PARITY == 5
    assert "export refused: parity gate failed" in result.stderr
    assert not (tmp_path / "model" / "tagger_config.json").exists()


def test_export_usage_errors_exit_2(tiny_checkpoint, tmp_path):
    result = invoke("export", tmp_path, "--out", tmp_path / "m")
    assert result.exit_code == ExitCode.USAGE and "no training_state.json" in result.stderr
    result = invoke("export", tiny_checkpoint, "--out", tmp_path / "m", "--dev", tmp_path / "missing.jsonl")
    assert result.exit_code == ExitCode.USAGE and "--dev ''" in result.stderr
    result = invoke("export", tiny_checkpoint, "--min-agreement", 1.5)
    assert result.exit_code == ExitCode.USAGE
    assert not (tmp_path / "m").exists()
