"""OpenAPI documentation of the RFC 9457 problem+json answers every service gives (see jajo/http/problems.py)."""

from __future__ import annotations

from typing import Callable

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from jajo.http.problems import PROBLEM_JSON, TYPE_BASE


class Problem(Schema):
    """An error: RFC 9457 `application/problem+json`. A rejected request stores and emits nothing."""

    type = fields.String(
        required=True,
        metadata={"description": f"problem type URI, e.g. `{TYPE_BASE}conflict`", "example": f"{TYPE_BASE}conflict"},
    )
    title = fields.String(required=True, metadata={"description": "short summary of the problem type"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status code"})
    detail = fields.String(required=True, metadata={"description": "what went wrong with this request"})
    instance = fields.String(metadata={"description": "the request path"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "validation errors by field; nested fields use dotted paths such as "
            "`children.0.birth_date`; `_schema` or `_body` for the body as a whole",
            "example": {"district": ["must be 용산구"]},
        },
    )


DESCRIPTIONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "No or unknown bearer token",
    403: "The token's role may not do this",
    404: "The resource does not exist",
    409: "The request conflicts with the resource's current state",
    412: "`If-Match` names a version the resource is no longer at",
    415: "The body is not `application/json`",
    422: "The body or query breaks the schema or a business rule (see `errors`), "
    "or an `Idempotency-Key` was reused with a different request",
    503: "A backing store is unavailable; retry after `Retry-After` seconds",
}


def problem_responses(blp: Blueprint, *statuses: int, **descriptions: str) -> Callable:
    """Document problem+json answers: `@problem_responses(blp, 404, 409, s409="closed group")`.

    A `s<status>` keyword replaces the generic description of that status.
    """

    def decorate(func: Callable) -> Callable:
        for status in statuses:
            description = descriptions.get(f"s{status}", DESCRIPTIONS.get(status, "Error"))
            func = blp.alt_response(status, schema=Problem, content_type=PROBLEM_JSON, description=description)(func)
        return func

    return decorate


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "a repeat with the same key returns the first answer (header `Idempotent-Replayed: true`) and "
    "emits no second event; the same key with a different request → 422",
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'the version the client last saw (`3`, `"3"` or the `ETag`); a stale version → 412',
}


def header_parameters(blp: Blueprint, *parameters: dict) -> Callable:
    """Document request headers such as IDEMPOTENCY_KEY and IF_MATCH on an endpoint."""
    return blp.doc(parameters=list(parameters))
