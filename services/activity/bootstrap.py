from __future__ import annotations

import os
from dataclasses import dataclass

from jajo.bootstrap import WriteService, write_service
from jajo.config import Settings
from jajo.consumer import EventConsumer
from jajo.mongo import client_of
from jajo.relay import OutboxRelay
from services.activity.domain import Space, load_spaces
from services.activity.files import DocumentFiles, FileSweep
from services.activity.handlers import Deps, build_handlers
from services.activity.views import ActivityViews, RegistrationView

SPACES_ENV = "JAJO_ACTIVITY_SPACES"


@dataclass
class Activity:
    """Activity's write side (store, bus, relay) with its read side and document files."""

    write: WriteService
    views: ActivityViews
    files: DocumentFiles
    spaces: dict[str, Space]

    @property
    def settings(self) -> Settings:
        return self.write.settings

    @property
    def db(self):
        return self.write.db

    @property
    def store(self):
        return self.write.store

    @property
    def bus(self):
        return self.write.bus

    def relay(self) -> OutboxRelay:
        return self.write.relay()

    def file_sweep(self) -> FileSweep:
        return FileSweep(self.files, self.store.events)

    def registration_consumer(self) -> EventConsumer:
        return self.write.event_consumer(RegistrationView(self.db, self.settings))

    def ensure_indexes(self) -> None:
        self.write.ensure_indexes()
        self.views.ensure_indexes()
        self.files.ensure_indexes()


def wire(settings: Settings) -> Activity:
    """Spaces come from settings.extra["activity_spaces"] or env JAJO_ACTIVITY_SPACES (JSON), else the defaults."""
    spaces = load_spaces(settings.extra.get("activity_spaces") or os.environ.get(SPACES_ENV))
    db = client_of(settings)[settings.database_name("activity")]
    views, files = ActivityViews(db), DocumentFiles(db)
    activity = Activity(write_service("activity", settings, build_handlers(Deps(views, files, spaces))),
                        views, files, spaces)
    activity.ensure_indexes()
    return activity
