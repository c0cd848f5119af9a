"""A unit of work: the aggregates one command touched, stored atomically with their outbox entries."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from jajo.domain import Aggregate
from jajo.envelope import Context, unwrap, wrap
from jajo.errors import NotFound, PreconditionFailed
from jajo.eventstore import EventStore
from jajo.metrics import EVENTS_APPENDED
from jajo.mongo import CommitOutcomeUnknown, in_transaction

A = TypeVar("A", bound=Aggregate)


class IdempotentReplay(Exception):
    """Another request with the same Idempotency-Key committed first."""


@dataclass
class IdempotencyClaim:
    key: str
    fingerprint: str
    committed: bool = False
    outcome_unknown: bool = False  # the commit may or may not have happened: the claim document tells

    def document(self) -> dict:
        return {"_id": self.key, "fingerprint": self.fingerprint, "response": None}


@dataclass
class UnitOfWork:
    client: MongoClient
    store: EventStore
    source: str
    context: Context = field(default_factory=Context)
    claim: IdempotencyClaim | None = None
    expected_version: int | None = None
    after_append: list[Callable[[ClientSession], None]] = field(default_factory=list)
    seen: dict[str, Aggregate] = field(default_factory=dict)
    envelopes: list[dict] = field(default_factory=list)
    changed: list[Aggregate] = field(default_factory=list)

    def get(self, cls: type[A], aggregate_id: str, *, check_version: bool = True) -> A:
        """Load an aggregate; `check_version` applies the request's If-Match to it."""
        if aggregate_id in self.seen:
            return self.seen[aggregate_id]  # type: ignore[return-value]
        history = self.store.load(aggregate_id)
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
            wrap(event, source=self.source, subject=aggregate.id, aggregate_type=aggregate.aggregate_type, context=self.context)
            for aggregate in self.changed
            for event in aggregate.take_pending()
        ]
        try:
            self._transaction(self._write)
        except CommitOutcomeUnknown:
            if self.claim is None:
                raise
            # The claim document is in the same transaction: once MongoDB answers, it says whether this
            # committed. The handler and the view go on and build the real answer; jajo.http.idempotency
            # stores it with the claim if the claim is there, and answers 503 if it is not.
            self.claim.outcome_unknown = True
        else:
            for envelope in self.envelopes:
                EVENTS_APPENDED.labels(self.source, envelope["type"]).inc()
        if self.claim:
            self.claim.committed = True
        return self.envelopes

    def _transaction(self, write: Callable[[ClientSession], None]) -> None:
        in_transaction(self.client, write)

    def _write(self, session: ClientSession) -> None:
        self.store.append(self.envelopes, session)
        for aggregate in self.changed:
            self._save_view(aggregate, session)
        for write in self.after_append:
            write(session)
        if self.claim:
            try:
                self.store.db["idempotency"].insert_one(self.claim.document(), session=session)
            except DuplicateKeyError:
                raise IdempotentReplay() from None

    def _save_view(self, aggregate: Aggregate, session: ClientSession) -> None:
        """Aggregates with a `view()` keep a queryable current-state document beside their events."""
        view = getattr(aggregate, "view", None)
        if view is None:
            return
        document = {**view(), "_id": aggregate.id, "version": aggregate.version}
        self.store.save_view(f"{aggregate.aggregate_type}_views", document, session)
