"""Reading what the relays published, as any Kafka client would."""

from __future__ import annotations

from kafka import KafkaConsumer

from tests.waiting import eventually


def read_topic(settings, topic: str, count: int, timeout: float = 30.0) -> list:
    """At least `count` records of `topic` (unprefixed name), from its start."""
    consumer = KafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=200,
        allow_auto_create_topics=False,
    )
    try:
        records: list = []
        eventually(
            lambda: records.extend(consumer) or len(records) >= count,  # type: ignore[func-returns-value]
            timeout=timeout,
            what=f"{count} records on {topic}",
        )
        return records
    finally:
        consumer.close()
