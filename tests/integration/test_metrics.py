"""Every metric of jajo.metrics moves when what it names happens: a command over HTTP, its relay to real Kafka,
reporting's projector reading it with bad messages beside it, a failing loop, the stalled-consumer check."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from kafka import KafkaProducer
from prometheus_client import REGISTRY

from jajo import metrics
from jajo.consumer import EventConsumer, consumer_health
from jajo.envelope import DEAD_LETTER_KINDS, build, encode
from jajo.kafka import consumer as kafka_consumer
from jajo.worker import run_loop
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from tests.conftest import STAFF
from tests.waiting import eventually

pytestmark = pytest.mark.integration
PROJECTOR = "reporting-projector"


class Readings:
    """Sample values of the default registry, remembering which metrics the test looked at."""

    def __init__(self):
        self.read: set[str] = set()

    def __call__(self, metric, sample: str = "", **labels) -> float:
        self.read.add(metric._name)
        return REGISTRY.get_sample_value(metric._name + sample, labels) or 0.0


class FailingLoop:
    name = "metrics-test-loop"

    def __init__(self, stop: threading.Event):
        self.stop = stop

    def run_once(self) -> int:
        self.stop.set()
        raise RuntimeError("a loop that fails once")

    def close(self) -> None:
        pass


def test_every_declared_metric_moves_when_its_event_happens(settings):
    value = Readings()
    topic = settings.topic("registration.events")
    service = topic.removesuffix(".events")
    dead = {kind: value(metrics.DEAD_LETTERS, "_total", consumer=PROJECTOR, reason=kind) for kind in DEAD_LETTER_KINDS}
    consumed = value(metrics.CONSUMED, "_total", consumer=PROJECTOR)
    duplicates = value(metrics.DUPLICATES, "_total", consumer=PROJECTOR)
    appended = value(metrics.EVENTS_APPENDED, "_total", service="registration", type="GroupFormed")
    request = {"service": "registration", "method": "POST", "endpoint": "/api/v1/groups", "status": "201"}
    requests = value(metrics.REQUESTS, "_count", **request)

    # a command: one request timed, one event appended
    response = (
        registration_app(settings)
        .test_client()
        .post("/api/v1/groups", json={"name": "햇살 놀이 모임", "year": 2026}, headers=STAFF)
    )
    assert response.status_code == 201, response.get_json()
    group = response.get_json()["id"]
    assert value(metrics.REQUESTS, "_count", **request) == requests + 1
    assert value(metrics.EVENTS_APPENDED, "_total", service="registration", type="GroupFormed") == appended + 1

    # the relay: the outbox's oldest event is seen waiting, then relayed, then the outbox is empty
    relay = bootstrap_registration(settings).ensure_indexes().relay()
    try:
        eventually(lambda: relay.run_once() > 0, what="the event relayed")
        assert value(metrics.OUTBOX_AGE, service=service) > 0
        assert value(metrics.RELAYED, "_total", topic=topic) == 1
        relay.run_once()
        assert value(metrics.OUTBOX_AGE, service=service) == 0
    finally:
        relay.close()

    # beside it on its partition (the same key): one message of each dead-letter class but the unsafe, a redelivery
    formed = build("GroupFormed", {}, subject=group, source="registration", aggregate_type="group")
    unknown = build("GroupRenamed", {}, subject=group, source="registration", aggregate_type="group")
    future = {
        **build("GroupClosed", {}, subject=group, source="registration", aggregate_type="group"),
        "dataversion": 9,
    }
    bad = [b"not json", b"{}", encode(unknown), encode(future), encode(formed)]
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        [original] = bootstrap_registration(settings).store.history()
        for raw in [*bad, encode(original)]:
            producer.send(topic, key=group.encode(), value=raw)
        producer.flush(10)
    finally:
        producer.close()

    # the projector, one message at a time: behind by the rest of the partition after its first
    reporting = bootstrap_reporting(settings).ensure_indexes()
    one_at_a_time = partial(kafka_consumer, settings.override(consumer_max_poll_records=1))
    projector = EventConsumer(reporting.projection(), reporting.client, reporting.db, one_at_a_time, max_batch=1)
    try:
        lag = {}

        def lag_of_the_partition():
            projector.run_once()
            lag.update(
                {
                    f"{topic}:{n}": value(metrics.CONSUMER_LAG, consumer=PROJECTOR, partition=f"{topic}:{n}")
                    for n in range(settings.topic_partitions)
                }
            )
            return max(lag.values()) > 0

        eventually(lag_of_the_partition, what="the projector behind")
        assert sorted(lag.values()) == [0, 6]  # 7 messages on the group's partition, the first one read
        eventually(lambda: projector.run_once() == 0 and projector._caught_up(), what="the projector caught up")
        eventually(
            lambda: (
                projector.run_once() == 0
                and value(metrics.CONSUMER_LAG, consumer=PROJECTOR, partition=max(lag, key=lag.__getitem__)) == 0
            ),
            what="the lag reported as 0",
        )
    finally:
        projector.close()
    assert value(metrics.CONSUMED, "_total", consumer=PROJECTOR) == consumed + 1
    assert value(metrics.DUPLICATES, "_total", consumer=PROJECTOR) == duplicates + 1
    moved = {kind: value(metrics.DEAD_LETTERS, "_total", consumer=PROJECTOR, reason=kind) - dead[kind] for kind in dead}
    assert moved == {
        "not_json": 1,
        "unsafe_json": 0,
        "invalid_envelope": 1,
        "unknown_type": 1,
        "unknown_dataversion": 1,
        "unapplicable": 1,
    }

    # the stalled-consumer check (/readyz, /metrics) sets both gauges of each member
    member = f"{PROJECTOR}:0/1"
    [status] = consumer_health(reporting.db, stalled_after_seconds=60)
    assert status["member"] == member and not status["stalled"]
    assert value(metrics.CONSUMER_STALLED, member=member) == 0
    assert 0 <= value(metrics.CONSUMER_IDLE_SECONDS, member=member) < 60
    consumer_health(reporting.db, stalled_after_seconds=-1)
    assert value(metrics.CONSUMER_STALLED, member=member) == 1

    # a background loop that fails
    errors = value(metrics.WORKER_ERRORS, "_total", worker=FailingLoop.name)
    stop = threading.Event()
    run_loop(FailingLoop(stop), stop)
    assert value(metrics.WORKER_ERRORS, "_total", worker=FailingLoop.name) == errors + 1

    declared = {m._name for m in vars(metrics).values() if hasattr(m, "_name") and hasattr(m, "_labelnames")}
    assert value.read == declared, "a metric without a test of when it moves"


def test_a_metrics_token_reads_metrics_and_nothing_else(settings):
    token = "metrics-token-for-tests-0123456789abcdef"
    scraper = {"Authorization": f"Bearer {token}"}
    client = registration_app(settings.override(api_tokens=f"{settings.api_tokens},metrics:prometheus:{token}"))
    http = client.test_client()
    answer = http.get("/metrics", headers=scraper)
    assert answer.status_code == 200 and b"jajo_http_request_seconds" in answer.data
    assert http.get("/metrics").status_code == 401
    assert http.get("/metrics", headers=STAFF).status_code == 200
    for method, path in (("GET", "/api/v1/groups"), ("POST", "/api/v1/groups"), ("GET", "/readyz")):
        status = http.open(path, method=method, headers=scraper, json={} if method == "POST" else None).status_code
        assert status == (200 if path == "/readyz" else 403), (method, path, status)
