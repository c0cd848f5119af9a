"""Bearer tokens with roles from API_TOKENS (`role:name:token`, comma separated)."""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request

ROLES = ("staff", "viewer", "portal")
MIN_TOKEN_LENGTH = 32
#: the placeholders of .env.example and their like: never accepted as a token
PLACEHOLDER_MARKS = ("change-me", "changeme", "replace-me", "placeholder", "example", "your-token", "xxxxxxxx")
NAME = re.compile(r"[^\s:,]{1,64}")
PUBLIC_ENDPOINTS = {"health.healthz", "health.readyz", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "static"}


@dataclass(frozen=True)
class Principal:
    role: str
    name: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


def parse_tokens(spec: str) -> list[tuple[str, Principal]]:
    """`role:name:token` entries; refused at start-up (ValueError): an unknown role, no name, a token shorter than
    MIN_TOKEN_LENGTH or a placeholder, and a token listed twice (it could not tell its two holders apart)."""
    tokens: list[tuple[str, Principal]] = []
    for index, entry in enumerate(filter(None, (part.strip() for part in spec.split(","))), start=1):
        parts = entry.split(":")
        if len(parts) != 3 or parts[0] not in ROLES:
            raise ValueError(f"API_TOKENS entry {index} is not role:name:token with a role of {', '.join(ROLES)}")
        role, name, token = parts
        if not NAME.fullmatch(name):
            raise ValueError(f"API_TOKENS entry {index} has no usable name (the person or system holding it)")
        if len(token) < MIN_TOKEN_LENGTH or any(mark in token.lower() for mark in PLACEHOLDER_MARKS):
            raise ValueError(f"API_TOKENS entry {index} ({role}:{name}) needs a random token of at least "
                             f"{MIN_TOKEN_LENGTH} characters, not a placeholder")
        if any(hmac.compare_digest(token, known) for known, _ in tokens):
            raise ValueError(f"API_TOKENS entry {index} ({role}:{name}) repeats the token of another entry")
        tokens.append((token, Principal(role, name)))
    return tokens


def authenticate(header: str | None, tokens: list[tuple[str, Principal]]) -> Principal | None:
    if not header or not header.startswith("Bearer "):
        return None
    offered = header[len("Bearer "):].strip().encode()
    found = None
    for token, principal in tokens:  # compare against every token: timing says nothing about which matched
        if hmac.compare_digest(offered, token.encode()):
            found = principal
    return found


def allowed(principal: Principal, method: str, viewer_reads: bool) -> bool:
    if principal.role == "staff":
        return True
    return viewer_reads and method in ("GET", "HEAD")


def _check_access() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    principal = authenticate(request.headers.get("Authorization"), current_app.config["JAJO_TOKENS"])
    if principal is None:
        abort(401, description="a valid bearer token is required")
    if not allowed(principal, request.method, current_app.config.get("JAJO_VIEWER_READS", False)):
        abort(403, description=f"role {principal.role} may not {request.method} here")
    g.principal = principal


def init_auth(app: Flask, api_tokens: str) -> None:
    app.config["JAJO_TOKENS"] = parse_tokens(api_tokens)
    app.before_request(_check_access)


def current_principal() -> Principal | None:
    return g.get("principal")
