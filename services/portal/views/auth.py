"""Sign-in and sign-out (the sign-in form has its own double-submit CSRF cookie: there is no session yet)."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from flask import Blueprint, current_app, g, make_response, redirect, request, url_for

from services.portal.sessions import COOKIE, same_token
from services.portal.web import page_title, render

blueprint = Blueprint("auth", __name__)
SIGNIN_CSRF = "jajo_portal_signin"


def _portal():
    return current_app.extensions["portal"]


def _safe_next(target: str | None) -> str:
    parsed = urlparse(target or "")
    if not target or parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def _cookie_options() -> dict:
    return {
        "httponly": True,
        "samesite": "Lax",
        "secure": _portal().settings.secure_cookies or request.is_secure,
        "path": "/",
    }


def _form(error: str = "", username: str = "", status: int = 200):
    token = request.cookies.get(SIGNIN_CSRF) or secrets.token_urlsafe(24)
    page = render(
        "views/auth/signin.html",
        title=page_title("로그인", error),
        error=error,
        username=username,
        signin_csrf=token,
        next=request.values.get("next", ""),
        notice=request.args.get("notice", ""),
    )
    response = make_response(page, status)
    response.set_cookie(SIGNIN_CSRF, token, max_age=3600, **_cookie_options())
    return response


@blueprint.route("/signin", methods=["GET", "POST"])
def signin():
    if request.method == "GET":
        return _form()
    if not same_token(request.form.get("csrf_token"), request.cookies.get(SIGNIN_CSRF) or ""):
        return _form("보안 확인이 만료되었습니다. 다시 시도해 주세요.", status=400)
    username = request.form.get("username", "").strip().lower()
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    portal = _portal()
    if portal.limiter.blocked(username, address):
        return _form("로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요.", username, 429)
    account = portal.accounts.verify(username, password)
    if account is None:
        portal.limiter.failed(username, address)
        return _form("아이디 또는 비밀번호가 맞지 않습니다.", username, 401)
    portal.limiter.succeeded(username)
    if g.session is not None:
        portal.sessions.end(g.session)
    token, _ = portal.sessions.create(account.username, account.role)
    response = redirect(_safe_next(request.form.get("next")), 303)
    response.set_cookie(COOKIE, token, max_age=int(portal.settings.session_hours * 3600), **_cookie_options())
    response.delete_cookie(SIGNIN_CSRF, path="/")
    return response


@blueprint.post("/signout")
def signout():
    _portal().sessions.end(g.session)
    response = redirect(url_for("auth.signin", notice="로그아웃했습니다."), 303)
    response.delete_cookie(COOKIE, path="/")
    return response
