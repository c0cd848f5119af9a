"""Append-only event store with a transactional outbox, one per write service database."""

from __future__ import annotations

import time
from typing import Iterable

from pymongo import ASCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from jajo.errors import ConcurrencyConflict
from jajo.personal import EnvelopeCipher

DUPLICATE_KEY = 11000


COUNTER_ID = "outbox"


def outbox_id(seq: int, envelope: dict) -> str:
    """Sortable by the sequence number taken inside the storing transaction, so the relay publishes in commit
    order: two transactions that take numbers conflict on the counter, so a later number never commits first
    (a wall clock read before the commit gave no such promise)."""
    return f"{seq:020d}-{envelope['id']}"


class EventStore:
    """With a `cipher`, declared personal fields are sealed on the way in (events, outbox, so the topic too) and
    opened by `load`; the history the relay republishes stays sealed.

    `erasure_in_history`: every destruction of a key this store's events are sealed under is itself an event of
    the owner's stream, committed with the destruction (registration: `MemberErased` in the member's group). An
    aggregate rebuilt from its stream then never needs the key store's epoch: a key destroyed before the stream was
    read comes with the event that erases what it opens, and one destroyed after makes the command's append conflict
    on the version. Other reads (`load` without `rehydrating`) always check the epoch."""

    def __init__(
        self, db: Database, topic: str, cipher: EnvelopeCipher | None = None, erasure_in_history: bool = False
    ):
        self.db = db
        self.topic = topic
        self.cipher = cipher
        self.erasure_in_history = erasure_in_history
        self.events = db["events"]
        self.outbox = db["outbox"]
        self.relay_state = db["relay"]

    def ensure_indexes(self) -> None:
        # The counter starts at the clock in nanoseconds: entries of the older, clock-keyed outbox sort first.
        self.db["counters"].update_one({"_id": COUNTER_ID}, {"$setOnInsert": {"seq": time.time_ns()}}, upsert=True)
        self.events.create_index(
            [("subject", ASCENDING), ("aggregateversion", ASCENDING)], unique=True, name="aggregate_version"
        )

    def load(self, aggregate_id: str, session: ClientSession | None = None, rehydrating: bool = False) -> list[dict]:
        """One aggregate's events, opened; `rehydrating`: only to rebuild the aggregate (see erasure_in_history)."""
        cursor = self.events.find({"subject": aggregate_id}, {"_id": 0, "envelope": 1}, session=session)
        envelopes = [doc["envelope"] for doc in cursor.sort("aggregateversion", ASCENDING)]
        if self.cipher is None:
            return envelopes
        return self.cipher.open(envelopes, session, trust_cache=rehydrating and self.erasure_in_history)

    def append(self, envelopes: Iterable[dict], session: ClientSession) -> None:
        """Store events and their outbox entries; a taken (aggregate, version) raises ConcurrencyConflict."""
        envelopes = list(envelopes)
        if not envelopes:
            return
        if self.cipher is not None:
            envelopes = self.cipher.seal(envelopes, session)
        try:
            self.events.insert_many([self._event_document(e) for e in envelopes], session=session)
        except (DuplicateKeyError, BulkWriteError) as exc:
            if _is_duplicate(exc):
                raise ConcurrencyConflict() from None
            raise
        last = self.db["counters"].find_one_and_update(
            {"_id": COUNTER_ID},
            {"$inc": {"seq": len(envelopes)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )["seq"]  # type: ignore[index]  # upserted
        first = last - len(envelopes) + 1
        self.outbox.insert_many(
            [
                {
                    "_id": outbox_id(first + n, e),
                    "seq": first + n,
                    "topic": self.topic,
                    "key": e["subject"],
                    "envelope": e,
                }
                for n, e in enumerate(envelopes)
            ],
            session=session,
        )

    def save_view(self, collection: str, document: dict, session: ClientSession | None = None) -> None:
        """An aggregate's current-state document (its `_id` the aggregate id), in the events' transaction."""
        self.db[collection].replace_one({"_id": document["_id"]}, document, upsert=True, session=session)

    @staticmethod
    def _event_document(envelope: dict) -> dict:
        return {
            "_id": envelope["id"],
            "subject": envelope["subject"],
            "aggregateversion": envelope["aggregateversion"],
            "type": envelope["type"],
            "envelope": envelope,
        }

    def all_events(self, batch_size: int = 1000):
        return (doc["envelope"] for doc in self.events.find({}, {"envelope": 1}).batch_size(batch_size))

    def history(self, batch_size: int = 1000):
        """Every stored event not waiting in the outbox, each aggregate's in version order."""
        waiting = {doc["envelope"]["id"] for doc in self.outbox.find({}, {"envelope.id": 1})}
        cursor = self.events.find({}, {"envelope": 1}).sort([("subject", ASCENDING), ("aggregateversion", ASCENDING)])
        return (
            doc["envelope"]
            for doc in cursor.hint("aggregate_version").batch_size(batch_size)
            if doc["_id"] not in waiting
        )

    def history_topic_id(self) -> str | None:
        """The id of the topic incarnation that the relay last gave the whole history."""
        state = self.relay_state.find_one({"_id": self.topic}) or {}
        return state.get("topic_id")

    def remember_history_topic_id(self, topic_id: str) -> None:
        self.relay_state.replace_one({"_id": self.topic}, {"_id": self.topic, "topic_id": topic_id}, upsert=True)

    def pending_count(self) -> int:
        return self.outbox.count_documents({})


def _is_duplicate(exc: Exception) -> bool:
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = getattr(exc, "details", {}).get("writeErrors", [])
    return any(error.get("code") == DUPLICATE_KEY for error in errors)
