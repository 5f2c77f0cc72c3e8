"""The library must run without torch and without the training package."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


FORBIDDEN = "('torch', 'transformers', 'training')"


def test_import_does_not_load_torch_or_training():
    found = _run(f"""
        import json, sys
        import feedback_nlp, feedback_nlp.cli, feedback_nlp.rows, feedback_nlp.model_dir, feedback_nlp.tagging.onnx_tagger
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN})))
    """)
    assert found == []


def test_tagging_does_not_load_torch_or_training(tiny_model_dir):
    found = _run(f"""
        import json, sys
        import feedback_nlp
        tagger = feedback_nlp.OnnxTagger.from_pretrained({str(tiny_model_dir)!r})
        tagger.tag(["质量太差了", None])
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN})))
    """)
    assert found == []
