"""The audit's sequence numbers: reserved per batch before the batch's transaction, read up to a watermark.

Several projector processes write the audit at once (a static split "i/n", or a consumer group), so their batch
transactions must not write any document in common: MongoDB transactions conflict on every write to the same
document, and one shared counter written in every batch made the batches run one at a time.

Reserving. Before its transaction, a batch reserves its range of sequence numbers in a short transaction of its
own (`reserve`): it adds the batch's size to the counter of the state document and inserts a reservation record
`{_id: first, last, earliest, at}` (`earliest`: the batch's earliest event time), both at once. The batch's
transaction then inserts its audit records with those numbers and deletes its reservation record (`complete`).
A batch that gives up releases its reservation (`release`); a reservation whose process died is voided by the
same member when it starts again (`void_held_by`), else by the next one that finds it older than LEASE_SECONDS
(`void_stale`). A voided or released reservation can never
commit: the batch's transaction must delete its reservation record, which is then gone (nothing deleted: the
transaction aborts with ReservationLost, and is tried again with a new reservation) or was deleted by a write that
conflicts with the transaction's own (the transaction is retried and then finds it gone). Its numbers stay a gap: `seq` is unique and increasing, not
dense.

The no-skip guarantee. Batches now commit out of sequence order (a batch with lower numbers may commit after
one with higher numbers), so no reader may look past the *committed watermark* (`committed_upto`): the counter,
or one less than the lowest open reservation if there is one. Every number up to the watermark is settled: its
record is committed, or its reservation was released or voided and it never will be. The watermark is read as
the counter first and then the lowest open reservation: a reservation at or below that counter was committed
with it, before the counter was read, so the second read sees it if it is still open. A reader that pages by
`seq` up to the watermark and resumes after the last `seq` it returned therefore never skips a record: every
record with a lower `seq` was already committed when the page was read (audit.page, audit.stream, the as_of
snapshots, the rebuild all read up to it).

What still meets on the state document (each a transaction writing it, so any two are ordered): reservations,
the rebuild's start and swap, and the as_of snapshots' save and their invalidation. A reservation returns the
state document as it left it, and its batch writes to the generations named there: a rebuild's start notes the
counter S, so every batch with numbers above S reserved after the start and writes the new generation too,
and every batch at or below S is in the audit before the rebuild reads it (it waits for the watermark to reach
S, `wait_committed`). A reservation with a record at or before the latest snapshot invalidates the snapshots
in its own transaction (services/reporting/snapshots.py), and a snapshot's save counts the open reservations'
`earliest` as records that may still arrive.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import OperationFailure

from jajo.mongo import in_transaction
from services.reporting.generation import FIRST_GENERATION, STATE_ID

COLLECTION = "audit_reservations"
WRITE_CONFLICT = 112
LEASE_SECONDS = 120.0  # far past any batch transaction (MongoDB aborts them after 60 s)


@dataclass(frozen=True)
class Reservation:
    first: int
    last: int
    state: dict  # the state document as the reservation left it: the generations its batch writes


class ReservationLost(OperationFailure):
    """The batch's transaction found no reservation to close: it was voided (its holder looked dead), or it was
    made after the transaction's snapshot began (a transaction that read before reserving cannot see it). Like
    the write conflict it is, the transaction is tried again (TransientTransactionError), and the projector
    reserves anew if its reservation was voided."""

    def __init__(self, message: str):
        labels = {"codeName": "WriteConflict", "errorLabels": ["TransientTransactionError"]}
        super().__init__(message, WRITE_CONFLICT, labels)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("at", ASCENDING)])


def reserve(
    client: MongoClient,
    db: Database,
    count: int,
    earliest: datetime,
    latest: datetime,
    also: Callable[[dict, ClientSession], None] | None = None,
    holder: str | None = None,
    session: ClientSession | None = None,
) -> Reservation:
    """Reserve `count` numbers in a transaction of their own; `also(state, session)` runs in it. `holder`: the
    projector member that reserves them (`void_held_by`). `session`: the member's session for it, whose id is kept
    (jajo.mongo.MemberSessions): killed inside this transaction, the member would leave the state document
    write-locked for a minute unless its restart ends that session."""

    def take(session: ClientSession) -> Reservation:
        update = {
            "$inc": {"seq": count},
            "$setOnInsert": {"current": FIRST_GENERATION},
            "$max": {"last_event_at": latest},
        }
        doc = db["state"].find_one_and_update(
            {"_id": STATE_ID}, update, upsert=True, return_document=ReturnDocument.AFTER, session=session
        )
        state = {"building": None, **doc}  # type: ignore[dict-item]  # upserted
        first = state["seq"] - count + 1
        now = datetime.now(timezone.utc)
        record = {"_id": first, "last": state["seq"], "earliest": earliest, "at": now, "holder": holder}
        db[COLLECTION].insert_one(record, session=session)
        if also is not None:
            also(state, session)
        return Reservation(first, state["seq"], state)

    return in_transaction(client, take, session=session)


def complete(db: Database, reservation: Reservation, session: ClientSession) -> None:
    """In the batch's transaction: close its reservation (ReservationLost if it was voided)."""
    if db[COLLECTION].delete_one({"_id": reservation.first}, session=session).deleted_count != 1:
        raise ReservationLost(f"the reservation of {reservation.first}–{reservation.last} was voided")


def release(db: Database, reservation: Reservation) -> None:
    """A batch that will not commit with these numbers lets the watermark pass them."""
    db[COLLECTION].delete_one({"_id": reservation.first})


def void_stale(db: Database, lease_seconds: float = LEASE_SECONDS) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=lease_seconds)
    return db[COLLECTION].delete_many({"at": {"$lt": cutoff}}).deleted_count


def void_held_by(db: Database, holder: str) -> int:
    """A member starting again voids the reservations its previous run left (it crashed between a reservation and
    its batch's commit), instead of holding the watermark back until they are stale. Should another process run
    under the same name, its open batch finds its reservation gone and reserves anew."""
    return db[COLLECTION].delete_many({"holder": holder}).deleted_count


def committed_upto(db: Database, session: ClientSession | None = None) -> int:
    """The watermark: every number up to it is settled (two reads by _id order, the counter first)."""
    counter = (db["state"].find_one({"_id": STATE_ID}, {"seq": 1}, session=session) or {}).get("seq", 0)
    lowest = db[COLLECTION].find_one({}, {"_id": 1}, sort=[("_id", ASCENDING)], session=session)
    return counter if lowest is None else min(counter, lowest["_id"] - 1)


def open_earliest(db: Database, session: ClientSession | None = None) -> datetime | None:
    """The earliest event time of the batches still open: records that may yet arrive."""
    found = db[COLLECTION].find_one({}, {"earliest": 1}, sort=[("earliest", ASCENDING)], session=session)
    return None if found is None else found["earliest"]


def open_count(db: Database) -> int:
    return db[COLLECTION].count_documents({})


def wait_committed(
    db: Database, upto: int, on_wait: Callable[[], None] | None = None, timeout: float = LEASE_SECONDS + 60
) -> None:
    """Until the watermark reaches `upto` (voiding reservations whose holder died meanwhile)."""
    deadline = time.monotonic() + timeout
    while committed_upto(db) < upto:
        if time.monotonic() > deadline:
            raise TimeoutError(f"audit sequence numbers up to {upto} still reserved after {timeout:.0f} s")
        void_stale(db)
        if on_wait is not None:
            on_wait()
        time.sleep(0.05)
