"""The audit history: every event ever received, kept unchanged, append-only."""
from __future__ import annotations

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database


def ensure_indexes(db: Database) -> None:
    db["audit_events"].create_index([("envelope.subject", ASCENDING), ("envelope.aggregateversion", ASCENDING)])


def record(db: Database, envelopes: list[dict], session: ClientSession) -> None:
    if envelopes:
        db["audit_events"].insert_many([{"_id": e["id"], "envelope": e} for e in envelopes], session=session)


def subject_history(db: Database, subject: str) -> list[dict]:
    cursor = db["audit_events"].find({"envelope.subject": subject}, {"_id": 0, "envelope": 1})
    return [doc["envelope"] for doc in cursor.sort("envelope.aggregateversion", ASCENDING)]
