"""OpenTelemetry tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/observability.md).

One trace follows a command from its HTTP request through the outbox and the relay to every projector that applies
its events: the unit of work writes the current span's W3C trace context into each envelope it wraps (the CloudEvents
distributed-tracing extension: `traceparent`, `tracestate`), the relay's publish span and a consumer's apply span
are children of that context.

Off, nothing of OpenTelemetry is imported and every helper here returns at once: `setup` imports the SDK only when an
endpoint (or, in tests, an exporter) is given. Each process sets it up once it runs as itself: a gunicorn worker after
the fork (jajo/gunicorn_conf.py post_fork), a service's worker in jajo.worker.serve, since the span processor's
export thread does not survive a fork.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext
from typing import Any, Iterable, Iterator

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SERVICE_ENV = "OTEL_SERVICE_NAME"
FIELDS = ("traceparent", "tracestate")  # the CloudEvents distributed-tracing extension's attributes

_tracer: Any = None  # an opentelemetry Tracer while tracing is on
_provider: Any = None
_propagator: Any = None
_OFF = nullcontext()


def enabled() -> bool:
    return _tracer is not None


def setup(service: str, exporter: Any = None) -> bool:
    """Turn tracing on for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set (the OTLP/HTTP exporter reads it and
    the other OTEL_EXPORTER_OTLP_* variables itself), or with `exporter` (tests: spans exported synchronously).
    OTEL_SERVICE_NAME overrides `service`. Returns whether tracing is on."""
    global _tracer, _provider, _propagator
    if exporter is None and not os.environ.get(ENDPOINT_ENV, "").strip():
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(OTLPSpanExporter())
    else:
        processor = SimpleSpanProcessor(exporter)
    shutdown()
    name = os.environ.get(SERVICE_ENV, "").strip() or service
    _provider = TracerProvider(resource=Resource.create({"service.name": name}), shutdown_on_exit=False)
    _provider.add_span_processor(processor)
    _tracer = _provider.get_tracer("jajo")
    _propagator = TraceContextTextMapPropagator()
    return True


def shutdown() -> None:
    """Export what is still buffered and turn tracing off (a process that ends, a test that is done)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def span(name: str, kind: str = "INTERNAL", parent: Any = None, **attributes: Any):
    """A span around a block, current inside it (a context manager; a no-op while tracing is off). `parent` is a
    mapping that carries W3C trace context (an envelope, request headers): the span continues that trace."""
    if _tracer is None:
        return _OFF
    return _tracer.start_as_current_span(
        name, context=_extracted(parent), kind=_kind(kind), attributes=_attributes(attributes)
    )


def trace_fields() -> dict[str, str]:
    """The current span's context as the envelope attributes `traceparent` (and `tracestate`): {} without one."""
    if _tracer is None:
        return {}
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return {name: carrier[name] for name in FIELDS if carrier.get(name)}


@contextmanager
def _spans_for(envelopes: Iterable[dict], name: str, kind: str, attributes: dict) -> Iterator[None]:
    """One span per traced envelope, each a child of the envelope's own context, all around the one block that
    handles them together (a batch is published or applied at once); a failure is recorded on each."""
    from opentelemetry.trace import Status, StatusCode

    spans = [
        _tracer.start_span(
            name,
            context=_extracted(envelope),
            kind=_kind(kind),
            attributes=_attributes(
                {
                    **attributes,
                    "messaging.message.id": envelope.get("id"),
                    "cloudevents.event_type": envelope.get("type"),
                }
            ),
        )
        for envelope in envelopes
        if envelope.get("traceparent")
    ]
    try:
        yield
    except BaseException as exc:
        for one in spans:
            one.record_exception(exc)
            one.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        for one in spans:
            one.end()


def publishing(envelopes: Iterable[dict], topic: str):
    """The relay's producer spans around publishing `envelopes` to `topic` (and waiting for Kafka's acknowledgement)."""
    if _tracer is None:
        return _OFF
    attributes = {"messaging.system": "kafka", "messaging.operation.type": "send", "messaging.destination.name": topic}
    return _spans_for(envelopes, f"send {topic}", "PRODUCER", attributes)


def consuming(envelopes: Iterable[dict], consumer: str):
    """A projector's consumer spans around applying `envelopes` (in one transaction)."""
    if _tracer is None:
        return _OFF
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": consumer,
    }
    return _spans_for(envelopes, f"process {consumer}", "CONSUMER", attributes)


def _extracted(carrier: Any) -> Any:
    return None if carrier is None else _propagator.extract(carrier)


def _kind(name: str) -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind[name]


def _attributes(attributes: dict) -> dict:
    return {key: value for key, value in attributes.items() if value is not None}
