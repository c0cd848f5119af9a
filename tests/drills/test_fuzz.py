"""Drill 8: schemathesis against every service's OpenAPI, in-process via WSGI.

No 5xx, every response matches the documented schema, and a rejected request leaves the stores unchanged.
`make test` runs 20 examples per operation; `make drills` 200 (JAJO_FUZZ_EXAMPLES overrides). The examples are
derandomized, so CI replays the same ones; JAJO_FUZZ_RANDOM=1 explores new ones (how a bug is hunted).
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.conftest import STAFF
from tests.drills.harness import Stack

pytestmark = pytest.mark.integration


def store_size(stack: Stack) -> tuple:
    return tuple(s.store.events.count_documents({}) + s.store.outbox.count_documents({})
                 for s in stack.write_services().values())


@pytest.mark.parametrize("service", ["registration", "activity", "survey", "reporting"])
def test_fuzz(settings, service, scale):
    examples = int(os.environ.get("JAJO_FUZZ_EXAMPLES", scale(20, 200)))
    explore = os.environ.get("JAJO_FUZZ_RANDOM") == "1"
    stack = Stack(settings)
    app = stack.apps[service]
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=not explore,
                             suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal calls
            before = store_size(stack)
            response = case.call(headers={**STAFF, **(case.headers or {}), "Authorization": STAFF["Authorization"]})
            calls += 1
            if response.status_code >= 400 and store_size(stack) != before:
                failures.append(f"{operation.label}: {response.status_code} changed the stores")
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                         status_code_conformance])
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{operation.label}: {str(exc)[:400]}")

        run()
    for thread in getattr(app.extensions["jajo"].wired, "rebuilds", []):  # POST /admin/rebuild starts these
        thread.join(120)
    assert not failures, "\n".join(sorted(set(failures))[:20])
    assert calls >= examples
