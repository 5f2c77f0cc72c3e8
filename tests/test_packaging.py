"""The wheel: one top-level package with its data, and a working install outside the repository.

The first test builds the wheel once and inspects its file list. The second installs it
into a fresh virtual environment in a temporary directory (dependencies from the package
index; about 30 s) and runs the library and every command there, from a working directory
outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy of what the wheel is made of: no build/ left in the repo, no stale files picked up
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "feedback_nlp", src / "feedback_nlp", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    try:  # build offline with the installed backend when it is recent enough (license expressions: >= 77)
        import setuptools

        isolation = ["--no-build-isolation"] if int(setuptools.__version__.split(".")[0]) >= 77 else []
    except ImportError:
        isolation = []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", *isolation, "-w", str(out), "-q"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("feedback_nlp-*.whl")
    return path


def test_wheel_holds_one_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"feedback_nlp"}
    for required in ("feedback_nlp/models/default/model.onnx", "feedback_nlp/models/default/tokenizer.json",
                     "feedback_nlp/models/default/tagger_config.json", "feedback_nlp/models/default/README.md",
                     "feedback_nlp/models/default/manifest.json", "feedback_nlp/policies/seed004.toml",
                     "feedback_nlp/policies/seed002.toml", "feedback_nlp/scoring/sql/ccr.sql", "feedback_nlp/py.typed",
                     "feedback_nlp/cli/tag.py", "feedback_nlp/evaluation/harness.py"):
        assert required in names, required
    sql = {Path(n).name for n in names if n.startswith("feedback_nlp/scoring/sql/")}
    assert sql == {p.name for p in (REPO / "feedback_nlp" / "scoring" / "sql").glob("*.sql")}
    assert not [n for n in names if "model.fp32.onnx" in n or n.endswith(".pyc")]
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(meta).decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    core = [r for r in requires if "extra ==" not in r]
    assert not [r for r in core if any(x in r for x in ("torch", "transformers", "matplotlib", "pyyaml"))], core
    assert "License-Expression: Apache-2.0" in metadata
    assert any(n.endswith("licenses/LICENSE") for n in names)


LABELED = [
    {"id": "a", "text": "送得太慢，饭都凉了", "labels": ["logistics"], "kind": "plain"},
    {"id": "b", "text": "虾太大了，好吃", "labels": [], "kind": "praise_in_complaint_words"},
    {"id": "c", "text": "尺码偏大，按尺码表买的还是大", "labels": ["size"], "kind": "plain"},
    {"id": "d", "text": "挺好吃的，就是太甜了", "labels": ["taste"], "kind": "plain"},
]


def test_installed_wheel_tags_evaluates_and_scores_outside_the_repo(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK_NLP_MODEL", "PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
        return proc

    python, cli = str(bin_dir / "python"), str(bin_dir / "feedback-nlp")
    loaded = run(python, "-c", "import json, sys, feedback_nlp; t = feedback_nlp.load_tagger(); "
                              "print(json.dumps([t.predict('尺码偏大，按尺码表买的还是大'), str(t.model_dir), feedback_nlp.available_models(), "
                              "sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'training', 'eval'))]))")
    tags, model_dir, names, forbidden = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert tags == ["size"] and "site-packages" in model_dir and "default" in names and forbidden == []
    for module in ("training", "eval"):
        assert subprocess.run([python, "-c", f"import {module}"], cwd=work, env=env, capture_output=True).returncode != 0

    assert "after_sales" in run(cli, "info").stdout
    assert json.loads(run(cli, "tag", "送得太慢，饭都凉了").stdout)["tags"] == ["logistics"]
    (work / "labeled.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in LABELED), encoding="utf-8")
    run(cli, "eval", "labeled.jsonl", "--out", "audit", "--n-boot", "50", "--sample", "2")
    assert (work / "audit" / "report.html").is_file() and json.loads((work / "audit" / "report.json").read_text())
    run(cli, "demo-data", "--out", "demo", "--orders", "400")
    run(cli, "score", "--data", "demo", "--as-of", "2024-06-30", "--out", "scores", "--no-reports")
    assert (work / "scores" / "shop_scores.csv").is_file()
    evaluated = run(python, "-c", "import feedback_nlp; r = feedback_nlp.evaluate('labeled.jsonl', 'default', n_boot=20); "
                                  "print(r.audit.rows_valid)")
    assert evaluated.stdout.strip().splitlines()[-1] == "4"


@pytest.mark.slow
def test_installed_wheel_with_the_serve_extra_serves_http(wheel, tmp_path):
    """`pip install 'feedback-nlp[serve]'` in a fresh environment, then `feedback-nlp serve` answers on loopback."""
    import signal
    import socket
    import time
    import urllib.error
    import urllib.request

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    install = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[serve]"],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK_NLP_MODEL", "PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.Popen([str(env_dir / "bin" / "feedback-nlp"), "serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.2)
        request = urllib.request.Request(f"{base}/v1/tag", data=json.dumps({"texts": ["送得太慢，饭都凉了"]}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = json.loads(r.read())
        assert body["model"]["name"] == "default" and body["results"][0]["tags"] == ["logistics"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
