"""The portal's app factory: `gunicorn -c jajo/gunicorn_conf.py 'services.portal.app:create_app()'`.

A feature is one view module in views/ (a Blueprint), one template folder templates/views/<feature>/ and one
API client in clients/; register it in FEATURES below and, when it has a page, in navigation.NAV."""

from __future__ import annotations

import secrets
import threading

from flask import Flask, g, jsonify, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from jajo.bootstrap import Service
from jajo.center import CENTER
from jajo.config import Settings, load_settings
from jajo.http.logs import configure_logging, init_request_logging
from jajo.http.multipart import ClosingRequest
from services.portal import assets, formatting, navigation
from services.portal.accounts import Account, Accounts
from services.portal.bootstrap import bootstrap
from services.portal.clients.base import ApiError
from services.portal.sessions import COOKIE, SessionStore, SigninLimiter, same_token
from services.portal.settings import PortalSettings, load_portal_settings
from services.portal.links import Links
from services.portal.views import (
    audit,
    auth,
    dashboard,
    documents,
    funding,
    groups,
    links,
    operations,
    parents,
    schedule,
    surveys,
)
from services.portal.web import render

FEATURES = [auth, dashboard, groups, links, schedule, funding, documents, surveys, audit, operations, parents]
PUBLIC_ENDPOINTS = {"auth.signin", "health.healthz", "health.readyz", "assets.serve"}
PUBLIC_BLUEPRINTS = {feature.blueprint.name for feature in FEATURES if getattr(feature, "PUBLIC", False)}
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"


class Portal:
    """The portal's parts (services.portal.bootstrap): made lazily in each gunicorn worker (MongoDB clients
    are not fork-safe)."""

    def __init__(self, settings: Settings, portal: PortalSettings):
        self.jajo_settings, self.settings = settings, portal
        self.public_endpoints = set(PUBLIC_ENDPOINTS)
        self._service: Service | None = None
        self._lock = threading.Lock()

    @property
    def service(self) -> Service:
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = bootstrap(self.jajo_settings, self.settings).ensure_indexes()
        return self._service

    @property
    def db(self):
        return self.service.db

    @property
    def accounts(self) -> Accounts:
        return self.service.accounts

    @property
    def links(self) -> Links:
        return self.service.links

    @property
    def sessions(self) -> SessionStore:
        return self.service.sessions

    @property
    def limiter(self) -> SigninLimiter:
        return self.service.limiter


def _load_session() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)
    portal = _portal()
    g.session = portal.sessions.load(request.cookies.get(COOKIE)) if request.endpoint not in ("assets.serve",) else None
    g.account = Account(g.session.username, g.session.role, g.session.username, True) if g.session else None
    if (
        request.endpoint in portal.public_endpoints
        or request.endpoint is None
        or request.blueprint in PUBLIC_BLUEPRINTS
    ):
        return None
    if g.session is None:
        return _to_signin(
            "로그인이 필요합니다." if request.method == "GET" else "세션이 만료되었습니다. 다시 로그인해 주세요."
        )
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        offered = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if not same_token(offered, g.session.csrf):
            return _to_signin("보안 확인이 만료되었습니다. 다시 로그인해 주세요.")
    return None


def _to_signin(message: str):
    target = url_for("auth.signin", next=request.full_path if request.method == "GET" else None, notice=message)
    if request.headers.get("HX-Request") == "true":
        response = Flask.response_class("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def _flashes() -> dict:
    """Notices saved before a redirect, shown once on the next full page."""
    session = g.get("session")
    if session is None or not session.flash or request.headers.get("HX-Request") == "true":
        return {"flashes": []}
    return {"flashes": _portal().sessions.take_flash(session)}


def _secure_headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'self'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
        ),
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("HX-Request")
    return response


def _portal() -> Portal:
    from flask import current_app

    return current_app.extensions["portal"]


def _error_page(exc: HTTPException):
    messages = {
        403: "이 화면을 볼 권한이 없습니다.",
        404: "찾는 화면이 없습니다.",
        405: "허용되지 않는 요청입니다.",
        413: "파일이 너무 큽니다(10MB 이하).",
    }
    message = messages.get(exc.code or 500, "요청을 처리하지 못했습니다.")
    return render("error.html", title=f"{exc.code} 오류", message=message), exc.code


def _api_error_page(exc: ApiError):
    return render("error.html", title="서비스 오류", message=exc.message), exc.status if exc.status < 500 else 502


def _health(app: Flask) -> None:
    from flask import Blueprint

    health = Blueprint("health", __name__)

    @health.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @health.get("/readyz")
    def readyz():
        try:
            _portal().db.client.admin.command("ping")
        except Exception:  # noqa: BLE001 - any failure means not ready
            return jsonify(status="unavailable"), 503
        return jsonify(status="ready")

    app.register_blueprint(health)


def create_app(settings: Settings | None = None, portal: PortalSettings | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging("portal", settings.log_level)
    app = Flask(__name__, static_folder=None)
    app.request_class = ClosingRequest
    app.config.update(MAX_CONTENT_LENGTH=11 * 1024 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.extensions["portal"] = Portal(settings, portal or load_portal_settings())
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals.update(asset_url=assets.asset_url, nav=navigation.NAV, csrf_field=CSRF_FIELD, center=CENTER)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    init_request_logging(app, "portal")
    app.before_request(_load_session)
    app.context_processor(_flashes)
    app.after_request(_secure_headers)
    app.register_blueprint(assets.blueprint)
    _health(app)
    for feature in FEATURES:
        app.register_blueprint(feature.blueprint)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(ApiError, _api_error_page)
    return app
