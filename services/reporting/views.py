"""Reporting's read side: the projector (every event of every topic into the audit history and the read
models) and the queries the API asks (`ReportingViews`).

The projector writes one transaction per batch (the consumer base adds the tracking records of the event ids
to it): reserve audit sequence numbers, append the envelopes unchanged, apply the merged commutative updates
of the batch with one bulk write per collection to the current generation and, while a rebuild runs, to the
generation being built.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.config import TOPICS, Settings
from jajo.consumer import consumer_health, dead_letter_count, lag
from services.reporting import audit, generation, report, snapshots
from services.reporting.projection import EVENT_TYPES, event_time, project_all


def topics(settings: Settings) -> list[str]:
    """Reporting reads every topic."""
    return [settings.topic(name) for name in TOPICS]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class ReportingProjection:
    name = "reporting-projector"
    known_types = EVENT_TYPES

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.topics = topics(settings)

    def apply_batch(self, envelopes: list[dict], session: ClientSession) -> None:
        if not envelopes:
            return
        ops = project_all(envelopes)  # raises for an event it cannot project, before anything is written
        times = [event_time(e) for e in envelopes]
        state = generation.advance(self.db, len(envelopes), max(times), session)
        audit.record(self.db, envelopes, state["seq"] - len(envelopes) + 1, session)
        snapshots.invalidate(self.db, state, min(times), session)
        for number in generation.generations(state):
            generation.apply_ops(self.db, number, ops, session)

    def apply(self, envelope: dict, session: ClientSession) -> None:
        self.apply_batch([envelope], session)

    def has_applied(self, event_id: str, session: ClientSession) -> bool:
        """An event is applied when it is in the audit history (a dead letter is tracked, not recorded)."""
        return self.db[audit.COLLECTION].find_one({"_id": event_id}, session=session) is not None


class ReportingViews:
    def __init__(self, db: Database, settings: Settings, snapshot_every: int = snapshots.EVERY):
        self.db = db
        self.settings = settings
        self.snapshot_every = snapshot_every

    def ensure_indexes(self) -> None:
        audit.ensure_indexes(self.db)
        snapshots.ensure_indexes(self.db)
        generation.ensure_generation(self.db, generation.state(self.db)["current"])

    def models(self):
        """The live read models."""
        return generation.current_models(self.db)

    def annual(self, year: int, as_of: datetime | None = None, *, full_replay: bool = False) -> dict:
        """The live report, or the report as of a moment (by event time): from the year's snapshots, or
        (`full_replay`, for checks and benchmarks) by replaying the whole audit history up to it."""
        if as_of is None:
            return report.annual(self.models(), year, rfc3339(datetime.now(timezone.utc)))
        if full_replay:
            models = snapshots.full_replay(self.db, as_of)
        else:
            models = snapshots.models_as_of(self.db, year, as_of, self.snapshot_every)
        return report.annual(models, year, rfc3339(as_of))

    def group(self, group_id: str) -> dict | None:
        return report.group(self.models(), group_id)

    def lag(self) -> int:
        return lag(self.settings, self.db, topics(self.settings))

    def status(self, lag: int) -> dict:
        """The projection's status (`GET /projections/status`) with the lag the caller measured."""
        state = generation.state(self.db)
        last = state.get("last_event_at")
        rebuild = state.get("rebuild")
        consumers = [
            {**member, "failing_since": rfc3339(member["failing_since"]) if member["failing_since"] else None}
            for member in consumer_health(self.db, self.settings.consumer_stalled_seconds)
        ]
        return {
            "stalled": any(member["stalled"] for member in consumers),
            "consumers": consumers,
            "lag": lag,
            "last_event_time": rfc3339(last) if isinstance(last, datetime) else None,
            "dead_letters": dead_letter_count(self.db),
            "generation": state["current"],
            "rebuild": {k: (rfc3339(v) if isinstance(v, datetime) else v) for k, v in rebuild.items()}
            if rebuild
            else None,
        }

    # --- audit history ----------------------------------------------------------------------------
    def audit_page(self, limit: int, after: int, **filters) -> tuple[list[dict], int | None]:
        return audit.page(self.db, limit, after, **filters)

    def audit_stream(self, **filters):
        return audit.stream(self.db, **filters)

    def subject_history(self, subject: str) -> list[dict]:
        return audit.subject_history(self.db, subject)

    def person_history(self, member_id: str) -> list[dict]:
        return audit.person_history(self.db, member_id)
