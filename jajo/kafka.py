"""kafka-python factories. Create them after gunicorn forks: producers and consumers start threads."""

from __future__ import annotations

import logging
import socket
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
from kafka.errors import KafkaError, TopicAlreadyExistsError

from jajo.config import TOPICS, Settings

log = logging.getLogger(__name__)
# kafka-python backs off reconnects up to 30 s by default; a broker that is back should be used at once.
RECONNECT = {"reconnect_backoff_ms": 50, "reconnect_backoff_max_ms": 1000}


def connection(settings: Settings) -> dict:
    """Where the brokers are and how to sign in: SASL (docker-compose.yml: a SCRAM user per service, its password
    from KAFKA_PASSWORD_FILE) when a mechanism is set, else plaintext as on the embedded stack."""
    options = {"bootstrap_servers": settings.kafka_bootstrap_servers, **RECONNECT}
    if settings.kafka_sasl_mechanism:
        options.update(
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_username,
            sasl_plain_password=settings.kafka_password,
        )
    return options


def producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        **connection(settings),
        acks="all",
        # Consumers dedupe by event id; an idempotent producer adds nothing but sequence-number state that a
        # broker restart invalidates (the embedded Tansu then rejected and misnumbered retried batches).
        enable_idempotence=False,
        allow_auto_create_topics=False,  # topics are made by ensure_topics only, with their partition count
        linger_ms=2,
        retries=5,
        max_in_flight_requests_per_connection=1,  # keeps per-key order across retries
        request_timeout_ms=5000,
        max_block_ms=5000,
    )


def consumer(settings: Settings, group: str | None = None) -> KafkaConsumer:
    """A consumer in no consumer group (`group` None): jajo.consumer.EventConsumer assigns its partitions itself
    and seeks to the checkpoints it keeps in MongoDB. No group means no join to wait for and no rebalance that a
    slow batch, a killed process or a broker that lost its state (the embedded Tansu) can stall.

    With a `group`, a member of that consumer group (KIP-429 cooperative-sticky: a rebalance moves only the
    partitions that change hands). EventConsumer subscribes and still seeks to its checkpoints on assignment;
    the group's committed offsets are never read, so nothing is committed."""
    ensure_topics(settings)
    return KafkaConsumer(
        **connection(settings),
        **_membership(settings, group),
        enable_auto_commit=False,
        allow_auto_create_topics=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.consumer_max_poll_records,
        request_timeout_ms=10000,
        metadata_max_age_ms=5000,
    )


def _membership(settings: Settings, group: str | None) -> dict:
    if group is None:
        return {"group_id": None}
    return {
        "group_id": group,
        "partition_assignment_strategy": (CooperativeStickyAssignor,),
        "max_poll_interval_ms": settings.consumer_max_poll_interval_ms,
        "session_timeout_ms": settings.consumer_session_timeout_ms,
        "heartbeat_interval_ms": settings.consumer_heartbeat_interval_ms,
    }


def close_producer(producer: KafkaProducer, timeout: float = 1.0) -> None:
    """Close a producer even while records wait unacknowledged (the broker away). kafka-python's close()
    flushes first and raises KafkaTimeoutError then, leaving the producer half-open for its __del__ to fail
    on again; those records are abandoned on purpose (they are still in the outbox)."""
    try:
        producer.close(timeout=timeout)
    except KafkaError:
        producer._sender.force_close()
        producer._closed = True


def admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(**connection(settings), request_timeout_ms=5000)


def ensure_topics(settings: Settings, names: tuple[str, ...] = TOPICS) -> None:
    """Create the event topics (and their dead-letter twins) that do not exist yet."""
    client = admin(settings)
    try:
        wanted = [settings.topic(name) for name in names]
        existing = set(client.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            try:
                client.create_topics(
                    [NewTopic(name, settings.topic_partitions, 1) for name in missing], validate_only=False
                )
            except TopicAlreadyExistsError:
                pass
            log.info("created topics", extra={"topics": missing})
    finally:
        client.close()


def topic_id(client: KafkaAdminClient, topic: str) -> str | None:
    """The id Kafka gave `topic` when it was created (a recreated topic gets a new one); None if it is missing."""
    described = client.describe_topics([topic])
    return described[0]["topic_id"] if described and described[0]["error_code"] == 0 else None


def end_offsets(consumer: KafkaConsumer, partitions: list[TopicPartition], timeout: float = 5.0) -> dict:
    """The offset after each partition's last record, from a consumer used for nothing else.

    The embedded Tansu answers ListOffsets(latest) with the base offset of the last record *batch* + 1, short of
    the end whenever that batch holds several records; the high watermark of a fetch response is right. So
    fetch the last batch it names and take the larger of the two (on Kafka both agree)."""
    listed = consumer.end_offsets(partitions)
    consumer.assign(partitions)
    for partition in partitions:
        consumer.seek(partition, max(listed[partition] - 1, 0))
    deadline = time.monotonic() + timeout
    while any(consumer.highwater(p) is None for p in partitions) and time.monotonic() < deadline:
        consumer.poll(timeout_ms=100)
    return {p: max(listed[p], consumer.highwater(p) or 0) for p in partitions}


def reachable(settings: Settings) -> bool:
    """A broker of the bootstrap list accepts connections (bounded by the readiness timeout)."""
    timeout = settings.readiness_timeout_ms / 1000
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False
