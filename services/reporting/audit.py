"""The audit history: every event ever received, kept unchanged, append-only.

Each record (`_id` = the event id) has a sequence number `seq`, unique and increasing but with gaps, reserved
per batch before the batch's transaction (services/reporting/sequence.py). Batches of concurrent projectors
commit out of sequence order, so every read here stops at the committed watermark (`last_seq`): every record
below it is committed already, so paging by `seq` never skips a record that a concurrent batch commits later.

Reads go through closed ranges of `seq` (or one subject, or one closed `at` window): SecantusDB applies a limit
only after it has walked the whole of an open range, so `seq > n` with a limit costs the entire history after n.
SecantusDB serves a query from one index only when that index covers every field of it (equalities, then one
range); any other field makes it a collection scan. So each query names exactly the fields of one index (`type`
or `source` with the `seq` range, the `seq` range alone, a subject, an `at` window) and the remaining filters are
checked here (`_matches`).
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
from services.reporting import sequence

COLLECTION = "audit_events"
DECLARED: dict[str, EventType] = declared_types()
GUARDIAN = "guardian:"
KEYED = ("type", "source")  # equality filters with a (field, seq) index: a window of one type reads only its records
MARKER = "multikey-marker"
PROJECTION = {"seq": 1, "at": 1, "subject": 1, "type": 1, "source": 1, "envelope": 1}


def ensure_indexes(db: Database) -> None:
    audit = db[COLLECTION]
    audit.create_index([("seq", ASCENDING)], unique=True)
    audit.create_index([("subject", ASCENDING), ("envelope.aggregateversion", ASCENDING)])
    for field in KEYED:
        audit.create_index([(field, ASCENDING), ("seq", ASCENDING)])
    audit.create_index([("at", ASCENDING)])
    audit.create_index([("people", ASCENDING), ("seq", ASCENDING)])
    if audit.estimated_document_count() == 0:
        # The first record with an array (`people`) marks its index multikey: a catalogue write that makes the
        # first batches of two projector members conflict. A record that no read can meet (no seq ≥ 0, no
        # people) marks it once, outside any transaction.
        try:
            audit.insert_one({"_id": MARKER, "seq": -1, "people": []})
        except DuplicateKeyError:
            pass  # another member starting at the same moment marks it
        audit.delete_one({"_id": MARKER})


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
) -> dict:
    """The conditions of the filters on the record's own fields (no `seq`)."""
    query: dict[str, Any] = {}
    if subject:
        query["subject"] = subject
    if type:
        query["type"] = type
    if source:
        query["source"] = source if source.startswith("/") else f"/{source}"
    if since or until:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lte": until} if until else {})}
    return query


def _matches(doc: dict, conditions: dict) -> bool:
    """Whether a record meets the conditions its query left out (equalities and the `at` bounds)."""
    for field, wanted in conditions.items():
        value = doc.get(field)
        if not isinstance(wanted, dict):
            if value != wanted:
                return False
        elif (
            value is None
            or ("$gte" in wanted and value < wanted["$gte"])
            or ("$lte" in wanted and value > wanted["$lte"])
        ):
            return False
    return True


def _keyed(conditions: dict) -> tuple[dict, dict]:
    """The equality a (field, seq) index serves along with a `seq` range, and the conditions left to `_matches`."""
    field = next((name for name in KEYED if name in conditions), None)
    if field is None:
        return {}, conditions
    rest = dict(conditions)
    return {field: rest.pop(field)}, rest


def last_seq(db: Database) -> int:
    """The committed watermark: every record with a `seq` up to it is committed, and none below it will come."""
    return sequence.committed_upto(db)


def window(db: Database, after: int, upto: int, session: ClientSession | None = None, **filters: Any) -> list[dict]:
    """The matching records of sequence after < seq ≤ upto, by sequence (with `at`)."""
    key, rest = _keyed(_filter(**filters))
    query = {**key, "seq": {"$gt": after, "$lte": upto}}
    found = db[COLLECTION].find(query, PROJECTION, session=session).sort("seq", ASCENDING)
    return [doc for doc in found if _matches(doc, rest)]


def between(db: Database, after: datetime | None, upto: datetime) -> Iterator[dict]:
    """The records of after < at ≤ upto (a closed range of the `at` index; no lower bound without `after`),
    grouped by `at` (in no particular order within one `at`)."""
    moments = {"$lte": upto, **({"$gt": after} if after is not None else {})}
    return db[COLLECTION].find({"at": moments}, {"seq": 1, "at": 1, "envelope": 1}).sort("at", ASCENDING)


def _whole(db: Database, limit: int, after: int, upto: int, key: dict, rest: dict) -> list[dict]:
    """The first limit + 1 matches of after < seq ≤ upto of a closed key (one subject or one `at` window), by
    sequence: the key's records read without their envelopes, then the page's envelopes by _id."""
    brief = {name: 1 for name in PROJECTION if name != "envelope"}
    found = db[COLLECTION].find(key, brief)
    matching = (d for d in found if after < d["seq"] <= upto and _matches(d, rest))
    chosen = sorted(matching, key=lambda d: d["seq"])[: limit + 1]
    if not chosen:
        return []
    full = {d["_id"]: d for d in db[COLLECTION].find({"_id": {"$in": [d["_id"] for d in chosen]}}, PROJECTION)}
    return [full[d["_id"]] for d in chosen]


def next_width(width: int, found: int, missing: int) -> int:
    """The next window of sequence numbers: as wide as the last window's density says the missing records need
    (a tenth more), at most twice as wide; twice as wide when the last one held none."""
    if found == 0:
        return width * 2
    return max(1, min(width * 2, -(-missing * width * 11 // (found * 10))))


def page(db: Database, limit: int, after: int = 0, **filters: Any) -> tuple[list[dict], int | None]:
    """Up to `limit` records after sequence `after`, oldest first, and the cursor of the next page: one subject
    by its index, a window of time (`since` and `until`) by the `at` index, else windows of sequence numbers
    sized by the density of the last one
    (`next_width`) until the page is full or the history ends."""
    conditions, last = _filter(**filters), last_seq(db)
    moments = conditions.get("at", {})
    if "subject" in conditions or ("$gte" in moments and "$lte" in moments):
        field = "subject" if "subject" in conditions else "at"
        rest = {name: value for name, value in conditions.items() if name != field}
        docs = _whole(db, limit, after, last, {field: conditions[field]}, rest)
    else:
        docs, start, width = [], after, limit + 1
        while len(docs) <= limit and start < last:
            found = window(db, start, min(start + width, last), **filters)
            docs += found
            start, width = start + width, next_width(width, len(found), limit + 1 - len(docs))
    more = len(docs) > limit
    docs = docs[:limit]
    return [d["envelope"] for d in docs], (docs[-1]["seq"] if more and docs else None)


def stream(db: Database, batch: int = 2000, upto: int | None = None, **filters: Any) -> Iterator[dict]:
    """Every matching envelope up to sequence `upto` (default: the committed watermark now), oldest first, a window of
    `batch` sequence numbers at a time (each a fresh, short query)."""
    last = last_seq(db) if upto is None else upto
    for start in range(0, last, batch):
        for doc in window(db, start, min(start + batch, last), **filters):
            yield doc["envelope"]


def count(db: Database, upto: int | None = None) -> int:
    return db[COLLECTION].count_documents({"seq": {"$lte": upto}} if upto is not None else {})
