"""Reporting's projector: every event of every topic into the audit history and the read models."""
from __future__ import annotations

from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.config import TOPICS, Settings
from services.reporting import audit

EVENT_TYPES = frozenset({
    "GroupFormed", "GroupApproved", "MemberJoined", "MemberLeft", "GroupClosed",
    "SessionScheduled", "SessionHeld", "SessionCancelled",
    "BudgetAllocated", "ExpenseClaimed", "ExpenseApproved", "ExpenseRejected", "DocumentSubmitted",
    "SurveyPublished", "SurveySubmitted", "SurveyClosed",
})


class ReportingProjection:
    name = "reporting-projector"
    known_types = EVENT_TYPES

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.topics = [settings.topic(name) for name in TOPICS]

    def apply_batch(self, envelopes: list[dict], session: ClientSession) -> None:
        audit.record(self.db, envelopes, session)
