"""What a broker restart costs a relay: its whole event store published into the new topic, against a bare
loop reading the same events from MongoDB and producing them with a plain producer. Both are timed from before
their topic and producer exist to the last record acknowledged."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaProducer

from bench.harness import side_by_side
from bench.yeargen import years
from jajo.bootstrap import write_service
from jajo.config import Settings
from jajo.envelope import KAFKA_HEADERS, encode
from jajo.kafka import ensure_topics


def run(settings: Settings, rounds: int = 3, program_years: int = 10) -> dict:
    settings = settings.override(db_prefix="benchrelay_")
    service = write_service("activity", settings, handlers={}).ensure_indexes()
    envelopes = [envelope for topic, envelope in years(program_years) if topic == "activity.events"]
    store = service.store
    assert store is not None
    store.events.insert_many([store._event_document(e, n) for n, e in enumerate(envelopes, 1)])

    def fresh_topic() -> Settings:
        return settings.override(topic_prefix=f"r{uuid.uuid4().hex[:8]}_")

    def relay_history(_: int) -> float:
        fresh = fresh_topic()
        relay = write_service("activity", fresh, handlers={}).ensure_indexes().relay()
        started = time.perf_counter()
        relay.run_once()  # a topic new to it: publishes the whole history first
        elapsed = time.perf_counter() - started
        relay.close()
        return len(envelopes) / elapsed

    def bare(_: int) -> float:
        """Timed from the same point as the relay's run: before the topic and the producer are made."""
        fresh = fresh_topic()
        started = time.perf_counter()
        ensure_topics(fresh)
        topic = fresh.topic("activity.events")
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", linger_ms=2)
        for doc in store.events.find({}, {"envelope": 1}).batch_size(1000):
            producer.send(
                topic, key=doc["envelope"]["subject"].encode(), value=encode(doc["envelope"]), headers=KAFKA_HEADERS
            )
        producer.flush(120)
        elapsed = time.perf_counter() - started
        producer.close()
        return len(envelopes) / elapsed

    medians = side_by_side({"relay": relay_history, "bare": bare}, rounds)
    return {
        "events": len(envelopes),
        "relay": medians["relay"],
        "bare": medians["bare"],
        "ratio": medians["relay"] / medians["bare"],
    }
