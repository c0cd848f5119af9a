"""The app factory every service uses: config, OpenAPI, errors, auth, idempotency, logs, health."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

from flask import Flask, current_app, g, request
from flask_smorest import Api, Blueprint

from jajo import safejson
from jajo.config import Settings, load_settings
from jajo.envelope import Context
from jajo.errors import JajoError
from jajo.events import Catalogue
from jajo.http.asyncapi import blueprint as asyncapi_blueprint
from jajo.http.auth import current_principal, init_auth
from jajo.http.commit import committed_view, etag_from_version, held_commit
from jajo.http.health import blueprint as health_blueprint
from jajo.http.idempotency import init_idempotency
from jajo.http.logs import configure_logging, init_request_logging
from jajo.http.multipart import ClosingRequest
from jajo.http.problems import init_problems
from jajo.http.schemas import Problem
from jajo.http.tracing import init_tracing

# Swagger UI comes from the npm package swagger-ui-dist (`npm ci`), served by each service at /docs/assets/ as its
# static folder (the `static` endpoint needs no token): /docs loads nothing from a CDN.
NODE_MODULES = Path(os.environ.get("JAJO_NODE_MODULES", Path(__file__).resolve().parents[2] / "node_modules"))
SWAGGER_UI = NODE_MODULES / "swagger-ui-dist"
JSON_BODY_TYPES = {"application/json"}
ACTOR_DOC = (
    "Only with a `portal` token: the signed-in person the portal acts for, `staff:<username>`, "
    "`viewer:<username>`, `guardian:<member_id>` (a username of 1–64 letters, digits, `.`, `_`, `@` or `-`; "
    "a member id of letters, digits, `_` or `-`), or `invite:<group_id>/<link>` for a person who opened a "
    "group's invite link (registration: only joining that group). The "
    "request is authorised as that person and its events record `actor` = this value and `actorvia` = "
    "`portal:<token name>`. From any other role → 403; malformed → 400. A guardian may only read its own "
    "group's sessions and documents and open surveys, upload its group's documents, answer surveys as itself "
    "and report its connection to its group's held online sessions (else 403; a member who left → 403; a "
    "member this service has not heard of yet → 409 with `Retry-After`). A portal token without this header "
    "may read (GET) but not write (403)."
)
FORM_BODY_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class UnsupportedMediaType(JajoError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


def _check_content_type() -> None:
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
        return
    accepted = FORM_BODY_TYPES if request.endpoint in current_app.config["JAJO_FORM_ENDPOINTS"] else JSON_BODY_TYPES
    if request.mimetype not in accepted:
        raise UnsupportedMediaType(f"send {' or '.join(sorted(accepted))}, not {request.mimetype or 'no type'}")


class MalformedBody(JajoError):
    status, title, slug = 400, "Bad request", "malformed-body"


class UnstorableValue(JajoError):
    status, title, slug = 422, "Validation failed", "validation-failed"


def _check_json_body() -> None:
    """A JSON body MongoDB and Python can hold (any depth, any code point, any number): else 400, never a 500
    from a RecursionError or a BSON encoder deep inside a handler."""
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype != "application/json":
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        safejson.loads(raw)
    except safejson.UnsafeJSON as exc:
        if exc.path is None:
            raise MalformedBody(f"the JSON body cannot be stored: {exc}") from None
        raise UnstorableValue(
            "the request does not match the schema: see errors",
            errors={exc.path: [f"not a value that can be stored: {exc}"]},
        ) from None
    except ValueError:
        return  # not JSON at all: the schema's parser answers 400 for it


#: HTML pages of the services are Swagger UI only, served from npm's swagger-ui-dist at /docs/assets (no CDN);
#: its page starts the bundle with an inline script
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PUBLIC_PATHS = ("/healthz", "/readyz", "/openapi.json", "/asyncapi.json", "/docs")


def _security_headers(response):
    """On every answer: no MIME sniffing, no referrer, a strict CSP on HTML (and on anything else: it costs
    nothing), and no caching of anything but the public documents (answers carry personal data)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    docs = request.path.startswith("/docs")
    headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else STRICT_CSP)
    if not request.path.startswith(PUBLIC_PATHS):
        headers["Cache-Control"] = "no-store"
    return response


class ServiceFlask(Flask):
    """A view that runs a command commits it only with its answer (jajo.http.commit)."""

    def dispatch_request(self):
        return committed_view(lambda: self.make_response(Flask.dispatch_request(self)))


def create_service_app(
    name: str,
    blueprints: list[Blueprint],
    bootstrap: Callable[[Settings], Any],
    settings: Settings | None = None,
    *,
    description: str = "",
    viewer_reads: bool = False,
    form_endpoints: set[str] | None = None,
    guardian_policy: Callable[[str], None] | None = None,
    invite_policy: Callable[[str], None] | None = None,
    catalogue: Catalogue | None = None,
    config: dict | None = None,
) -> Flask:
    """`catalogue`: the events a write service publishes, described at /asyncapi.json."""
    settings = settings or load_settings()
    configure_logging(name, settings.log_level)
    app = ServiceFlask(name, static_folder=str(SWAGGER_UI), static_url_path="/docs/assets")
    app.request_class = ClosingRequest
    app.config.update(
        API_TITLE=f"Jajo {name}",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "actor": {"type": "apiKey", "in": "header", "name": "X-Jajo-Actor", "description": ACTOR_DOC},
                }
            },
            "security": [{"bearer": []}, {"bearer": [], "actor": []}],
        },
        JSON_AS_ASCII=False,
        JAJO_VIEWER_READS=viewer_reads,
        JAJO_FORM_ENDPOINTS=form_endpoints or set(),
        MAX_CONTENT_LENGTH=11 * 1024 * 1024,
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Flask's DefaultJSONProvider
    app.extensions["jajo"] = LazyService(settings, bootstrap)
    init_request_logging(app, name)
    init_tracing(app)
    init_auth(app, settings.api_tokens, guardian_policy, invite_policy)
    app.before_request(_check_content_type)
    app.before_request(_check_json_body)
    init_idempotency(app)
    app.after_request(etag_from_version)
    app.after_request(_security_headers)
    api = ProblemApi(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    app.register_blueprint(health_blueprint)
    if catalogue is not None:
        app.config["JAJO_CATALOGUE"] = catalogue
        app.register_blueprint(asyncapi_blueprint)
    init_problems(app)
    return app


class ProblemApi(Api):
    """Documents the default error answer as problem+json, which jajo.http.problems sends."""

    ERROR_SCHEMA = Problem


class LazyService:
    """Bootstraps the service (and ensures its indexes) on first use, in the worker process (after gunicorn
    forks): `python -m jajo.init` made them before the start, but an app started alone must not run without."""

    def __init__(self, settings: Settings, bootstrap: Callable[[Settings], Any]):
        self.settings = settings
        self._bootstrap = bootstrap
        self._wired: Any = None
        self._lock = threading.Lock()

    @property
    def wired(self) -> Any:
        if self._wired is None:
            with self._lock:  # gthread workers: the first requests may arrive together
                if self._wired is None:
                    service = self._bootstrap(self.settings)
                    service.ensure_indexes()
                    self._wired = service
        return self._wired

    def database(self):
        return self.wired.db


def service() -> Any:
    return current_app.extensions["jajo"].wired


def request_context() -> Context:
    principal = current_principal()
    return Context(
        actor=principal.actor if principal else "anonymous",
        via=principal.via if principal else None,
        correlation_id=g.get("correlation_id"),
        causation_id=g.get("request_id"),
    )


def if_match_version() -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` -> 3; a header that is no version -> 412."""
    from jajo.errors import PreconditionFailed

    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed("If-Match must carry the resource version, e.g. If-Match: 3")
    return int(value)


def dispatch(command: Any) -> Any:
    """Run a command for the current request: actor, correlation, idempotency claim and If-Match."""
    return service().bus.handle(
        command,
        context=request_context(),
        claim=g.get("idempotency_claim"),
        held=held_commit(),
        expected_version=if_match_version(),
    )
