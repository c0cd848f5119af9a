"""The one composition shape: every service's `bootstrap(settings, **overrides)` returns a `Service`.

A `Service` holds the parts a service has (a write service's event store and bus, the read side's query
object `views`, the projection its consumer applies, other parts such as activity's document files) and
makes the loops its worker runs. `ensure_indexes()` creates every part's indexes: `python -m jajo.init`,
the workers, the app (on first use) and the test fixtures call it, nothing else creates indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from pymongo import MongoClient
from pymongo.database import Database

from jajo.answers import StoredAnswers
from jajo.commands import CommandBus, Handler
from jajo.config import Settings
from jajo.consumer import EventConsumer, Projection
from jajo.events_doc import declared_types
from jajo.eventstore import EventStore
from jajo.kafka import consumer, producer
from jajo.mongo import client_of
from jajo.personal import EnvelopeCipher, key_store
from jajo.relay import OutboxRelay
from jajo.unit_of_work import UnitOfWork


@dataclass
class Service:
    name: str
    settings: Settings
    client: MongoClient
    db: Database
    views: Any = None  # the read side's query object (services/<name>/views.py)
    store: EventStore | None = None  # a write service's event store and outbox
    bus: CommandBus | None = None
    projection: Callable[[], Projection] | None = None  # what this service's consumer applies, if it has one
    answers: StoredAnswers | None = None  # the idempotent answers its HTTP app stores (jajo.http.idempotency)
    parts: dict[str, Any] = field(default_factory=dict)  # anything else, reachable as attributes
    background: list[Callable[[Service], Any]] = field(default_factory=list)  # makers of further worker loops

    def __getattr__(self, name: str) -> Any:
        parts = self.__dict__.get("parts") or {}
        if name in parts:
            return parts[name]
        raise AttributeError(f"service {self.__dict__.get('name')!r} has no part {name!r}")

    def ensure_indexes(self) -> Service:
        """Create every part's indexes (idempotent); returns the service: `bootstrap(settings).ensure_indexes()`."""
        for part in (self.store, self.views, self.answers, *self.parts.values()):
            ensure = getattr(part, "ensure_indexes", None)
            if callable(ensure):
                ensure()
        if self.projection is not None:
            self.consumer().ensure_indexes()
        return self

    def relay(self) -> OutboxRelay:
        if self.store is None:
            raise AttributeError(f"{self.name} stores no events: it has no relay")
        relay = OutboxRelay(self.store, self.settings, partial(producer, self.settings))
        relay.name = f"{self.name}-relay"
        return relay

    def consumer(self) -> EventConsumer:
        """The Kafka consumer loop feeding this service's read models. Static mode: `settings.consumer_member`
        ("i/n") picks its share of the partitions when n processes split the work; group mode: a member of the
        projection's consumer group, which shares the partitions out (docs/deploy.md, "Consumer groups")."""
        if self.projection is None:
            raise AttributeError(f"{self.name} consumes no events")
        projection = self.projection()
        settings = self.settings
        group = settings.consumer_group_of(projection.name) if settings.grouped else None
        loop = EventConsumer(
            projection,
            self.client,
            self.db,
            partial(consumer, settings, group),
            member=settings.consumer_member_name() if settings.grouped else settings.consumer_member,
            stalled_after_seconds=settings.consumer_stalled_seconds,
            grouped=settings.grouped,
        )
        loop.name = projection.name
        return loop

    def loops(self) -> list:
        """What the service's worker runs: its relay, its consumer and any further loops."""
        loops: list = [self.relay()] if self.store is not None else []
        if self.projection is not None:
            loops.append(self.consumer())
        return loops + [make(self) for make in self.background]


def database(name: str, settings: Settings) -> tuple[MongoClient, Database]:
    client = client_of(settings)
    return client, client[settings.database_name(name)]


def personal_cipher(client: MongoClient, settings: Settings) -> EnvelopeCipher:
    """Seals and opens the personal fields of every declared event type, with the stack's key store."""
    return EnvelopeCipher(key_store(client, settings), declared_types())


def write_service(
    name: str,
    settings: Settings,
    handlers: dict[type, Handler],
    cipher: EnvelopeCipher | None = None,
    erasure_in_history: bool = False,
    **parts: Any,
) -> Service:
    """A service with an event store (sealing personal fields with `cipher`, the stack's by default; for
    `erasure_in_history` see EventStore), a unit of work per command and a bus; `parts` are the other fields."""
    client, db = database(name, settings)
    cipher = cipher or personal_cipher(client, settings)
    store = EventStore(db, settings.topic(f"{name}.events"), cipher, erasure_in_history=erasure_in_history)

    def new_uow(**options: Any) -> UnitOfWork:
        return UnitOfWork(client=client, store=store, source=name, **options)

    bus = CommandBus(handlers, new_uow, retries=settings.command_retries)
    answers = StoredAnswers(db, settings.idempotent_answer_seconds)
    return Service(name, settings, client, db, store=store, bus=bus, answers=answers, **parts)
