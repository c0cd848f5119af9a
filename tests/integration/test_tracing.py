"""One trace from an HTTP command through the outbox, the relay and real Kafka to reporting's projector."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from jajo import tracing
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from tests.conftest import STAFF
from tests.topics import read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def spans():
    """Tracing on for this test only, its spans kept in memory (before `background`: set up first, shut last)."""
    exporter = InMemorySpanExporter()
    assert tracing.setup("jajo-test", exporter=exporter)
    yield exporter
    tracing.shutdown()
    assert not tracing.enabled()


def chain(span, by_id: dict) -> list:
    """The span and its ancestors up to the root, as far as they were exported."""
    found = [span]
    while found[-1].parent is not None:
        parent = by_id.get(found[-1].parent.span_id)
        assert parent is not None, f"{found[-1].name}: its parent span was never exported (the chain is broken)"
        found.append(parent)
    return found


def test_a_command_is_one_trace_from_its_request_to_the_projector(spans, settings, background):
    client = registration_app(settings).test_client()
    response = client.post(
        "/api/v1/groups", json={"name": "햇살 놀이 모임", "year": 2026, "theme": "숲"}, headers=STAFF
    )
    assert response.status_code == 201, response.get_json()
    group = response.get_json()["id"]
    background(
        bootstrap_registration(settings).ensure_indexes().relay(),
        bootstrap_reporting(settings).ensure_indexes().consumer(),
    )

    [record] = read_topic(settings, "registration.events", 1)
    envelope = json.loads(record.value)
    version, trace_hex, parent_hex, flags = envelope["traceparent"].split("-")
    assert version == "00" and int(flags, 16) & 1, "a sampled W3C trace context"

    def applied():
        done = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
        return done if any(s.attributes.get("messaging.message.id") == envelope["id"] for s in done) else None

    [apply] = eventually(applied, what="reporting's apply span")
    assert client.get("/healthz").status_code == 200  # probes get no span
    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    [server] = [s for s in finished if s.kind is SpanKind.SERVER]
    [publish] = [s for s in finished if s.kind is SpanKind.PRODUCER]
    [command] = [s for s in finished if s.name == "command FormGroup"]

    assert {s.context.trace_id for s in finished} == {int(trace_hex, 16)}, "every span belongs to the one trace"
    assert [s.name for s in chain(apply, by_id)] == [
        "process reporting-projector",
        "command FormGroup",
        "POST /api/v1/groups",
    ]
    assert chain(publish, by_id)[1:] == [command, server]
    assert command.context.span_id == int(parent_hex, 16), "the envelope carries the command's span"
    assert server.attributes["http.route"] == "/api/v1/groups" and server.attributes["http.response.status_code"] == 201
    assert publish.attributes["messaging.destination.name"] == settings.topic("registration.events")
    assert apply.attributes["cloudevents.event_type"] == "GroupFormed" and group not in str(apply.attributes)
    assert server.start_time <= command.start_time < publish.start_time < apply.start_time


def test_a_request_continues_its_callers_trace(spans, settings):
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    client = registration_app(settings).test_client()
    response = client.post(
        "/api/v1/groups", json={"name": "모임", "year": 2026}, headers={**STAFF, "traceparent": caller}
    )
    assert response.status_code == 201, response.get_json()
    [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert server.parent is not None and server.parent.span_id == 0xB7AD6B7169203331 and server.parent.is_remote
    [pending] = bootstrap_registration(settings).store.outbox.find()
    assert pending["envelope"]["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
