"""Guardian authorisation, decided by each service itself: one table per service of the endpoints a
`guardian:<member_id>` (named by a portal in X-Jajo-Actor) may call, each with the check that it concerns
the guardian's own group. Everything not in the table is 403. Runs before the request is parsed or claimed.
The same kind of table decides what an `invite:<group_id>/<link>` may do (services/registration/invites.py)."""

from __future__ import annotations

from typing import Any, Callable

from flask import request

from jajo.errors import Forbidden

Rule = Callable[[str], None]  # the actor's name (a member id, an invite) -> None, or raises Forbidden


class GuardianPolicy:
    def __init__(self, rules: dict[str, Rule], refusal: str = "a guardian may not do this"):
        self.rules, self.refusal = rules, refusal

    def __call__(self, name: str) -> None:
        rule = self.rules.get(request.endpoint or "")
        if rule is None:
            raise Forbidden(self.refusal)
        rule(name)


def require(condition: bool, detail: str) -> None:
    if not condition:
        raise Forbidden(detail)


def body_value(name: str) -> Any:
    """A field of the JSON or form body, None when absent or unreadable (the schema then says why)."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        return body.get(name) if isinstance(body, dict) else None
    return request.form.get(name)


def path_value(name: str) -> str:
    return (request.view_args or {})[name]


def guardian_actor() -> str | None:
    """The member id when a guardian acts in this request, else None."""
    from jajo.http.auth import current_principal

    principal = current_principal()
    return principal.name if principal is not None and principal.role == "guardian" else None
