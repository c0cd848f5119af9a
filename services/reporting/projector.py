"""Reporting's projector: every event of every topic into the audit history and the read models.

One transaction per batch (the consumer base adds the tracking records of the event ids to it):
reserve audit sequence numbers, append the envelopes unchanged, apply the merged commutative
updates of the batch with one bulk write per collection to the current generation and, while a
rebuild runs, to the generation being built.
"""
from __future__ import annotations

from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.config import TOPICS, Settings
from services.reporting import audit, store
from services.reporting.readmodels import EVENT_TYPES, event_time, project_all


class ReportingProjection:
    name = "reporting-projector"
    known_types = EVENT_TYPES

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.topics = [settings.topic(name) for name in TOPICS]

    def apply_batch(self, envelopes: list[dict], session: ClientSession) -> None:
        if not envelopes:
            return
        ops = project_all(envelopes)  # raises for an event it cannot project, before anything is written
        last = max(event_time(e) for e in envelopes)
        state = store.advance(self.db, len(envelopes), last, session)
        audit.record(self.db, envelopes, state["seq"] - len(envelopes) + 1, session)
        for generation in store.generations(state):
            store.apply_ops(self.db, generation, ops, session)

    def apply(self, envelope: dict, session: ClientSession) -> None:
        self.apply_batch([envelope], session)
