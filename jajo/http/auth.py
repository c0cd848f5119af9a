"""Bearer tokens with roles from API_TOKENS (`role:name:token`, comma separated).

A `portal` token may name the signed-in person it acts for in `X-Jajo-Actor` (`staff:<username>`,
`viewer:<username>`, `guardian:<member_id>`, or `invite:<group_id>/<link>` for someone who opened a group's invite
link and is not a member yet): the request is then authorised as that person, and the events
it causes record `actor` = that value and `actorvia` = `portal:<token name>`. The header from any other role
→ 403, a malformed value → 400. A portal token without the header acts for nobody in particular: it may read
(GET/HEAD, e.g. to look a person up before signing them in) and never write (403).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Callable

from flask import Flask, abort, current_app, g, request

from jajo.errors import Forbidden, JajoError

ROLES = ("staff", "viewer", "portal", "metrics")  # metrics: a scraper (Prometheus), GET /metrics and nothing else
ACTOR_HEADER = "X-Jajo-Actor"
ACTING_ROLES = ("staff", "viewer", "guardian", "invite")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
INVITE = re.compile(r"^(?=.{3,64}$)[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_-]+$")  # <group_id>/<link>
ACTOR_NAMES = {"staff": USERNAME, "viewer": USERNAME, "guardian": MEMBER_ID, "invite": INVITE}
POLICED_ROLES = ("guardian", "invite")  # decided by the service's own table of what they may do
READS = ("GET", "HEAD")
MIN_TOKEN_LENGTH = 32
#: the placeholders of .env.example and their like: never accepted as a token
PLACEHOLDER_MARKS = ("change-me", "changeme", "replace-me", "placeholder", "example", "your-token", "xxxxxxxx")
NAME = re.compile(r"[^\s:,]{1,64}")
METRICS_ENDPOINT = "health.metrics"
PUBLIC_ENDPOINTS = {
    "health.healthz",
    "health.readyz",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "asyncapi.asyncapi_json",
    "static",
}
ActorPolicy = Callable[[str], None]  # the actor's name -> None, or raises Forbidden (or NotYetKnown)


@dataclass(frozen=True)
class Principal:
    role: str
    name: str
    via: str | None = None  # `portal:<token name>` when a portal acts for this person

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
            raise ValueError(
                f"API_TOKENS entry {index} ({role}:{name}) needs a random token of at least "
                f"{MIN_TOKEN_LENGTH} characters, not a placeholder"
            )
        if any(hmac.compare_digest(token, known) for known, _ in tokens):
            raise ValueError(f"API_TOKENS entry {index} ({role}:{name}) repeats the token of another entry")
        tokens.append((token, Principal(role, name)))
    return tokens


def authenticate(header: str | None, tokens: list[tuple[str, Principal]]) -> Principal | None:
    if not header or not header.startswith("Bearer "):
        return None
    offered = header[len("Bearer ") :].strip().encode()
    found = None
    for token, principal in tokens:  # compare against every token: timing says nothing about which matched
        if hmac.compare_digest(offered, token.encode()):
            found = principal
    return found


class BadActorHeader(JajoError):
    status, title, slug = 400, "Bad request", "bad-actor-header"


def acting_person(portal: Principal, header: str | None) -> Principal:
    """The person a request acts for: the token's own principal, or the one a portal names in X-Jajo-Actor."""
    if header is None:
        return portal
    if portal.role != "portal":
        raise Forbidden(
            f"only a portal token may send {ACTOR_HEADER}",
            errors={ACTOR_HEADER: [f"role {portal.role} may not name another person"]},
        )
    role, _, name = header.strip().partition(":")
    if role not in ACTING_ROLES or not ACTOR_NAMES[role].match(name):
        raise BadActorHeader(
            f"{ACTOR_HEADER} must be staff:<username>, viewer:<username>, guardian:<member_id> "
            "or invite:<group_id>/<link>",
            errors={
                ACTOR_HEADER: [
                    f"must be <{'|'.join(ACTING_ROLES)}>:<name>: a username of 1–64 "
                    "letters, digits, '.', '_', '@' or '-', a member id of "
                    "letters, digits, '_' or '-', an invite of a group id and a "
                    "link id joined by '/' (at most 64)"
                ]
            },
        )
    return Principal(role, name, via=f"portal:{portal.name}")


def allowed(principal: Principal, method: str, viewer_reads: bool) -> bool:
    """Staff do everything; a portal acting for nobody reads only; viewers read only where allowed.
    Guardians and invites are decided by the service's policies instead."""
    if principal.role == "staff":
        return True
    if principal.role == "portal":
        return method in READS
    return principal.role == "viewer" and viewer_reads and method in READS


def _check_access() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    token = authenticate(request.headers.get("Authorization"), current_app.config["JAJO_TOKENS"])
    if token is None:
        abort(401, description="a valid bearer token is required")
    principal = acting_person(token, request.headers.get(ACTOR_HEADER))
    if principal.role == "metrics":
        if request.endpoint != METRICS_ENDPOINT or request.method not in READS:
            raise Forbidden("a metrics token may read /metrics only")
        g.principal = principal
        return
    if principal.role in POLICED_ROLES:
        policy: ActorPolicy | None = current_app.config["JAJO_ACTOR_POLICIES"].get(principal.role)
        if policy is None:
            raise Forbidden(f"{principal.role} actors may not use this service")
        g.principal = principal
        policy(principal.name)
        return
    if not allowed(principal, request.method, current_app.config.get("JAJO_VIEWER_READS", False)):
        who = principal.role if principal.role != "portal" else f"portal without {ACTOR_HEADER}"
        raise Forbidden(f"{who} may not {request.method} here")
    g.principal = principal


def init_auth(
    app: Flask, api_tokens: str, guardian_policy: ActorPolicy | None = None, invite_policy: ActorPolicy | None = None
) -> None:
    app.config["JAJO_TOKENS"] = parse_tokens(api_tokens)
    app.config["JAJO_ACTOR_POLICIES"] = {"guardian": guardian_policy, "invite": invite_policy}
    app.before_request(_check_access)


def current_principal() -> Principal | None:
    return g.get("principal")


def is_staff() -> bool:
    principal = current_principal()
    return principal is not None and principal.role == "staff"


def require_staff(detail: str = "only staff may do this") -> None:
    """For routes that are staff's alone, also where the portal acting for nobody or a viewer may read."""
    if not is_staff():
        raise Forbidden(detail)
