"""The audit history: every event ever received, kept unchanged, append-only.

Each record (`_id` = the event id) has a sequence number `seq`, reserved in the projector's transaction
from the state document's counter: batches commit in sequence order, so paging by `seq` never skips a
record that a concurrent batch commits later.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.reporting.projection import event_time

COLLECTION = "audit_events"


def ensure_indexes(db: Database) -> None:
    audit = db[COLLECTION]
    audit.create_index([("seq", ASCENDING)], unique=True)
    audit.create_index([("subject", ASCENDING), ("envelope.aggregateversion", ASCENDING)])
    audit.create_index([("type", ASCENDING)])
    audit.create_index([("source", ASCENDING)])
    audit.create_index([("at", ASCENDING)])


def record(db: Database, envelopes: list[dict], first_seq: int, session: ClientSession) -> None:
    """Raises DuplicateKeyError when another projector instance recorded one of them first."""
    if not envelopes:
        return
    try:
        db[COLLECTION].insert_many(
            [
                {"_id": e["id"], "seq": first_seq + offset, "subject": e["subject"], "type": e["type"],
                 "source": e["source"], "at": event_time(e), "envelope": e}
                for offset, e in enumerate(envelopes)
            ],
            session=session,
        )
    except BulkWriteError as exc:
        if any(error.get("code") == 11000 for error in exc.details.get("writeErrors", [])):
            raise DuplicateKeyError("an event of the batch is already recorded", 11000) from None
        raise


def strip_personal(envelope: dict) -> dict:
    data = envelope.get("data")
    if isinstance(data, dict) and "personal" in data:
        return {**envelope, "data": {k: v for k, v in data.items() if k != "personal"}}
    return envelope


def subject_history(db: Database, subject: str) -> list[dict]:
    cursor = db[COLLECTION].find({"subject": subject}, {"_id": 0, "envelope": 1})
    return [doc["envelope"] for doc in cursor.sort("envelope.aggregateversion", ASCENDING)]


def _filter(subject: str | None = None, type: str | None = None, source: str | None = None,
            since: datetime | None = None, until: datetime | None = None, after: int = 0) -> dict:
    query: dict[str, Any] = {"seq": {"$gt": after}}
    if subject:
        query["subject"] = subject
    if type:
        query["type"] = type
    if source:
        query["source"] = source if source.startswith("/") else f"/{source}"
    if since or until:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lte": until} if until else {})}
    return query


def page(db: Database, limit: int, after: int = 0, **filters: Any) -> tuple[list[dict], int | None]:
    """Up to `limit` records after sequence `after`, oldest first, and the cursor of the next page."""
    docs = list(db[COLLECTION].find(_filter(after=after, **filters), {"seq": 1, "envelope": 1})
                .sort("seq", ASCENDING).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return [d["envelope"] for d in docs], (docs[-1]["seq"] if more and docs else None)


def stream(db: Database, batch: int = 2000, upto: int | None = None, **filters: Any) -> Iterator[dict]:
    """Every matching envelope, oldest first, page by page (each page a fresh, short query)."""
    after = 0
    while True:
        query = _filter(after=after, **filters)
        if upto is not None:
            query["seq"]["$lte"] = upto
        docs = list(db[COLLECTION].find(query, {"seq": 1, "envelope": 1}).sort("seq", ASCENDING).limit(batch))
        for doc in docs:
            yield doc["envelope"]
        if len(docs) < batch:
            return
        after = docs[-1]["seq"]


def count(db: Database, upto: int | None = None) -> int:
    return db[COLLECTION].count_documents({"seq": {"$lte": upto}} if upto is not None else {})
