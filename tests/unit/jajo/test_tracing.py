"""Tracing is off (nothing of OpenTelemetry imported) without OTEL_EXPORTER_OTLP_ENDPOINT; envelopes carry it."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import types
import urllib.request
from pathlib import Path

import pytest

from jajo import tracing
from jajo.envelope import EnvelopeError, build, decode, encode
from jajo.worker import serve_metrics

ROOT = Path(__file__).resolve().parents[3]
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

OFF_PROBE = """
import json, sys
from jajo import tracing
from jajo.envelope import build
import jajo.relay, jajo.consumer, jajo.worker, services.registration.app, services.reporting.app
assert not tracing.setup("probe") and not tracing.enabled()
with tracing.span("x", "SERVER", parent={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}):
    envelope = build("GroupFormed", {}, subject="g1", source="registration", aggregate_type="group")
with tracing.publishing([envelope], "t"), tracing.consuming([envelope], "c"):
    pass
print(json.dumps({"fields": tracing.trace_fields(), "envelope": sorted(envelope),
                  "otel": sorted(m for m in sys.modules if m.startswith("opentelemetry"))}))
"""


def test_off_without_an_endpoint_nothing_of_opentelemetry_is_imported():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", OFF_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"fields": {}, "envelope": found["envelope"], "otel": []}
    assert "traceparent" not in found["envelope"] and "tracestate" not in found["envelope"]


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self):
        self.received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received = []
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def gunicorn_conf(monkeypatch, tmp_path):
    """The config module, imported with its metrics folder set for this test only: importing it sets
    PROMETHEUS_MULTIPROC_DIR when unset, which would turn every later /metrics of this process multiprocess."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    from jajo import gunicorn_conf

    return gunicorn_conf


def test_on_with_an_endpoint_after_the_fork_and_flushed_when_the_worker_exits(monkeypatch, collector, gunicorn_conf):

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{collector.server_port}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "named-by-env")
    server = types.SimpleNamespace(
        app=types.SimpleNamespace(app_uri="services.survey.app:create_app()"),
        cfg=types.SimpleNamespace(wsgi_app=None),
        log=types.SimpleNamespace(info=lambda *args: None),
    )
    try:
        gunicorn_conf.post_fork(server, types.SimpleNamespace(pid=1))
        assert tracing.enabled()
        assert tracing._provider.resource.attributes["service.name"] == "named-by-env"
        with tracing.span("command X"):
            fields = tracing.trace_fields()
        assert set(fields) == {"traceparent"} and fields["traceparent"].startswith("00-")
        assert tracing.trace_fields() == {}, "no span, no trace context"
    finally:
        gunicorn_conf.worker_exit(server, None)
    assert not tracing.enabled()
    [(path, body)] = Collector.received  # exported over OTLP/HTTP (protobuf) once the worker exits
    assert path == "/v1/traces" and b"command X" in body and b"named-by-env" in body


def test_the_service_name_comes_from_the_app_gunicorn_serves(gunicorn_conf):
    service_of = gunicorn_conf.service_of
    assert service_of("services.registration.app:create_app()") == "registration"
    assert service_of(None) == service_of("app:make()") == "jajo"


def envelope(**fields) -> bytes:
    return encode({**build("GroupFormed", {}, subject="g1", source="registration", aggregate_type="group"), **fields})


def test_decode_takes_the_distributed_tracing_extension_within_its_limits():
    decoded = decode(envelope(traceparent=TRACEPARENT, tracestate="congo=t61rcWkgMzE"))
    assert decoded["traceparent"] == TRACEPARENT and decoded["tracestate"] == "congo=t61rcWkgMzE"
    for bad in ({"traceparent": 55}, {"traceparent": "0" * 129}, {"tracestate": "a=" + "b" * 511}, {"tracestate": ""}):
        with pytest.raises(EnvelopeError) as refused:
            decode(envelope(**bad))
        assert refused.value.kind == "invalid_envelope"


def test_dead_letter_kinds_of_unusable_messages():
    assert _kind(b"\xff") == _kind(b"not json") == "not_json"
    assert _kind(b"[1]") == _kind(b"{}") == "invalid_envelope"
    assert _kind(envelope(dataversion=2)) == "unknown_dataversion"
    assert _kind(envelope(type="Nope"), frozenset({"GroupFormed"})) == "unknown_type"


def _kind(raw: bytes, known: frozenset[str] | None = None) -> str:
    with pytest.raises(EnvelopeError) as refused:
        decode(raw, known)
    return refused.value.kind


def test_a_worker_serves_its_own_metrics_when_given_a_port():
    assert serve_metrics("") is None
    server = serve_metrics("0")
    assert server is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "# TYPE jajo_consumer_lag gauge" in text and "# TYPE jajo_outbox_oldest_age_seconds gauge" in text
