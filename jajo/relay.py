"""The outbox relay: publishes stored events to Kafka in each subject's order, then marks them sent."""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone
from typing import Callable, Iterable

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError
from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from jajo.config import Settings
from jajo.envelope import KAFKA_HEADERS, encode
from jajo.eventstore import EventStore
from jajo.kafka import admin, close_producer, ensure_topics, topic_id
from jajo.lease import Lease
from jajo import tracing
from jajo.metrics import OUTBOX_AGE, RELAYED, WORKER_ERRORS

log = logging.getLogger(__name__)
CRASH_POINT_ENV = "JAJO_RELAY_CRASH_AFTER_PUBLISH"  # fault drills only: exit after publishing, before the delete


class TopicChanged(KafkaError):
    """The topic was missing or recreated around a publish: its acknowledgements prove nothing."""

    retriable = True


class OutboxRelay:
    """At-least-once: an event leaves the outbox only after Kafka acknowledged it into the topic that holds the
    event store's history, checked after publishing. A crash between acknowledgement and delete publishes it
    again; consumers dedupe by event id.

    A topic the relay has not given the event store's history yet (first run, a broker that lost its data
    like the embedded Tansu on restart, a topic deleted and recreated) first gets the whole history: events
    acknowledged into its previous incarnation may never have been read. The check after publishing matters
    because Tansu acknowledges records sent to a topic that does not exist."""

    name = "relay"
    check_seconds = 1.0  # how often an idle relay looks for a new topic

    def __init__(self, store: EventStore, settings: Settings, producer_factory: Callable[[], KafkaProducer]):
        self.store = store
        self.settings = settings
        self.producer_factory = producer_factory
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._history_in: str | None = None  # the id of the topic incarnation that has the whole history
        self._checked_at = float("-inf")  # when the topic's id was last looked at
        self.lease = Lease(store.db["leases"], f"relay:{store.topic}", seconds=settings.relay_lease_seconds)
        self._renewed_at = float("-inf")
        self.service = store.topic.removesuffix(".events")  # the metrics' label: the topic is the service's own

    def run_once(self) -> int:
        if not self._hold_lease():
            return 0  # another worker of this service relays its outbox
        batch = self._next_batch()
        OUTBOX_AGE.labels(self.service).set(_age_of_oldest(batch))
        due = time.monotonic() - self._checked_at >= self.check_seconds
        if not batch and not due:
            return 0
        try:
            if due:
                self._give_history_to_a_new_topic()
            if batch:
                with tracing.publishing((doc["envelope"] for doc in batch), self.store.topic):
                    self._publish((doc["key"], doc["envelope"]) for doc in batch)
                    self._confirm()
        except KafkaError as exc:
            WORKER_ERRORS.labels(self.name).inc()
            log.warning("publish failed, events stay in the outbox", extra={"error": type(exc).__name__})
            self._reset_clients()
            self._checked_at = float("-inf")  # look at the topic again before the next publish
            return -1
        if not batch:
            return 0
        _crash_point()
        self.store.outbox.delete_many({"_id": {"$in": [doc["_id"] for doc in batch]}})
        RELAYED.labels(self.store.topic).inc(len(batch))
        return len(batch)

    def _hold_lease(self) -> bool:
        """One relay per outbox: two would publish the same entries at once, out of order. Renewed every third of
        its term; a relay that died lets it expire and the next one takes over."""
        if time.monotonic() - self._renewed_at < self.lease.seconds / 3:
            return True
        try:
            held = self.lease.acquire()
        except PyMongoError as exc:
            WORKER_ERRORS.labels(self.name).inc()
            log.warning("relay lease not renewed", extra={"error": type(exc).__name__})
            held = False
        if not held:
            self._renewed_at = float("-inf")
            self._history_in = None  # another relay may give a new topic the history meanwhile: read it again
            return False
        self._renewed_at = time.monotonic()
        return True

    def _next_batch(self) -> list[dict]:
        try:
            cursor = self.store.outbox.find().sort("_id", ASCENDING).hint("_id_")
            return list(cursor.limit(self.settings.relay_batch_size))
        except PyMongoError as exc:
            WORKER_ERRORS.labels(self.name).inc()
            log.warning("outbox unreadable", extra={"error": type(exc).__name__})
            return []

    # --- the topic's incarnation ----------------------------------------------------------------
    def _give_history_to_a_new_topic(self) -> None:
        """Publish the whole history into the topic if its current id is not the one that has it."""
        current = self._current_topic_id()
        if self._history_in is None:
            self._history_in = self.store.history_topic_id()
        if current != self._history_in:
            published = self._publish((e["subject"], e) for e in self.store.history())
            self._history_in = current
            self._confirm()
            self.store.remember_history_topic_id(current)
            log.warning(
                "topic new to the relay: published the event store's history into it",
                extra={"topic": self.store.topic, "events": published},
            )
        self._checked_at = time.monotonic()

    def _current_topic_id(self) -> str:
        found = topic_id(self._ensure_admin(), self.store.topic)
        if found is None:
            ensure_topics(self.settings)
            found = topic_id(self._ensure_admin(), self.store.topic)
        if found is None:
            raise TopicChanged(f"{self.store.topic} does not exist")
        return found

    def _confirm(self) -> None:
        """Acknowledgements count only if the topic that has the history still exists: the check after
        publishing is enough, since a topic recreated before it would have a new id."""
        if topic_id(self._ensure_admin(), self.store.topic) != self._history_in:
            raise TopicChanged(f"{self.store.topic} was recreated while publishing")

    # --- Kafka clients --------------------------------------------------------------------------
    def _publish(self, keyed_envelopes: Iterable[tuple[str, dict]], chunk: int = 1000) -> int:
        producer = self._ensure_producer()
        futures, sent = [], 0
        for key, envelope in keyed_envelopes:
            futures.append(
                producer.send(self.store.topic, key=key.encode(), value=encode(envelope), headers=KAFKA_HEADERS)
            )
            if len(futures) >= chunk:
                sent += _acknowledged(producer, futures)
                futures = []
        return sent + _acknowledged(producer, futures)

    def _ensure_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def _ensure_admin(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = admin(self.settings)
        return self._admin

    def _reset_clients(self) -> None:
        if self._producer is not None:
            close_producer(self._producer)
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # noqa: BLE001 - a broken client may fail to close; it is dropped anyway
                pass
        self._producer = self._admin = None

    def close(self) -> None:
        self._reset_clients()
        try:
            self.lease.release()  # the next relay need not wait for the term to end
        except PyMongoError:
            pass


def _acknowledged(producer: KafkaProducer, futures: list) -> int:
    producer.flush(timeout=10)
    for future in futures:
        future.get(timeout=10)
    return len(futures)


def _age_of_oldest(batch: list[dict]) -> float:
    """Seconds since the first event of the batch (the oldest in the outbox) was wrapped; 0 for none."""
    if not batch:
        return 0.0
    try:
        wrapped = datetime.fromisoformat(batch[0]["envelope"]["time"])
    except (KeyError, TypeError, ValueError):
        return 0.0
    return max(0.0, (datetime.now(timezone.utc) - wrapped).total_seconds())


def _crash_point() -> None:
    """The relay-crash drill sets JAJO_RELAY_CRASH_AFTER_PUBLISH=1: die like kill -9 between Kafka's
    acknowledgement and the outbox delete, so the restarted relay publishes the same events again."""
    if os.environ.get(CRASH_POINT_ENV) == "1":
        os._exit(137)
