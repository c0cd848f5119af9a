from __future__ import annotations

import os

from jajo.access import AccessLog
from jajo.bootstrap import Service, database, write_service
from jajo.config import Settings
from services.activity.domain import load_spaces
from services.activity.files import DocumentFiles, FileSweep
from services.activity.handlers import Deps, build_handlers
from services.activity.views import ActivityViews, RegistrationView

SPACES_ENV = "JAJO_ACTIVITY_SPACES"


def bootstrap(settings: Settings) -> Service:
    """Spaces come from settings.extra["activity_spaces"] or env JAJO_ACTIVITY_SPACES (JSON), else the defaults.
    Parts beside the write side and `views`: `files` (document contents), `spaces` (the center's rooms) and
    `access` (who read a document's content: jajo/access.py)."""
    spaces = load_spaces(settings.extra.get("activity_spaces") or os.environ.get(SPACES_ENV))
    _, db = database("activity", settings)
    views, files = ActivityViews(db), DocumentFiles(db)
    return write_service(
        "activity",
        settings,
        build_handlers(Deps(views, files, spaces)),
        views=views,
        projection=lambda: RegistrationView(db, settings, files),
        parts={"files": files, "spaces": spaces, "access": AccessLog.of(settings)},
        background=[lambda service: FileSweep(files, service.store.events)],
    )
