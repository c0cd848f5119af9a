"""The audit history: every event ever received, kept unchanged, append-only.

Each record (`_id` = the event id) has a sequence number `seq`, reserved in the projector's transaction
from the state document's counter: batches commit in sequence order, so paging by `seq` never skips a
record that a concurrent batch commits later.

Reads go through closed ranges of `seq` (or one subject): SecantusDB applies a limit only after it has
walked the whole of an open range, so `seq > n` with a limit costs the entire history after n.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from jajo.events_doc import declared_types
from jajo import events
from jajo.events import EventType
from services.reporting.projection import event_time
from services.reporting.generation import STATE_ID

COLLECTION = "audit_events"
DECLARED: dict[str, EventType] = declared_types()
GUARDIAN = "guardian:"


def ensure_indexes(db: Database) -> None:
    audit = db[COLLECTION]
    audit.create_index([("seq", ASCENDING)], unique=True)
    audit.create_index([("subject", ASCENDING), ("envelope.aggregateversion", ASCENDING)])
    audit.create_index([("type", ASCENDING)])
    audit.create_index([("source", ASCENDING)])
    audit.create_index([("at", ASCENDING)])
    audit.create_index([("people", ASCENDING), ("seq", ASCENDING)])


def people(envelope: dict) -> list[str]:
    """The members an event is about: the ids its declared fields name, and the guardian who sent it."""
    event_type, data = DECLARED.get(envelope.get("type", "")), envelope.get("data")
    named = set(event_type.people_named(data)) if event_type is not None and isinstance(data, dict) else set()
    actor = envelope.get("actor")
    if isinstance(actor, str) and actor.startswith(GUARDIAN):
        named.add(actor.removeprefix(GUARDIAN))
    return sorted(named)


def record(db: Database, envelopes: list[dict], first_seq: int, session: ClientSession) -> None:
    """Raises DuplicateKeyError when another projector instance recorded one of them first."""
    if not envelopes:
        return
    try:
        db[COLLECTION].insert_many(
            [
                {
                    "_id": e["id"],
                    "seq": first_seq + offset,
                    "subject": e["subject"],
                    "type": e["type"],
                    "source": e["source"],
                    "at": event_time(e),
                    "people": people(e),
                    "envelope": e,
                }
                for offset, e in enumerate(envelopes)
            ],
            session=session,
        )
    except BulkWriteError as exc:
        if any(error.get("code") == 11000 for error in exc.details.get("writeErrors", [])):
            raise DuplicateKeyError("an event of the batch is already recorded", 11000) from None
        raise


# Who reads the audit, and how much of `data` each sees (least privilege: personal data is asked for).
VIEWER, STAFF, PERSONAL = "viewer", "staff", "personal"


def personal_fields(envelope: dict) -> tuple[str, ...]:
    """The `data` fields of the envelope's type that hold personal data (`personal` for a type nobody declared)."""
    declared = DECLARED.get(envelope.get("type", ""))
    return declared.personal if declared is not None else (events.PERSONAL,)


def strip_personal(envelope: dict) -> dict:
    data, hidden = envelope.get("data"), personal_fields(envelope)
    if isinstance(data, dict) and any(name in data for name in hidden):
        return {**envelope, "data": {k: v for k, v in data.items() if k not in hidden}}
    return envelope


def person_history(db: Database, member_id: str) -> list[dict]:
    """Every event about one member (audit records made before `people` was recorded are not found)."""
    cursor = db[COLLECTION].find({"people": member_id}, {"_id": 0, "envelope": 1})
    return [doc["envelope"] for doc in cursor.sort("seq", ASCENDING)]


def for_viewers(envelope: dict) -> dict:
    """The envelope with only the `data` fields its type allows viewers (`EventType.viewer_fields`); a type
    nobody declared shows none."""
    declared, data = DECLARED.get(envelope.get("type", "")), envelope.get("data")
    return {**envelope, "data": declared.for_viewers(data) if declared and isinstance(data, dict) else {}}


def shown(envelope: dict, audience: str) -> dict:
    """An envelope as `audience` may read it: viewers through the allow-list, staff without `data.personal`
    unless they asked for it (`personal`)."""
    if audience == PERSONAL:
        return envelope
    return strip_personal(envelope) if audience == STAFF else for_viewers(envelope)


def personal_subjects(envelope: dict) -> list[str]:
    """The ids of the people whose personal data an envelope holds: its subject, the fields' owner (the member)
    and the children of a personal block."""
    data, declared = envelope.get("data"), DECLARED.get(envelope.get("type", ""))
    if not isinstance(data, dict) or not any(data.get(name) is not None for name in personal_fields(envelope)):
        return []
    block = data.get(events.PERSONAL)
    children = block.get("children") if isinstance(block, dict) else None
    children = children if isinstance(children, list) else []
    ids = [envelope.get("subject"), data.get(declared.owner or "member_id") if declared else data.get("member_id")]
    ids += [child.get("child_id") for child in children if isinstance(child, dict)]
    return [value for value in ids if isinstance(value, str)]


def subject_history(db: Database, subject: str) -> list[dict]:
    cursor = db[COLLECTION].find({"subject": subject}, {"_id": 0, "envelope": 1})
    return [doc["envelope"] for doc in cursor.sort("envelope.aggregateversion", ASCENDING)]


def _filter(
    subject: str | None = None,
    type: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = 0,
) -> dict:
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


def last_seq(db: Database) -> int:
    """The last sequence number reserved: every record has a `seq` of 1 to this (one read by _id)."""
    return (db["state"].find_one({"_id": STATE_ID}, {"seq": 1}) or {}).get("seq", 0)


def window(db: Database, after: int, upto: int, session: ClientSession | None = None, **filters: Any) -> list[dict]:
    """The matching records of sequence after < seq ≤ upto, by sequence (with `at`)."""
    query = _filter(after=after, **filters)
    query["seq"]["$lte"] = upto
    projection = {"seq": 1, "at": 1, "envelope": 1}
    return list(db[COLLECTION].find(query, projection, session=session).sort("seq", ASCENDING))


def between(db: Database, after: datetime | None, upto: datetime) -> Iterator[dict]:
    """The records of after < at ≤ upto (a closed range of the `at` index; no lower bound without `after`),
    grouped by `at` (in no particular order within one `at`)."""
    moments = {"$lte": upto, **({"$gt": after} if after is not None else {})}
    return db[COLLECTION].find({"at": moments}, {"seq": 1, "at": 1, "envelope": 1}).sort("at", ASCENDING)


def page(db: Database, limit: int, after: int = 0, **filters: Any) -> tuple[list[dict], int | None]:
    """Up to `limit` records after sequence `after`, oldest first, and the cursor of the next page: one subject
    by its index, else windows of sequence numbers that double until the page is full or the history ends."""
    if filters.get("subject"):
        query = _filter(**filters)
        del query["seq"]  # an equality on the subject alone, so that its index is the one used
        docs = sorted(
            (d for d in db[COLLECTION].find(query, {"seq": 1, "envelope": 1}) if d["seq"] > after),
            key=lambda d: d["seq"],
        )
    else:
        docs, start, width, last = [], after, limit + 1, last_seq(db)
        while len(docs) <= limit and start < last:
            docs += window(db, start, min(start + width, last), **filters)
            start, width = start + width, width * 2
    more = len(docs) > limit
    docs = docs[:limit]
    return [d["envelope"] for d in docs], (docs[-1]["seq"] if more and docs else None)


def stream(db: Database, batch: int = 2000, upto: int | None = None, **filters: Any) -> Iterator[dict]:
    """Every matching envelope up to sequence `upto` (default: the last one now), oldest first, a window of
    `batch` sequence numbers at a time (each a fresh, short query)."""
    last = last_seq(db) if upto is None else upto
    for start in range(0, last, batch):
        for doc in window(db, start, min(start + batch, last), **filters):
            yield doc["envelope"]


def count(db: Database, upto: int | None = None) -> int:
    return db[COLLECTION].count_documents({"seq": {"$lte": upto}} if upto is not None else {})
