"""Reporting's read side: the projector (every event of every topic into the audit history and the read
models) and the queries the API asks (`ReportingViews`).

The projector reserves a batch's audit sequence numbers in a short transaction of its own
(services/reporting/sequence.py), then writes one transaction per batch (the consumer base adds the tracking
records of the event ids to it): append the envelopes unchanged with those numbers, apply the merged commutative
updates of the batch with one bulk write per collection to the generations its reservation named (the current
one and, while a rebuild runs, the one being built), close the reservation.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.config import TOPICS, Settings
from jajo.consumer import consumer_health, dead_letter_count, lag
from jajo.mongo import MemberSessions
from services.reporting import audit, generation, report, sequence, snapshots
from services.reporting.projection import EVENT_TYPES, event_time, project_all


def topics(settings: Settings) -> list[str]:
    """Reporting reads every topic."""
    return [settings.topic(name) for name in TOPICS]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def shard_of(settings: Settings) -> str | None:
    """The part of the read-model documents this projector member writes (generation.part_id): the documents
    themselves for the first (or only) member of a static split, its own part for every other member."""
    if settings.grouped:
        return settings.consumer_member_name()
    member = settings.consumer_member.split("/")[0]
    return None if member == "0" else member


class ReportingProjection:
    name = "reporting-projector"
    known_types = EVENT_TYPES
    void_every = 10.0  # seconds between looks for reservations whose holder died

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.topics = topics(settings)
        self.shard = shard_of(settings)
        self.holder = settings.consumer_member_name() if settings.grouped else f"static {settings.consumer_member}"
        self._held: tuple[tuple[str, ...], sequence.Reservation] | None = None
        self._voided_at = float("-inf")
        self._left_over = True  # what this member's previous run may have left reserved (voided on the first batch)
        self._sessions: MemberSessions | None = None

    def use_sessions(self, sessions: MemberSessions) -> None:
        """The consumer's member sessions: the reservations' transactions run in one of them."""
        self._sessions = sessions

    def apply_batch(self, envelopes: list[dict], session: ClientSession) -> None:
        if not envelopes:
            return
        ops = [replace(op, shard=self.shard) for op in project_all(envelopes)]  # raises before anything is written
        taken, fresh = self._reservation(envelopes)
        audit.record(self.db, envelopes, taken.first, session)
        for number in generation.generations(taken.state):
            generation.apply_ops(self.db, number, ops, session)
        try:
            sequence.complete(self.db, taken, session)
        except sequence.ReservationLost:
            if not fresh:  # voided: the next try reserves anew (a fresh one was only younger than this snapshot)
                self._held = None
            raise

    def _reservation(self, envelopes: list[dict]) -> tuple[sequence.Reservation, bool]:
        """The batch's numbers, reserved outside its transaction (services/reporting/sequence.py), and whether
        they are new; the same ones when the transaction is tried again, and those of a batch given up are
        released."""
        key = tuple(e["id"] for e in envelopes)
        if self._held is not None and self._held[0] == key:
            return self._held[1], False
        if self._held is not None:
            sequence.release(self.db, self._held[1])
            self._held = None
        if self._left_over:
            sequence.void_held_by(self.db, self.holder)
            self._left_over = False
        if time.monotonic() - self._voided_at > self.void_every:
            self._voided_at = time.monotonic()
            sequence.void_stale(self.db)
        times = [event_time(e) for e in envelopes]
        earliest = min(times)

        def invalidate(state: dict, session: ClientSession) -> None:
            snapshots.invalidate(self.db, state, earliest, session)

        session = self._sessions.get("reservations") if self._sessions is not None else None
        taken = sequence.reserve(
            self.db.client,
            self.db,
            len(envelopes),
            earliest,
            max(times),
            also=invalidate,
            holder=self.holder,
            session=session,
        )
        self._held = (key, taken)
        return taken, True

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
        sequence.ensure_indexes(self.db)
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
