from __future__ import annotations

from datetime import timedelta

from jajo.bootstrap import Service, database
from jajo.config import Settings
from services.portal.accounts import Accounts
from services.portal.links import Links
from services.portal.sessions import SessionStore, SigninLimiter
from services.portal.settings import PortalSettings, load_portal_settings


def bootstrap(settings: Settings, portal: PortalSettings | None = None) -> Service:
    """The portal stores no events and reads the other services over HTTP: its parts are its own accounts,
    staff sessions, sign-in limiter and guardian links, and `portal` (its settings)."""
    portal = portal or load_portal_settings()
    client, db = database("portal", settings)
    return Service(
        "portal",
        settings,
        client,
        db,
        parts={
            "portal": portal,
            "accounts": Accounts(db),
            "links": Links(db),
            "sessions": SessionStore(db, timedelta(hours=portal.session_hours), timedelta(minutes=portal.idle_minutes)),
            "limiter": SigninLimiter(db, portal.signin_attempts, timedelta(minutes=portal.signin_window_minutes)),
        },
    )
