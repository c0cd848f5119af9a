"""cosmicpython's fakes: an event store and a unit of work in memory, so a handler's rules run in milliseconds.

`InMemoryEventStore` keeps the promises of `jajo.eventstore.EventStore` (tests/integration/test_eventstore_contract.py
holds both to them); `InMemoryUnitOfWork` is the real unit of work committing to it, all or nothing, also held open
for a request (`held=`, jajo.http.commit): its writes are undone if the request aborts. What a handler writes
beside its events (`after_append`) is called with no session. Idempotency claims need MongoDB.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Callable, Iterable, Iterator

from jajo.commands import CommandBus, Handler
from jajo.domain import new_id
from jajo.errors import ConcurrencyConflict
from jajo.eventstore import StoredStream
from jajo.personal import EnvelopeCipher, Erased
from jajo.unit_of_work import Transaction, UnitOfWork


class InMemoryEventStore:
    def __init__(self, topic: str = "memory.events", cipher: EnvelopeCipher | None = None):
        self.topic = topic
        self.cipher = cipher
        self.streams: dict[str, list[dict]] = {}  # aggregate id -> its envelopes in version order
        self.outbox: list[dict] = []  # stored, not yet published (the relay's work; tests clear it)
        self.views: dict[str, dict[str, dict]] = {}  # collection -> aggregate id -> current-state document
        self.topic_id: str | None = None

    def ensure_indexes(self) -> None:
        pass

    def load(self, aggregate_id: str, session: Any = None, rehydrating: bool = False) -> list[dict]:
        envelopes = copy.deepcopy(self.streams.get(aggregate_id, []))
        return envelopes if self.cipher is None else self.cipher.open(envelopes)

    def stream(self, aggregate_id: str, session: Any = None, rehydrating: bool = False) -> StoredStream:
        return StoredStream(self.load(aggregate_id, session, rehydrating), len(self.streams.get(aggregate_id, [])))

    def append(
        self,
        envelopes: Iterable[dict],
        session: Any = None,
        after: dict[str, int] | None = None,
        views: Iterable[tuple[str, dict]] = (),
    ) -> None:
        """All or none: a taken (aggregate, version), also twice in one batch, raises ConcurrencyConflict."""
        envelopes = [copy.deepcopy(envelope) for envelope in envelopes]
        if self.cipher is not None:
            envelopes = self.cipher.seal(envelopes)
        taken = {(subject, e["aggregateversion"]) for subject, stream in self.streams.items() for e in stream}
        for envelope in envelopes:
            key = (envelope["subject"], envelope["aggregateversion"])
            if key in taken:
                raise ConcurrencyConflict()
            taken.add(key)
        for envelope in envelopes:
            stream = self.streams.setdefault(envelope["subject"], [])
            stream.append(envelope)
            stream.sort(key=lambda e: e["aggregateversion"])
        self.outbox.extend(envelopes)
        for collection, document in views:
            self.save_view(collection, document)

    def save_view(self, collection: str, document: dict, session: Any = None) -> None:
        self.views.setdefault(collection, {})[document["_id"]] = copy.deepcopy(document)

    def all_events(self, batch_size: int = 1000) -> Iterator[dict]:
        return (copy.deepcopy(e) for stream in list(self.streams.values()) for e in stream)

    def history(self, batch_size: int = 1000) -> Iterator[dict]:
        """Every stored event not waiting in the outbox, each aggregate's in version order."""
        waiting = {e["id"] for e in self.outbox}
        return (
            copy.deepcopy(e)
            for subject in sorted(self.streams)
            for e in self.streams[subject]
            if e["id"] not in waiting
        )

    def history_topic_id(self) -> str | None:
        return self.topic_id

    def remember_history_topic_id(self, topic_id: str) -> None:
        self.topic_id = topic_id

    def pending_count(self) -> int:
        return len(self.outbox)

    def snapshot(self) -> tuple:
        return copy.deepcopy((self.streams, self.outbox, self.views))

    def restore(self, snapshot: tuple) -> None:
        self.streams, self.outbox, self.views = snapshot


class InMemoryKeyStore:
    """jajo.personal.KeyStore's promises in memory: a key per owner, made on first use; a tombstone once destroyed."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}

    def key_for(self, owner_id: str, session: Any = None) -> bytes:
        key = self.keys.setdefault(owner_id, os.urandom(32))
        if key is None:
            raise Erased(owner_id)
        return key

    def keys_of(self, owner_ids: Iterable[str], session: Any = None, trust_cache: bool = False) -> dict[str, bytes]:
        return {owner: key for owner in set(owner_ids) if (key := self.keys.get(owner)) is not None}

    def destroy(self, owner_id: str, session: Any = None) -> None:
        self.keys[owner_id] = None

    def new_owner(self) -> str:
        owner = new_id()
        self.keys[owner] = os.urandom(32)
        return owner


class MemoryTransaction:
    """A held commit's transaction over the in-memory store: written already; `abort` puts the store back."""

    session = None

    def __init__(self, store: InMemoryEventStore, before: tuple):
        self.store, self.before, self.ended = store, before, False

    def commit(self) -> None:
        self.ended = True

    def abort(self) -> None:
        if not self.ended:
            self.store.restore(self.before)
        self.ended = True

    def forget(self) -> None:
        self.ended = True


class InMemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: InMemoryEventStore, source: str = "memory", **options: Any):
        super().__init__(client=None, store=store, source=source, **options)  # type: ignore[arg-type]

    def _transaction(self, write: Callable[[Any], None]) -> None:
        before = self.store.snapshot()  # type: ignore[attr-defined]
        try:
            write(None)
        except BaseException:
            self.store.restore(before)  # type: ignore[attr-defined]
            raise

    def _open_transaction(self, write: Callable[[Any], None]) -> Transaction:
        before = self.store.snapshot()  # type: ignore[attr-defined]
        self._transaction(write)
        return MemoryTransaction(self.store, before)  # type: ignore[arg-type]


def memory_bus(handlers: dict[type, Handler], store: InMemoryEventStore, source: str = "memory") -> CommandBus:
    """A command bus whose units of work commit to `store`."""

    def new_uow(**options: Any) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store, source, **options)

    return CommandBus(handlers, new_uow)
