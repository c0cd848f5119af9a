from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from pymongo import MongoClient
from pymongo.database import Database

from jajo.config import Settings
from jajo.consumer import EventConsumer
from jajo.kafka import consumer
from jajo.mongo import client_for
from services.reporting import audit
from services.reporting.projector import ReportingProjection


@dataclass
class Reporting:
    settings: Settings
    client: MongoClient
    db: Database

    def projection(self) -> ReportingProjection:
        return ReportingProjection(self.db, self.settings)

    def event_consumer(self) -> EventConsumer:
        projection = self.projection()
        factory = partial(consumer, self.settings, projection.name, projection.topics)
        event_consumer = EventConsumer(projection, self.client, self.db, factory)
        event_consumer.name = projection.name
        return event_consumer


def wire(settings: Settings) -> Reporting:
    client = client_for(settings.mongodb_uri)
    db = client[settings.database_name("reporting")]
    audit.ensure_indexes(db)
    return Reporting(settings, client, db)
