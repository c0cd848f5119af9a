"""Wiring shared by the three write services: store, unit of work, bus, relay."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from jajo.commands import CommandBus, Handler
from jajo.config import Settings
from jajo.eventstore import EventStore
from jajo.consumer import EventConsumer, Projection
from jajo.kafka import consumer, producer
from jajo.mongo import client_of
from jajo.relay import OutboxRelay
from jajo.unit_of_work import UnitOfWork


@dataclass
class WriteService:
    name: str
    settings: Settings
    client: MongoClient
    db: Database
    store: EventStore
    bus: CommandBus

    def relay(self) -> OutboxRelay:
        relay = OutboxRelay(self.store, self.settings, partial(producer, self.settings))
        relay.name = f"{self.name}-relay"
        return relay

    def ensure_indexes(self) -> None:
        self.store.ensure_indexes()

    def event_consumer(self, projection: Projection) -> EventConsumer:
        """A consumer loop feeding this service's own read models (e.g. what it learns from registration)."""
        return event_consumer(projection, self.settings, self.client, self.db)


def event_consumer(projection: Projection, settings: Settings, client: MongoClient, db: Database) -> EventConsumer:
    """A Kafka consumer loop applying `projection` to `db`; `settings.consumer_member` ("i/n") picks its
    share of the partitions when n processes split the work."""
    loop = EventConsumer(projection, client, db, partial(consumer, settings), member=settings.consumer_member,
                         stalled_after_seconds=settings.consumer_stalled_seconds)
    loop.name = projection.name
    return loop


def write_service(name: str, settings: Settings, handlers: dict[type, Handler], **extra: Any) -> WriteService:
    client = client_of(settings)
    db = client[settings.database_name(name)]
    store = EventStore(db, settings.topic(f"{name}.events"))

    def new_uow(**options: Any) -> UnitOfWork:
        return UnitOfWork(client=client, store=store, source=name, **options)

    bus = CommandBus(handlers, new_uow, retries=settings.command_retries)
    service = WriteService(name, settings, client, db, store, bus)
    service.ensure_indexes()
    return service
