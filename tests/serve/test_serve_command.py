"""``feedback-nlp serve`` as users run it: a real process on loopback, its exit codes, graceful shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
httpx = pytest.importorskip("httpx", reason="the HTTP client of these tests ([dev] extra)")

from typer.testing import CliRunner  # noqa: E402

from feedback_nlp.cli import app  # noqa: E402
from feedback_nlp.exit_codes import ExitCode  # noqa: E402
from tests.conftest import SENTENCES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {proc.stderr.read()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("serve did not become ready")


def test_sigterm_lets_the_request_in_flight_finish(tiny_model_dir):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # a 3 s batching window keeps the request in flight while the signal arrives
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedback_nlp", "serve", "--model", str(tiny_model_dir), "--port", str(port),
         "--max-wait-ms", "3000", "--threads", "1", "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_ready(base, proc)
        answer: dict = {}
        sent = threading.Thread(target=lambda: answer.update(
            r=httpx.post(f"{base}/v1/tag", json={"texts": SENTENCES[:3]}, timeout=60)))
        started = time.monotonic()
        sent.start()
        while "feedback_nlp_queue_depth 3" not in httpx.get(f"{base}/metrics", timeout=5).text:
            assert time.monotonic() - started < 30, "the request never reached the queue"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        sent.join(60)
        # uvicorn re-raises the signal once it has shut down, so supervisors see the usual status
        assert proc.wait(60) in (0, -signal.SIGTERM), proc.stderr.read()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    response = answer["r"]
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    with pytest.raises(httpx.TransportError):  # and nothing listens any more
        httpx.get(f"{base}/healthz", timeout=2)


def test_unknown_model_exits_3_before_listening():
    result = runner.invoke(app, ["serve", "--model", "no-such-model", "--port", str(_free_port())])
    assert result.exit_code == ExitCode.MODEL and "no shipped model named 'no-such-model'" in result.output


def test_a_taken_port_exits_2(tiny_model_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--model", str(tiny_model_dir), "--port", str(port)])
    assert result.exit_code == ExitCode.USAGE and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_without_the_serve_extra_exits_4_with_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if it were not installed
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == ExitCode.MISSING_DEPENDENCY and "pip install 'feedback-nlp[serve]'" in result.output


def test_bad_settings_exit_2():
    result = runner.invoke(app, ["serve", "--max-batch", "64", "--max-queue", "10", "--port", str(_free_port())])
    assert result.exit_code == ExitCode.USAGE and "max_queue (10) must be at least max_batch (64)" in result.output


def test_help_shows_a_curl_example():
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "curl" in result.output and "--workers" in result.output


def test_workers_get_the_config_from_the_environment(monkeypatch, tiny_model_dir):
    from fastapi.testclient import TestClient

    from feedback_nlp.serve import ServeConfig
    from feedback_nlp.serve.server import CONFIG_ENV_VAR, app_from_env

    monkeypatch.setenv(CONFIG_ENV_VAR, ServeConfig(model=str(tiny_model_dir), max_batch=5).to_json())
    with TestClient(app_from_env()) as client:
        deadline = time.monotonic() + 60
        while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("/v1/model").json()["serving"]["max_batch"] == 5
    assert json.loads(ServeConfig(max_batch=5).to_json())["max_batch"] == 5
