"""The HTTP request's server span (jajo.tracing), the root of a command's trace: a no-op while tracing is off."""

from __future__ import annotations

from flask import Flask, g, request

from jajo import tracing

#: probes and scrapes: a span every few seconds per container would bury the commands' traces
UNTRACED = {"health.healthz", "health.readyz", "health.metrics", "static"}


def init_tracing(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_status)
    app.teardown_request(_end)


def _start() -> None:
    """Continues the caller's trace when the request carries a W3C `traceparent` header. The span names the route's
    rule, never the path or the query (which may carry ids or personal data)."""
    if not tracing.enabled() or request.endpoint in UNTRACED:
        return
    route = request.url_rule.rule if request.url_rule else "unmatched"
    attributes = {"http.request.method": request.method, "http.route": route}
    manager = tracing.span(f"{request.method} {route}", "SERVER", parent=request.headers, **attributes)
    g.trace_span = (manager, manager.__enter__())


def _status(response):
    held = g.get("trace_span")
    if held is not None:
        held[1].set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 500:
            from opentelemetry.trace import Status, StatusCode

            held[1].set_status(Status(StatusCode.ERROR))
    return response


def _end(exc: BaseException | None) -> None:
    held = g.pop("trace_span", None)
    if held is not None:
        held[0].__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)
