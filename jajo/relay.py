"""The outbox relay: publishes stored events to Kafka in commit order, then marks them sent."""
from __future__ import annotations

import logging
import os
from typing import Callable

from kafka import KafkaProducer
from kafka.errors import KafkaError
from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from jajo.config import Settings
from jajo.envelope import encode
from jajo.eventstore import EventStore
from jajo.kafka import ensure_topics
from jajo.metrics import RELAYED, WORKER_ERRORS

log = logging.getLogger(__name__)
CRASH_POINT_ENV = "JAJO_RELAY_CRASH_AFTER_PUBLISH"  # fault drills only: exit after publishing, before the delete


class OutboxRelay:
    """At-least-once: an event is deleted from the outbox only after Kafka acknowledged it.

    A crash between the acknowledgement and the delete publishes it again; consumers dedupe by event id.
    """

    name = "relay"

    def __init__(self, store: EventStore, settings: Settings, producer_factory: Callable[[], KafkaProducer]):
        self.store = store
        self.settings = settings
        self.producer_factory = producer_factory
        self._producer: KafkaProducer | None = None

    def run_once(self) -> int:
        batch = self._next_batch()
        if not batch:
            return 0
        try:
            self._publish(batch)
        except KafkaError as exc:
            WORKER_ERRORS.labels(self.name).inc()
            log.warning("publish failed, events stay in the outbox", extra={"error": type(exc).__name__})
            self._reset_producer()
            return -1
        _crash_point()
        self.store.outbox.delete_many({"_id": {"$in": [doc["_id"] for doc in batch]}})
        RELAYED.labels(self.store.topic).inc(len(batch))
        return len(batch)

    def _next_batch(self) -> list[dict]:
        try:
            cursor = self.store.outbox.find().sort("_id", ASCENDING).hint("_id_")
            return list(cursor.limit(self.settings.relay_batch_size))
        except PyMongoError as exc:
            WORKER_ERRORS.labels(self.name).inc()
            log.warning("outbox unreadable", extra={"error": type(exc).__name__})
            return []

    def _publish(self, batch: list[dict]) -> None:
        producer = self._ensure_producer()
        futures = [
            producer.send(doc["topic"], key=doc["key"].encode(), value=encode(doc["envelope"])) for doc in batch
        ]
        producer.flush(timeout=10)
        for future in futures:
            future.get(timeout=10)

    def _ensure_producer(self) -> KafkaProducer:
        if self._producer is None:
            ensure_topics(self.settings)  # the embedded broker forgets its topics when it restarts
            self._producer = self.producer_factory()
        return self._producer

    def _reset_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # noqa: BLE001 - a broken producer may fail to close; it is dropped anyway
                pass
        self._producer = None

    def close(self) -> None:
        self._reset_producer()


def _crash_point() -> None:
    """The relay-crash drill sets JAJO_RELAY_CRASH_AFTER_PUBLISH=1: die like kill -9 between Kafka's
    acknowledgement and the outbox delete, so the restarted relay publishes the same events again."""
    if os.environ.get(CRASH_POINT_ENV) == "1":
        os._exit(137)
