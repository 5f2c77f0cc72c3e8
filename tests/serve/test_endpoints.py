"""The endpoints through FastAPI's test client, on the tiny model (and the shipped one for the card)."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx ([dev] extra)")

from fastapi.testclient import TestClient  # noqa: E402

from feedback_nlp.serve import ServeConfig, create_app  # noqa: E402
from feedback_nlp.serve.model_info import card_summary  # noqa: E402
from tests.conftest import SENTENCES, SHIPPED_MODEL  # noqa: E402
from tests.serve.conftest import metric_value  # noqa: E402


@pytest.fixture
def client(serve_tagger):
    with TestClient(create_app(ServeConfig(max_batch=16, max_text_chars=200), tagger=serve_tagger)) as c:
        yield c


def _tag(client, texts, **extra):
    return client.post("/v1/tag", json={"texts": texts, **extra})


def test_tag_gives_the_library_results(client, serve_tagger):
    texts = SENTENCES[:6] + [None, "  ", "质量太差了" * 20]
    response = _tag(client, texts)
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == {"name": serve_tagger.model_dir.name, "sha256": serve_tagger.config.onnx_sha256}
    assert body["warnings"] == []
    expected = serve_tagger.tag(texts)
    assert [r["tags"] for r in body["results"]] == [e.tags for e in expected]
    assert [r["status"] for r in body["results"]] == [e.status for e in expected]
    assert [r["status"] for r in body["results"]][-3:] == ["empty", "empty", "truncated"]
    for got, want in zip(body["results"], expected):
        assert list(got["scores"]) == list(serve_tagger.labels)
        np.testing.assert_allclose(list(got["scores"].values()), list(want.scores.values()), atol=1e-6)


def test_empty_list_gives_no_results(client):
    response = _tag(client, [])
    assert response.status_code == 200 and response.json()["results"] == []


def test_contexts_reach_a_context_model(tiny_context_model_dir):
    from feedback_nlp import OnnxTagger

    tagger = OnnxTagger.from_pretrained(tiny_context_model_dir, intra_op_threads=1, batch_size=64)
    texts, contexts = SENTENCES[:4], ["连衣裙", None, "耳机", ""]
    with TestClient(create_app(tagger=tagger)) as c:
        body = _tag(c, texts, contexts=contexts).json()
    want = tagger.tag(texts, contexts)
    assert body["warnings"] == []
    for got, w in zip(body["results"], want):
        np.testing.assert_allclose(list(got["scores"].values()), list(w.scores.values()), atol=1e-6)
    # the context changes what the model sees: the scores differ from the same texts without context
    alone = tagger.predict_proba(texts)
    assert not np.allclose([list(r["scores"].values()) for r in body["results"]][0], alone[0], atol=1e-6)


def test_contexts_for_a_model_without_context_are_ignored_with_a_warning(client, serve_tagger):
    body = _tag(client, SENTENCES[:2], contexts=["连衣裙", None]).json()
    assert body["warnings"] and "contexts are ignored" in body["warnings"][0]
    assert [r["tags"] for r in body["results"]] == serve_tagger.predict(SENTENCES[:2])


@pytest.mark.parametrize("payload, where", [
    ({"texts": [1]}, "texts[0]"),
    ({"texts": ["ok", {"a": 1}]}, "texts[1]"),
    ({"texts": "送得太慢"}, "texts"),
    ({}, "texts"),
    ({"text": ["送得太慢"]}, "texts"),
    ({"texts": ["a"], "contexts": [3]}, "contexts[0]"),
    ({"texts": ["a"], "extra": 1}, "extra"),
    ([1, 2], "body"),
])
def test_malformed_bodies_are_422_naming_the_field(client, payload, where):
    response = client.post("/v1/tag", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request" and where in body["message"]
    assert any(d["loc"].startswith(where) for d in body["detail"])


def test_invalid_json_and_mismatched_contexts_are_422(client):
    bad = client.post("/v1/tag", content=b'{"texts": [', headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "JSON" in bad.json()["message"]
    mismatch = _tag(client, ["a", "b"], contexts=["x"])
    assert mismatch.status_code == 422 and "contexts has 1 items but texts has 2" in mismatch.json()["message"]


def test_too_many_texts_too_long_texts_and_too_large_bodies_are_413(serve_tagger):
    config = ServeConfig(max_batch=8, max_text_chars=200, max_body_bytes=4096)
    with TestClient(create_app(config, tagger=serve_tagger)) as c:
        many = _tag(c, ["好"] * 9)
        assert many.status_code == 413 and "at most 8 per request" in many.json()["message"]
        long_text = _tag(c, ["好", "差" * 201])
        assert long_text.status_code == 413 and "texts[1] has 201 characters" in long_text.json()["message"]
        long_context = _tag(c, ["好"], contexts=["差" * 201])
        assert long_context.status_code == 413 and "contexts[0]" in long_context.json()["message"]
        huge = c.post("/v1/tag", content=json.dumps({"texts": ["x" * 5000]}), headers={"content-type": "application/json"})
        assert huge.status_code == 413 and huge.json()["error"] == "too_large"
        assert _tag(c, ["好"] * 8).status_code == 200  # the limits themselves are accepted


def test_unknown_routes_and_methods_are_json_errors(client):
    missing = client.get("/v2/tag")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = client.get("/v1/tag")
    assert wrong.status_code == 405 and wrong.json()["message"]


def test_model_endpoint_describes_the_model_and_limits(client, serve_tagger):
    info = client.get("/v1/model").json()
    assert [label["tag"] for label in info["labels"]] == list(serve_tagger.labels)
    assert {label["tag"]: label["threshold"] for label in info["labels"]} == serve_tagger.thresholds
    assert info["labels"][0]["name_zh"] and info["sha256"] == serve_tagger.config.onnx_sha256
    assert info["versions"] == serve_tagger.config.versions and info["max_length"] == serve_tagger.config.max_length
    assert info["serving"]["max_batch"] == 16 and info["serving"]["max_text_chars"] == 200


def test_card_summary_is_the_evaluation_table_of_the_shipped_card():
    summary = card_summary((SHIPPED_MODEL / "README.md").read_text(encoding="utf-8"))
    assert "micro precision" in summary and "| metric |" in summary
    assert "Per tag" not in summary and "## Files" not in summary
    assert card_summary("# no evaluation here\n") == ""


def test_healthz_is_ready_only_once_the_model_is_loaded(tiny_model_dir):
    app = create_app(ServeConfig(model=str(tiny_model_dir)))
    with TestClient(app) as c:
        seen = set()
        deadline = time.monotonic() + 60
        while (r := c.get("/healthz")).status_code != 200 and time.monotonic() < deadline:
            seen.add(r.json()["status"])
            if r.json()["status"] == "loading":
                tagging = _tag(c, ["好"])
                assert tagging.status_code in (503, 200)
                if tagging.status_code == 503:
                    assert tagging.headers["retry-after"] == "1"
            time.sleep(0.01)
        assert r.status_code == 200 and r.json()["status"] == "ok" and seen <= {"loading"}
        assert r.json()["model"]["name"] == tiny_model_dir.name
        assert _tag(c, ["好"]).status_code == 200


def test_a_model_that_fails_to_load_is_reported_not_served(model_copy):
    (model_copy / "model.onnx").write_bytes(b"not an onnx graph")
    with TestClient(create_app(ServeConfig(model=str(model_copy)))) as c:
        deadline = time.monotonic() + 30
        while (r := c.get("/healthz")).json()["status"] == "loading" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.status_code == 503 and r.json()["status"] == "failed" and "sha256" in r.json()["message"]
        failed = _tag(c, ["好"])
        assert failed.status_code == 503 and "could not be loaded" in failed.json()["message"]


def test_full_queue_is_503_with_retry_after(serve_tagger):
    # max_batch 4, queue 4, and a long wait: 3 queued texts hold the batch open, 2 more do not fit
    config = ServeConfig(max_batch=4, max_queue=4, max_wait_ms=2000, retry_after_s=3)
    with TestClient(create_app(config, tagger=serve_tagger)) as c:
        first: dict = {}
        waiting = threading.Thread(target=lambda: first.update(r=_tag(c, SENTENCES[:3])))
        waiting.start()
        deadline = time.monotonic() + 10
        while "feedback_nlp_queue_depth 3" not in c.get("/metrics").text and time.monotonic() < deadline:
            time.sleep(0.005)
        refused = _tag(c, SENTENCES[3:5])
        assert refused.status_code == 503 and refused.headers["retry-after"] == "3"
        assert refused.json()["error"] == "unavailable" and "waiting" in refused.json()["message"]
        waiting.join()
    assert first["r"].status_code == 200 and len(first["r"].json()["results"]) == 3



def test_metrics_count_requests_errors_latency_and_batches(client):
    _tag(client, SENTENCES[:3])
    _tag(client, [1])
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'feedback_nlp_requests_total{path="/v1/tag",status="200"} 1' in text
    assert 'feedback_nlp_request_errors_total{path="/v1/tag",status="422"} 1' in text
    assert 'feedback_nlp_request_duration_seconds_count{path="/v1/tag"} 2' in text
    assert 'feedback_nlp_request_duration_seconds_bucket{path="/v1/tag",le="+Inf"} 2' in text
    assert metric_value(text, "feedback_nlp_batch_size_count") == 1 and metric_value(text, "feedback_nlp_batch_size_sum") == 3
    assert "feedback_nlp_texts_total 3" in text and "feedback_nlp_queue_depth 0" in text
    assert "feedback_nlp_ready 1" in text and "feedback_nlp_model_info{" in text
    for line in text.splitlines():  # every sample line is `name{labels} number`
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_openapi_schema_has_examples_and_error_responses(client):
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/v1/tag"]["post"]
    assert {"200", "413", "422", "503"} <= set(post["responses"])
    request_schema = schema["components"]["schemas"]["TagRequest"]
    assert request_schema["examples"][0]["texts"]
    assert schema["components"]["schemas"]["TagResponse"]["examples"][0]["results"][0]["tags"] == ["logistics"]
    assert set(schema["paths"]) >= {"/v1/tag", "/v1/model", "/healthz", "/metrics"}


def test_a_chunked_body_without_length_is_limited_too(serve_tagger):
    config = ServeConfig(max_batch=8, max_body_bytes=4096)
    with TestClient(create_app(config, tagger=serve_tagger)) as c:
        def chunks():
            yield b'{"texts": ["'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"]}'

        response = c.post("/v1/tag", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413 and "at most 4096" in response.json()["message"]
