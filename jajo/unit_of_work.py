"""A unit of work: the aggregates one command touched, stored atomically with their outbox entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, TypeVar

from pymongo import InsertOne, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import ClientBulkWriteException, DuplicateKeyError

from jajo.answers import ANSWERS, CLAIMS
from jajo.domain import Aggregate
from jajo.envelope import Context, unwrap, wrap
from jajo.errors import NotFound, PreconditionFailed
from jajo.eventstore import EventStore
from jajo.metrics import EVENTS_APPENDED
from jajo.mongo import bulk_write, duplicate_key, in_transaction, open_transaction

A = TypeVar("A", bound=Aggregate)


class IdempotentReplay(Exception):
    """Another request with the same Idempotency-Key committed first."""


@dataclass
class IdempotencyClaim:
    """Kept for good in `idempotency` (jajo.answers): the key, the request's fingerprint and, once committed,
    `response` = the answer's outcome (status, Location, resource id); the answer's body expires beside it."""

    key: str
    fingerprint: str

    def document(self, response: dict | None = None) -> dict:
        return {"_id": self.key, "fingerprint": self.fingerprint, "response": response}

    def insert(
        self,
        db: Database,
        session: ClientSession,
        response: dict | None = None,
        answer: dict | None = None,
        begun: bool = True,
    ) -> None:
        """In the command's transaction: a key another request committed first raises IdempotentReplay. The
        answer's document (jajo.answers) goes in the same round trip once the transaction has begun (`begun`):
        a transaction's first statement carries its read concern, which SecantusDB refuses on a bulkWrite."""
        claim = self.document(response)
        try:
            if answer is not None and begun:
                writes = [
                    InsertOne(claim, namespace=f"{db.name}.{CLAIMS}"),
                    InsertOne(answer, namespace=f"{db.name}.{ANSWERS}"),
                ]
                bulk_write(db.client, writes, session)
                return
            db[CLAIMS].insert_one(claim, session=session)
        except (DuplicateKeyError, ClientBulkWriteException) as exc:
            if duplicate_key(exc, index=0):  # the claim's key
                raise IdempotentReplay() from None
            raise
        if answer is not None:
            db[ANSWERS].insert_one(answer, session=session)


class Transaction(Protocol):
    """A transaction whose work is written, not committed yet (jajo.mongo.OpenTransaction; jajo.memory's fake)."""

    session: Any

    def commit(self) -> None: ...

    def abort(self) -> None: ...

    def forget(self) -> None: ...


@dataclass
class HeldCommit:
    """A request's unit of work, written in a transaction that is left open: the HTTP layer writes the idempotency
    claim with the answer's outcome, and the answer, in that same transaction and only then commits
    (jajo.http.commit). So an
    accepted answer always means committed events, and a retry replays the answer the first try gave.
    Whoever commits it calls `committed()` once it did (the unit of work counts its events then)."""

    transaction: Transaction | None = None
    committed_after_all: Callable[[], bool] | None = None  # after an unknown outcome: did it commit?
    on_commit: Callable[[], None] | None = None
    wrote_events: bool = False  # the transaction has begun with the events' insert (IdempotencyClaim.insert)

    def hold(
        self, transaction: Transaction, committed_after_all: Callable[[], bool], on_commit: Callable[[], None]
    ) -> None:
        if self.transaction is not None:
            transaction.abort()
            raise AssertionError("a request commits one unit of work")
        self.transaction, self.committed_after_all, self.on_commit = transaction, committed_after_all, on_commit

    def committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class UnitOfWork:
    client: MongoClient
    store: EventStore
    source: str
    context: Context = field(default_factory=Context)
    claim: IdempotencyClaim | None = None
    held: HeldCommit | None = None  # an HTTP request's: commit() writes, the request commits with its answer
    expected_version: int | None = None
    after_append: list[Callable[[ClientSession], None]] = field(default_factory=list)
    seen: dict[str, Aggregate] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)  # each loaded stream's last position (EventStore)
    envelopes: list[dict] = field(default_factory=list)
    changed: list[Aggregate] = field(default_factory=list)

    def get(self, cls: type[A], aggregate_id: str, *, check_version: bool = True) -> A:
        """Load an aggregate; `check_version` applies the request's If-Match to it."""
        if aggregate_id in self.seen:
            return self.seen[aggregate_id]  # type: ignore[return-value]
        history, self.positions[aggregate_id] = self.store.stream(aggregate_id, rehydrating=True)
        if not history or history[0].get("aggregatetype", cls.aggregate_type) != cls.aggregate_type:
            raise NotFound(f"{cls.aggregate_type} {aggregate_id} does not exist")
        aggregate = cls.rehydrate(aggregate_id, (unwrap(e) for e in history))
        if check_version and self.expected_version is not None and aggregate.version != self.expected_version:
            raise PreconditionFailed(
                f"{cls.aggregate_type} {aggregate_id} is at version {aggregate.version}, not {self.expected_version}"
            )
        return self.add(aggregate)

    def load_optional(self, cls: type[A], aggregate_id: str) -> A:
        """An aggregate keyed by a natural id (a space-day): empty when it has no events yet."""
        try:
            return self.get(cls, aggregate_id, check_version=False)
        except NotFound:
            return self.add(cls(id=aggregate_id))

    def add(self, aggregate: A) -> A:
        self.seen[aggregate.id] = aggregate
        return aggregate

    def commit(self) -> list[dict]:
        self.changed = [aggregate for aggregate in self.seen.values() if aggregate.pending]
        self.envelopes = [
            wrap(
                event,
                source=self.source,
                subject=aggregate.id,
                aggregate_type=aggregate.aggregate_type,
                context=self.context,
            )
            for aggregate in self.changed
            for event in aggregate.take_pending()
        ]
        if self.held is None:
            self._transaction(self._write)
            self._count_committed()
        else:  # written now, committed by the request together with its answer (jajo.http.commit), counted then
            self.held.hold(self._open_transaction(self._write), self._committed_after_all, self._count_committed)
            self.held.wrote_events = bool(self.envelopes)
        return self.envelopes

    def _transaction(self, write: Callable[[ClientSession], None]) -> None:
        in_transaction(self.client, write)

    def _open_transaction(self, write: Callable[[ClientSession], None]) -> Transaction:
        return open_transaction(self.client, write)[0]

    def _count_committed(self) -> None:
        """The events metric counts committed events only: called once their transaction committed."""
        for envelope in self.envelopes:
            EVENTS_APPENDED.labels(self.source, envelope["type"]).inc()

    def _committed_after_all(self) -> bool:
        """Read after a commit whose outcome stayed unknown: the claim or the first event was written with it."""
        if self.claim is not None:
            return self.store.db[CLAIMS].find_one({"_id": self.claim.key}, {"_id": 1}) is not None
        if self.envelopes:
            return self.store.events.find_one({"_id": self.envelopes[0]["id"]}, {"_id": 1}) is not None
        return True  # nothing was written that could be lost

    def _write(self, session: ClientSession) -> None:
        views = [view for view in map(self._view_of, self.changed) if view is not None]
        self.store.append(self.envelopes, session, after=self.positions, views=views)
        for write in self.after_append:
            write(session)
        if self.claim and self.held is None:  # a held request's claim is written with its answer (HeldCommit)
            self.claim.insert(self.store.db, session)

    @staticmethod
    def _view_of(aggregate: Aggregate) -> tuple[str, dict] | None:
        """Aggregates with a `view()` keep a queryable current-state document beside their events."""
        view = getattr(aggregate, "view", None)
        if view is None:
            return None
        return f"{aggregate.aggregate_type}_views", {**view(), "_id": aggregate.id, "version": aggregate.version}
