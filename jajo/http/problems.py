"""RFC 9457 problem+json for every error, including flask-smorest's and webargs' own."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError
from werkzeug.exceptions import HTTPException

from jajo.errors import JajoError, Unavailable

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://jajo.yongsan-childcare.kr/problems/"


def problem_body(status: int, title: str, detail: str, *, slug: str | None = None, errors: dict | None = None) -> str:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return json.dumps(body, ensure_ascii=False)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
) -> Response:
    body = problem_body(status, title, detail, slug=slug, errors=errors)
    response = Response(body, status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and field: {"json": {"children": {"0": {...}}}} -> dotted paths."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if not prefix and key in ("json", "query", "form", "files", "multipart", "headers", "view_args", "path"):
                name = ""
            flat.update(flatten_messages(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_body"] = messages
    else:
        flat[prefix or "_body"] = [str(messages)]
    return flat


def _from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    title = exc.name
    detail = exc.description or title
    if errors and status == 422:
        title, detail = "Validation failed", "the request does not match the schema: see errors"
    elif errors and status == 400:
        detail = "; ".join(m for ms in errors.values() for m in ms)
    allowed = getattr(exc, "valid_methods", None)  # MethodNotAllowed's
    headers = {"Allow": ", ".join(allowed)} if allowed else None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return problem(status, title, detail, errors=errors, headers=headers)


def _from_jajo_error(exc: JajoError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return problem(exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=headers)


def _from_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error", extra={"error": type(exc).__name__})
    return problem(500, "Internal server error", "an unexpected error occurred; it has been logged")


def init_problems(app: Flask) -> None:
    """Registered after flask-smorest's Api so that these handlers replace its error body."""
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(JajoError, _from_jajo_error)
    # ServerSelectionTimeoutError, AutoReconnect, NotPrimaryError and NetworkTimeout are ConnectionFailures
    for unavailable in (ConnectionFailure, ExecutionTimeout, WTimeoutError):
        app.register_error_handler(unavailable, lambda exc: _from_jajo_error(Unavailable()))
    app.register_error_handler(Exception, _from_unexpected)
