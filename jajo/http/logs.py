"""JSON logs carrying the request and correlation ids; bodies and tokens are never logged."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from jajo.metrics import REQUESTS


class RequestContextFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if has_request_context():
            record.request_id = g.get("request_id")
            record.correlation_id = g.get("correlation_id")
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=False))
    handler.addFilter(RequestContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    # pymongo logs whole commands (documents with personal data) at DEBUG: never let them through
    logging.getLogger("pymongo").setLevel(logging.WARNING)


SAFE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def client_token(header: str) -> str | None:
    """A client's X-Request-ID / X-Correlation-ID, only if it is a short safe token (it goes into logs, answers
    and every event's envelope): else None, and a fresh id replaces it."""
    value = request.headers.get(header)
    return value if value is not None and SAFE_TOKEN.fullmatch(value) else None


def _start() -> None:
    g.started = time.perf_counter()
    g.request_id = client_token("X-Request-ID") or uuid.uuid4().hex
    g.correlation_id = client_token("X-Correlation-ID") or g.request_id


def _finish(service: str):
    log = logging.getLogger("jajo.access")

    def finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, response.status_code).observe(elapsed)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        log.info(
            "request",
            extra={
                "method": request.method,
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response

    return finish


def init_request_logging(app: Flask, service: str) -> None:
    app.before_request(_start)
    app.after_request(_finish(service))
