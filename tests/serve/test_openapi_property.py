"""Property-based test of the OpenAPI schema (schemathesis) against a real server: no 5xx, responses match it.

Bounded: a fixed number of generated requests per operation, valid and invalid bodies both.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
schemathesis = pytest.importorskip("schemathesis", reason="the property test needs schemathesis ([dev] extra)")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from feedback_nlp.serve import ServeConfig, create_app  # noqa: E402
from tests.serve.conftest import live_server  # noqa: E402

EXAMPLES_PER_OPERATION = 40
# Requests that break the schema must be refused with a 4xx: 413 is how this API refuses a text longer than
# maxLength or more texts than maxItems (the issue asks for it), which schemathesis does not expect by default.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": [400, 405, 413, 415, 422]}}})


def _one_context_per_text(case):
    """The one rule JSON Schema cannot state: as many contexts as texts (else 422). Pads or cuts contexts."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("texts"), list) and isinstance(body.get("contexts"), list):
        n = len(body["texts"])
        body["contexts"] = (body["contexts"] + [None] * n)[:n]
    return case


def test_generated_requests_never_get_a_server_error(serve_tagger):
    config = ServeConfig(max_batch=16, max_text_chars=300)
    with live_server(create_app(config, tagger=serve_tagger)) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json", config=CONFIG)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/v1/tag", "/v1/model", "/healthz", "/metrics"}
        statuses: dict[str, set[int]] = {}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy(generation_mode=mode).map(_one_context_per_text))
                def check(case):
                    response = case.call_and_validate(base_url=base)  # not_a_server_error, conformance checks
                    statuses.setdefault(case.operation.path, set()).add(response.status_code)

                try:
                    check()
                except Unsatisfiable:
                    # GET operations take no input at all: nothing can break their schema
                    assert mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET", operation.path
    # the generator reached the API itself, not only its error paths
    assert 200 in statuses["/v1/tag"] and statuses["/v1/tag"] & {413, 422}
