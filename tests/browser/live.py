"""The whole system as live HTTP servers for browser tests: the four services and the portal on free ports
(werkzeug threads), their workers' loops in threads, on the session's Kafka and MongoDB."""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from werkzeug.serving import make_server

from jajo.config import Settings
from jajo.http.auth import ROLES
from jajo.init import initialise
from jajo.worker import run_loop
from services.portal.accounts import Accounts
from services.portal.app import create_app as portal_app
from services.portal.settings import PortalSettings
from tests.conftest import STAFF_TOKEN, VIEWER_TOKEN

API_SERVICES = ("registration", "activity", "survey", "reporting")
PORTAL_TOKEN = "portal-token-for-browser-tests-0123456789"
PASSWORD = "correct-horse-battery"


@dataclass
class Live:
    settings: Settings
    urls: dict[str, str]
    portal_url: str
    portal: object
    accounts: Accounts
    portal_names_people: bool
    servers: list = field(default_factory=list)

    def api(self, service: str) -> str:
        return f"{self.urls[service]}/api/v1"


logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request (and per asset) is noise here


def _serve(app) -> tuple[object, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _loops(settings: Settings) -> list:
    import importlib

    return [
        loop for name in API_SERVICES for loop in importlib.import_module(f"services.{name}.worker").loops(settings)
    ]


def _app(name: str, settings: Settings):
    import importlib

    return importlib.import_module(f"services.{name}.app").create_app(settings)


@contextmanager
def live_system(infra, node_modules) -> Iterator[Live]:
    prefix = f"b{uuid.uuid4().hex[:8]}_"
    portal_role = "portal" in ROLES  # the services know the `portal` role (contract v2)
    tokens = f"staff:alice:{STAFF_TOKEN},viewer:victor:{VIEWER_TOKEN}"
    tokens += f",portal:web:{PORTAL_TOKEN}" if portal_role else ""
    settings = Settings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        db_prefix=prefix,
        topic_prefix=prefix,
        topic_partitions=2,
        api_tokens=tokens,
        relay_idle_seconds=0.02,
        log_level="WARNING",
    )
    initialise(settings, timeout_seconds=60)
    stop = threading.Event()
    workers = [threading.Thread(target=run_loop, args=(loop, stop, 0.02), daemon=True) for loop in _loops(settings)]
    for worker in workers:
        worker.start()
    servers: list[Any] = []
    urls: dict[str, str] = {}
    try:
        for name in reversed(API_SERVICES):  # reporting first: registration's 열람 export reads it
            server, urls[name] = _serve(_app(name, settings.override(reporting_url=urls.get("reporting", ""))))
            servers.append(server)
        portal_settings = PortalSettings(
            service_urls=urls,
            api_token=PORTAL_TOKEN if portal_role else STAFF_TOKEN,
            token_name="web",
            names_the_person=portal_role,
            node_modules=node_modules,
        )
        app = portal_app(settings, portal_settings)
        server, portal_url = _serve(app)
        servers.append(server)
        accounts = app.extensions["portal"].accounts
        yield Live(settings, urls, portal_url, app, accounts, portal_role, servers)
    finally:
        for server in servers:
            server.shutdown()
        stop.set()
        for worker in workers:
            worker.join(timeout=20)
