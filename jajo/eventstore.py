"""Append-only event store with a transactional outbox, one per write service database."""

from __future__ import annotations

import time
from typing import Iterable, NamedTuple

from pymongo import ASCENDING, DESCENDING, InsertOne, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from jajo.errors import ConcurrencyConflict
from jajo.mongo import bulk_write, duplicate_key, ensure_collections
from jajo.personal import EnvelopeCipher


def outbox_id(seq: int, envelope: dict) -> str:
    """Sortable by the event's position (`positions`), so the relay publishes each subject's events in order."""
    return f"{seq:020d}-{envelope['id']}"


def positions(envelopes: list[dict], after: dict[str, int]) -> list[int]:
    """Each event's position: the clock in nanoseconds, or one more than its subject's previous event when the
    clock is behind that (another machine's clock, or one set back). A subject's next event is stored only by a
    transaction that read the previous one (the version's unique index), so positions rise along every subject's
    stream, which is the order Kafka keeps (one partition per key) and consumers rely on. Across subjects they
    need not follow the commit order, and no transaction shares a counter with another to take them.
    `after`: each subject's last position as its stream was read (StoredStream.position)."""
    last = dict(after)
    found = []
    for envelope in envelopes:
        subject = envelope["subject"]
        position = max(time.time_ns(), last.get(subject, 0) + 1)
        last[subject] = position
        found.append(position)
    return found


class StoredStream(NamedTuple):
    envelopes: list[dict]  # one aggregate's events, opened, in version order
    position: int  # the last one's position (0 for none, or for an event stored before positions were kept)


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
        ensure_collections(self.db, [self.events.name, self.outbox.name])
        self.events.create_index(
            [("subject", ASCENDING), ("aggregateversion", ASCENDING)], unique=True, name="aggregate_version"
        )

    def load(self, aggregate_id: str, session: ClientSession | None = None, rehydrating: bool = False) -> list[dict]:
        """One aggregate's events, opened; `rehydrating`: only to rebuild the aggregate (see erasure_in_history)."""
        return self.stream(aggregate_id, session, rehydrating).envelopes

    def stream(
        self, aggregate_id: str, session: ClientSession | None = None, rehydrating: bool = False
    ) -> StoredStream:
        """`load`, with the position the next event of the aggregate must follow (pass it to `append`)."""
        cursor = self.events.find({"subject": aggregate_id}, {"_id": 0, "envelope": 1, "seq": 1}, session=session)
        documents = list(cursor.sort("aggregateversion", ASCENDING))
        envelopes = [doc["envelope"] for doc in documents]
        position = documents[-1].get("seq", 0) if documents else 0
        if self.cipher is not None:
            envelopes = self.cipher.open(envelopes, session, trust_cache=rehydrating and self.erasure_in_history)
        return StoredStream(envelopes, position)

    def append(
        self,
        envelopes: Iterable[dict],
        session: ClientSession,
        after: dict[str, int] | None = None,
        views: Iterable[tuple[str, dict]] = (),
    ) -> None:
        """Store events, then their outbox entries and the aggregates' current-state `views` ((collection,
        document) pairs, as `save_view` stores one) in one more round trip; a taken (aggregate, version) raises
        ConcurrencyConflict. `after`: the positions of the streams as read (`stream`); those of the other subjects
        are read here."""
        envelopes = list(envelopes)
        if not envelopes:
            return
        if self.cipher is not None:
            envelopes = self.cipher.seal(envelopes, session)
        known = {**self._positions_of(envelopes, after or {}, session), **(after or {})}
        numbers = positions(envelopes, known)
        # The events go first and alone: their unique (aggregate, version) decides the race, and the first
        # statement of a transaction carries its read concern, which SecantusDB refuses on a bulkWrite.
        try:
            self.events.insert_many(
                [self._event_document(e, seq) for e, seq in zip(envelopes, numbers)], session=session
            )
        except (DuplicateKeyError, BulkWriteError) as exc:
            if duplicate_key(exc):
                raise ConcurrencyConflict() from None
            raise
        outbox = [
            InsertOne(
                {"_id": outbox_id(seq, e), "seq": seq, "topic": self.topic, "key": e["subject"], "envelope": e},
                namespace=self._namespace(self.outbox.name),
            )
            for e, seq in zip(envelopes, numbers)
        ]
        replaced = [
            ReplaceOne({"_id": doc["_id"]}, doc, upsert=True, namespace=self._namespace(collection))
            for collection, doc in views
        ]
        bulk_write(self.db.client, [*outbox, *replaced], session)

    def _namespace(self, collection: str) -> str:
        return f"{self.db.name}.{collection}"

    def _positions_of(self, envelopes: list[dict], after: dict[str, int], session: ClientSession) -> dict[str, int]:
        """The last positions of the subjects not in `after` that have events already (none for a new stream)."""
        subjects = {e["subject"] for e in envelopes if e["subject"] not in after and e["aggregateversion"] > 1}
        found: dict[str, int] = {}
        for subject in subjects:
            last = self.events.find_one(
                {"subject": subject}, {"seq": 1}, sort=[("aggregateversion", DESCENDING)], session=session
            )
            found[subject] = (last or {}).get("seq", 0)
        return found

    def save_view(self, collection: str, document: dict, session: ClientSession | None = None) -> None:
        """An aggregate's current-state document (its `_id` the aggregate id), in the events' transaction."""
        self.db[collection].replace_one({"_id": document["_id"]}, document, upsert=True, session=session)

    @staticmethod
    def _event_document(envelope: dict, seq: int) -> dict:
        return {
            "_id": envelope["id"],
            "seq": seq,
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
