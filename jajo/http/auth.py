"""Bearer tokens with roles from API_TOKENS (`role:token` or `role:name:token`, comma separated)."""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request

ROLES = ("staff", "viewer")
PUBLIC_ENDPOINTS = {"health.healthz", "health.readyz", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "static"}


@dataclass(frozen=True)
class Principal:
    role: str
    name: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


def parse_tokens(spec: str) -> list[tuple[str, Principal]]:
    tokens = []
    for index, entry in enumerate(filter(None, (part.strip() for part in spec.split(","))), start=1):
        parts = entry.split(":")
        if len(parts) not in (2, 3) or parts[0] not in ROLES or not parts[-1]:
            raise ValueError(f"API_TOKENS entry {index} is not role:token or role:name:token")
        name = parts[1] if len(parts) == 3 else f"{parts[0]}{index}"
        tokens.append((parts[-1], Principal(parts[0], name)))
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
