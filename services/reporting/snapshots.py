"""The annual report `as_of` a past moment from snapshots, exactly equal to replaying the whole audit history.

The answer at a moment m is the projection of every audit record with `at` ≤ m (`at` as stored: milliseconds,
so the same truncation as the full replay's `at ≤ m` filter). The updates commute, so that set may be folded in
any order: a snapshot at T (an `at` value) holds the year's report sources — its `years` document and the
`groups` and `surveys` documents of that year or of none yet (a year, once stated, never changes) — after every
record with `at` ≤ T; the answer at m ≥ T is that snapshot plus the records with T < `at` ≤ m (a closed range of
the `at` index), replayed through the same projection.

Snapshots are made lazily by the `as_of` path itself, never by the projector: a replayed tail longer than
`every` records leaves a snapshot every `every` records (cut where `at` changes, so that a snapshot never splits
the records of one millisecond), written SAVED_TOGETHER at a time. The projector would have to read the year's
documents in its batches' transactions, and records of a moment may still arrive after it; a snapshot made by the
replay holds exactly what that replay folded; the replay reads the records up to the audit's committed watermark
(services/reporting/sequence.py). The projector only keeps them true: a batch with a record whose `at` is at or
before `state.snapshots_upto` (the latest snapshot's T, a field of the state document its reservation updates)
arrived late, and its reservation's transaction deletes the snapshots at or after that `at`. A snapshot's writer
updates the same state document in its transaction, after checking the records committed past the watermark it
replayed and the earliest event time of the batches still reserved (which may commit later), so a reservation and
a save never interleave (a write conflict retries one of them): a save either sees the reservation and keeps no
snapshot at or after its earliest record, or comes first and is invalidated by it.

Snapshots belong to the generation current when they were made; a rebuild's swap drops the others, so the
projection code that rebuilt the read models is the one that answers `as_of` too.
"""

from __future__ import annotations

import bisect
import copy
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.mongo import in_transaction
from services.reporting import audit, generation, sequence
from services.reporting.projection import MemoryModels, fold, replay

COLLECTION = "asof_snapshots"
CATALOGUE = "asof_catalogue"  # per generation and year: the sorted moments of its snapshots (one read by _id)
EVERY = 200  # records replayed at most past a snapshot, once the snapshots cover a moment
SAVED_TOGETHER = 25  # snapshots per bulk write
YEARLY = ("groups", "surveys")  # the collections the annual report finds by year


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("at", ASCENDING)])
    db[COLLECTION].create_index([("generation", ASCENDING)])


def millisecond(moment: datetime) -> datetime:
    """A moment as MongoDB stores and compares it."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _catalogue_id(number: int, year: int) -> str:
    return f"{number}:{year}"


def _snapshot_id(number: int, year: int, at: datetime) -> str:
    return f"{number}:{year}:{at.isoformat()}"


# --- the year's report sources ----------------------------------------------------------------------------
def sources(models: MemoryModels, year: int) -> dict[str, list[dict]]:
    """The documents `report.annual(models, year)` can ever read, now or after more records."""
    found = {"years": [doc] if (doc := models.get("years", str(year))) else []}
    for name in YEARLY:
        found[name] = [doc for doc in models.docs[name].values() if doc.get("year") in (None, year)]
    return copy.deepcopy(found)


def restore(snapshot: dict | None) -> MemoryModels:
    models = MemoryModels()
    for name, docs in (snapshot or {}).get("docs", {}).items():
        models.docs[name] = {doc["_id"]: doc for doc in docs}
    return models


# --- the answer -------------------------------------------------------------------------------------------
def full_replay(db: Database, moment: datetime) -> MemoryModels:
    """The read models of the whole audit history up to `moment`: what the snapshots must always equal."""
    return replay(audit.stream(db, until=moment))


def _base(db: Database, number: int, year: int, moment: datetime) -> tuple[datetime | None, dict | None]:
    """The latest snapshot at or before `moment` (two reads by _id), or none."""
    points = (db[CATALOGUE].find_one({"_id": _catalogue_id(number, year)}) or {}).get("points", [])
    points = sorted(points)
    index = bisect.bisect_right(points, millisecond(moment))
    while index > 0:
        at = points[index - 1]
        found = db[COLLECTION].find_one({"_id": _snapshot_id(number, year, at)})
        if found is not None:
            return at, found
        index -= 1  # deleted since the catalogue was read (a late record, a rebuild)
    return None, None


def models_as_of(db: Database, year: int, moment: datetime, every: int = EVERY) -> MemoryModels:
    """Read models enough for `report.annual(…, year, …)` as of `moment`: a snapshot and the records after it."""
    number, last = generation.state(db)["current"], audit.last_seq(db)
    after, base = _base(db, number, year, moment)
    models, pending, cuts = restore(base), [], []
    tail = (r for r in audit.between(db, after, moment) if r["seq"] <= last)
    for at, records in groupby(tail, key=lambda r: r["at"]):
        pending += [r["envelope"] for r in records]
        if len(pending) >= every:
            fold(models, pending)
            pending = []
            cuts.append({"at": at, "docs": sources(models, year)})
        if len(cuts) >= SAVED_TOGETHER:  # a long first replay keeps what it made even if its request times out
            save(db, number, year, last, cuts)
            cuts = []
    fold(models, pending)
    if cuts:
        save(db, number, year, last, cuts)
    return models


# --- keeping them ------------------------------------------------------------------------------------------
def save(db: Database, number: int, year: int, replayed_upto: int, cuts: list[dict]) -> None:
    """Store the snapshots of a replay that read the records up to sequence `replayed_upto`, less those that a
    record committed since has made untrue; nothing if a rebuild swapped the generation meanwhile."""

    def write(session: ClientSession) -> None:
        state = generation.state(db, session)
        if state["current"] != number:
            return
        since = audit.window(db, replayed_upto, state["seq"], session=session)
        pending = sequence.open_earliest(db, session)  # batches that may still commit records
        late = min([r["at"] for r in since] + ([pending] if pending is not None else []), default=None)
        kept = [cut for cut in cuts if late is None or cut["at"] < late]
        if not kept:
            return
        db["state"].update_one(
            {"_id": generation.STATE_ID}, {"$max": {"snapshots_upto": kept[-1]["at"]}}, session=session
        )
        db[COLLECTION].bulk_write(
            [
                ReplaceOne(
                    {"_id": _snapshot_id(number, year, cut["at"])},
                    {"generation": number, "year": year, "at": cut["at"], "docs": cut["docs"]},
                    upsert=True,
                )
                for cut in kept
            ],
            ordered=False,
            session=session,
        )
        db[CATALOGUE].update_one(
            {"_id": _catalogue_id(number, year)},
            {"$addToSet": {"points": {"$each": [cut["at"] for cut in kept]}}, "$set": {"generation": number}},
            upsert=True,
            session=session,
        )

    in_transaction(db.client, write)


def invalidate(db: Database, state: dict, earliest: datetime, session: ClientSession) -> None:
    """In the projector's transaction (`state` as its batch left it): a batch with a record at or before the
    latest snapshot drops the snapshots it makes untrue."""
    upto: Any = state.get("snapshots_upto")
    earliest = millisecond(earliest)
    if upto is None or earliest > upto:
        return
    db[COLLECTION].delete_many({"at": {"$gte": earliest}}, session=session)
    db[CATALOGUE].update_many({}, {"$pull": {"points": {"$gte": earliest}}}, session=session)
    db["state"].update_one(
        {"_id": generation.STATE_ID},
        {"$set": {"snapshots_upto": earliest - timedelta(milliseconds=1)}},
        session=session,
    )


def drop_other_generations(db: Database, keep: int) -> None:
    """After a rebuild's swap: the snapshots the previous projection code made go (requests still reading one
    find it gone and replay from an earlier one)."""
    db[COLLECTION].delete_many({"generation": {"$ne": keep}})
    db[CATALOGUE].delete_many({"generation": {"$ne": keep}})


def count(db: Database) -> int:
    return db[COLLECTION].count_documents({})
