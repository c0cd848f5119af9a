from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from pymongo import MongoClient
from pymongo.database import Database

from jajo.config import Settings
from jajo.bootstrap import event_consumer
from jajo.consumer import EventConsumer, lag
from jajo.mongo import client_of
from services.reporting import audit, rebuild, report, store
from services.reporting.projector import ReportingProjection
from services.reporting.readmodels import replay


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Reporting:
    settings: Settings
    client: MongoClient
    db: Database

    def projection(self) -> ReportingProjection:
        return ReportingProjection(self.db, self.settings)

    def event_consumer(self) -> EventConsumer:
        return event_consumer(self.projection(), self.settings, self.client, self.db)

    # --- queries --------------------------------------------------------------------------------
    def models(self, as_of: datetime | None = None):
        """The live read models, or those of the audit history replayed up to `as_of` (by event time)."""
        if as_of is None:
            return store.current_models(self.db)
        return replay(audit.stream(self.db, until=as_of))

    def annual(self, year: int, as_of: datetime | None = None) -> dict:
        stamp = rfc3339(as_of if as_of is not None else datetime.now(timezone.utc))
        return report.annual(self.models(as_of), year, stamp)

    def group(self, group_id: str) -> dict | None:
        return report.group(self.models(), group_id)

    def lag(self) -> int:
        return lag(self.settings, self.db, self.projection().topics)

    # --- rebuild --------------------------------------------------------------------------------
    def start_rebuild(self, force: bool = False) -> rebuild.Plan:
        """Prepare a rebuild and leave it to the reporting worker (its RebuildRunner), not to this process."""
        return rebuild.prepare(self.client, self.db, force, run_here=False)

    def rebuild_runner(self) -> rebuild.RebuildRunner:
        return rebuild.RebuildRunner(self.client, self.db)


def wire(settings: Settings) -> Reporting:
    client = client_of(settings)
    db = client[settings.database_name("reporting")]
    audit.ensure_indexes(db)
    db["dead_letters"].create_index("at")
    store.ensure_generation(db, store.state(db)["current"])
    return Reporting(settings, client, db)
