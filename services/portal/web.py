"""What every view shares: full page or htmx fragment, sign-in and role checks, form keys, form errors."""

from __future__ import annotations

import uuid
from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from jinja2 import Template

from services.portal.clients.base import ApiError


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_block(template_name: str, block: str, **context) -> str:
    current_app.update_template_context(context)
    template: Template = current_app.jinja_env.get_template(template_name)
    return "".join(template.blocks[block](template.new_context(context)))


def render(template_name: str, fragment: str | None = None, **context) -> str:
    """The whole page, or only its block `fragment` when htmx asks (the same template either way)."""
    from flask import render_template

    if fragment and is_fragment_request():
        return render_block(template_name, fragment, **context)
    return render_template(template_name, **context)


def page_title(title: str, errors) -> str:
    """A page's <title>: "오류: " first when the form came back with errors, so a screen reader hears it at once."""
    return ("오류: " if errors else "") + title


def form_key() -> str:
    """An Idempotency-Key made when the form is rendered: a double click sends the same key twice."""
    return uuid.uuid4().hex


def submitted_key() -> str:
    return request.form.get("idempotency_key") or uuid.uuid4().hex


def staff_only(view):
    """Viewers may look at reports and the audit history; everything else is for staff."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.account.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def see_other(endpoint: str, **values):
    """Post/redirect/get; an htmx request is redirected by HX-Location instead."""
    target = url_for(endpoint, **values)
    if is_fragment_request():
        response = current_app.response_class("", 204)
        response.headers["HX-Location"] = target
        return response
    return redirect(target, 303)


def flash(message: str, category: str = "success") -> None:
    current_app.extensions["portal"].sessions.flash(g.session, message, category)


class FormErrors(dict):
    """Field → Korean messages, plus `summary` (the problem's message); filled from an ApiError."""

    def __init__(self, error: ApiError | None = None, **fields):
        super().__init__()
        self.summary = ""
        if error is not None:
            self.summary = error.message
            for name, messages in error.errors.items():
                self[name.replace(".", "_")] = messages
        for name, message in fields.items():
            self.setdefault(name, []).append(message)
        if fields and not self.summary:
            self.summary = "입력한 내용을 확인해 주세요."

    def renamed(self, names: dict[str, str]) -> "FormErrors":
        """The same errors under the form's field ids (where two forms on a page share an API field name)."""
        for api_name, field_id in names.items():
            if api_name in self:
                self[field_id] = self.pop(api_name)
        return self

    def __bool__(self) -> bool:
        return bool(self.summary) or bool(len(self))
