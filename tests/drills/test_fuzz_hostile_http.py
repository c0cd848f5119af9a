"""Drill 11: hostile JSON bodies against every JSON operation of the four services (issue 14): any depth, any
code point (lone surrogates, controls, bidi and zero-width marks, decomposed Hangul), numbers past 64 bits,
query operators as values, the biggest texts. Never a 5xx; a 4xx is problem+json and stores nothing.
`make test` runs 5 bodies per operation; `make drills` 150."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings

from tests.conftest import STAFF
from tests.drills.harness import Stack, record
from tests.drills.test_fuzz import store_hash
from tests.hostile import hostile_body

pytestmark = pytest.mark.integration


def json_operations(app) -> list[tuple[str, str, list[str]]]:
    """(method, path with placeholders filled, body property names) of every operation taking a JSON body."""
    spec = app.test_client().get("/openapi.json").get_json()
    schemas = spec.get("components", {}).get("schemas", {})
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in ((m, o) for m, o in methods.items() if m in ("post", "put", "patch")):
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if body is None:
                continue
            ref = body["schema"].get("$ref", "")
            properties = list(schemas.get(ref.rsplit("/", 1)[-1], body["schema"]).get("properties", {}))
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "x-1", path), properties))
    return found


@pytest.mark.parametrize("service", ["registration", "activity", "survey", "reporting"])
def test_fuzz_hostile_http(settings, service, scale):
    examples = int(os.environ.get("JAJO_FUZZ_EXAMPLES", scale(5, 150)))
    stack = Stack(settings)
    app = stack.apps[service]
    client = app.test_client()
    failures: list[str] = []
    calls = 0
    statuses: Counter = Counter()
    operations = json_operations(app)
    for method, path, properties in operations:

        @given(raw=hostile_body(properties))
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(raw):
            nonlocal calls
            before = store_hash(stack)
            response = client.open(path, method=method, data=raw, content_type="application/json", headers=STAFF)
            calls += 1
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code} for {raw[:120]!r}")
            elif response.status_code >= 400:
                if response.mimetype != "application/problem+json":
                    failures.append(f"{method} {path}: {response.status_code} is not problem+json")
                if store_hash(stack) != before:
                    failures.append(f"{method} {path}: {response.status_code} changed the stores")

        run()
    record(
        {
            "drill": "fuzz hostile http",
            "service": service,
            "operations": len(operations),
            "calls": calls,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "failures": len(failures),
        }
    )
    assert not failures, "\n".join(sorted(set(failures))[:20])
    assert calls >= examples * len(operations)  # reporting takes no JSON bodies: nothing to send it
