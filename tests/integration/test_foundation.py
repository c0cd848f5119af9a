"""The shared backbone against real Kafka and MongoDB: event store races, outbox, consumer, idempotency."""

from __future__ import annotations

import json
import threading
from functools import partial

import pytest
from kafka import KafkaProducer

from jajo import embedded
from jajo.envelope import build, encode
from jajo.errors import ConcurrencyConflict
from jajo.kafka import ensure_topics
from jajo.mongo import client_for, in_transaction
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from tests.conftest import STAFF
from tests.waiting import eventually

pytestmark = pytest.mark.integration


class OwnBroker:
    """A Tansu of the test's own, to stop and start again (it comes back empty: no topics, no offsets)."""

    def __init__(self, log_path):
        self.port, self.log_path = embedded.free_port(), log_path
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.server = None
        self.start()

    def start(self) -> None:
        self.server = embedded.start_tansu(self.port, self.log_path)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def own_broker(tmp_path):
    broker = OwnBroker(tmp_path / "tansu.log")
    yield broker
    broker.stop()


def group_formed(subject: str, version: int = 1) -> dict:
    data = {"group_id": subject, "name": "모임", "year": 2026, "theme": None, "description": None}
    return build("GroupFormed", data, subject=subject, source="registration", aggregate_type="group", version=version)


def test_two_concurrent_appends_of_one_version_exactly_one_wins(settings):
    store = bootstrap_registration(settings).ensure_indexes().store
    client = client_for(settings.mongodb_uri)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def append(envelope):
        barrier.wait()
        try:
            in_transaction(client, lambda session: store.append([envelope], session))
            outcomes.append("won")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=append, args=(group_formed("g-race"),)) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["conflict", "won"]
    assert [e["aggregateversion"] for e in store.load("g-race")] == [1]
    assert store.outbox.count_documents({}) == 1


def test_retried_post_with_one_idempotency_key_makes_one_event(settings):
    client = registration_app(settings).test_client()
    headers = {**STAFF, "Idempotency-Key": "form-7f3a"}
    first = client.post("/api/v1/groups", json={"name": "숲속 모임", "year": 2026}, headers=headers)
    again = client.post("/api/v1/groups", json={"name": "숲속 모임", "year": 2026}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/groups", json={"name": "다른 모임", "year": 2026}, headers=headers)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert bootstrap_registration(settings).ensure_indexes().store.events.count_documents({}) == 1


def test_kafka_down_commands_still_accepted_and_delivered_once_it_is_back(settings, background, own_broker):
    settings = settings.override(kafka_bootstrap_servers=own_broker.bootstrap)
    registration = bootstrap_registration(settings).ensure_indexes()
    reporting = bootstrap_reporting(settings).ensure_indexes()
    api = registration_app(settings).test_client()
    background(registration.relay(), reporting.consumer())
    before = [api.post("/api/v1/groups", json={"name": f"전 {i}", "year": 2026}, headers=STAFF) for i in range(3)]
    eventually(lambda: reporting.db["audit_events"].count_documents({}) == 3, what="first events projected")
    own_broker.stop()
    during = [api.post("/api/v1/groups", json={"name": f"중 {i}", "year": 2026}, headers=STAFF) for i in range(5)]
    assert {r.status_code for r in before + during} == {201}
    assert registration.store.pending_count() == 5
    own_broker.start()  # comes back empty: no topics, no offsets
    eventually(lambda: registration.store.pending_count() == 0, timeout=60, what="outbox drained")
    eventually(lambda: reporting.db["audit_events"].count_documents({}) == 8, timeout=60, what="all projected")
    ids = {r.get_json()["id"] for r in before + during}
    assert {d["envelope"]["subject"] for d in reporting.db["audit_events"].find()} == ids
    assert reporting.db["processed"].count_documents({}) == 8


def test_events_acknowledged_by_a_broker_that_then_lost_them_still_reach_the_report(settings, background, own_broker):
    settings = settings.override(kafka_bootstrap_servers=own_broker.bootstrap)
    registration, reporting = (
        bootstrap_registration(settings).ensure_indexes(),
        bootstrap_reporting(settings).ensure_indexes(),
    )
    api = registration_app(settings).test_client()
    relay = registration.relay()
    ids = {
        api.post("/api/v1/groups", json={"name": f"모임 {i}", "year": 2026}, headers=STAFF).get_json()["id"]
        for i in range(4)
    }
    eventually(lambda: relay.run_once() == 0 and registration.store.pending_count() == 0, what="relayed")
    relay.close()
    own_broker.stop()  # acknowledged, never read by reporting: gone with the broker's memory
    own_broker.start()
    background(registration.relay(), reporting.consumer())
    eventually(
        lambda: {d["envelope"]["subject"] for d in reporting.db["audit_events"].find()} == ids,
        timeout=60,
        what="the history given to the new topic projected",
    )


def test_end_offsets_count_every_record_of_the_last_batch(settings):
    from kafka import KafkaConsumer, TopicPartition

    from jajo.kafka import end_offsets

    ensure_topics(settings)
    topic = TopicPartition(settings.topic("registration.events"), 0)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=50)
    for i in range(10):
        producer.send(topic.topic, value=b"%d" % i, partition=0)  # one batch of 10 records
    producer.flush()
    producer.close()
    probe = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        assert end_offsets(probe, [topic]) == {topic: 10}
    finally:
        probe.close()


def test_malformed_message_goes_to_dead_letters_and_the_consumer_goes_on(settings, background):
    ensure_topics(settings)
    topic = settings.topic("registration.events")
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    good = group_formed("g-after-poison")
    for value in (b"{not json", json.dumps({"specversion": "1.0"}).encode(), encode(good)):
        producer.send(topic, key=b"k", value=value)
    producer.flush()
    producer.close()
    reporting = bootstrap_reporting(settings).ensure_indexes()
    background(reporting.consumer())
    eventually(lambda: reporting.db["audit_events"].find_one({"_id": good["id"]}), what="good event projected")
    reasons = sorted(d["reason"] for d in reporting.db["dead_letters"].find())
    assert len(reasons) == 2 and reasons[0].startswith("envelope lacks") and reasons[1].startswith("not JSON")


def test_redelivered_events_are_applied_once(settings):
    from jajo.consumer import Message

    reporting = bootstrap_reporting(settings).ensure_indexes()
    consumer = reporting.consumer()
    envelopes = [group_formed(f"g{i}") for i in range(5)]
    messages = [Message("t", 0, i, b"k", encode(e)) for i, e in enumerate(envelopes)]
    consumer.handle(messages)
    consumer.handle(messages + messages[:2])
    assert reporting.db["audit_events"].count_documents({}) == 5
    assert reporting.db["processed"].count_documents({}) == 5


def test_readiness_reports_mongodb_and_kafka(settings):
    client = registration_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {
        "mongodb": True,
        "kafka": True,
        "consumers": True,
    }
    broken = registration_app(settings.override(kafka_bootstrap_servers=f"127.0.0.1:{embedded.free_port()}"))
    assert broken.test_client().get("/readyz").status_code == 503


def test_a_batch_that_failed_is_read_again_not_skipped(settings, tmp_path):
    """MongoDB stops (the real server) while the consumer holds a batch: it is applied once MongoDB is back."""
    from pymongo.errors import PyMongoError

    from jajo.consumer import EventConsumer
    from jajo.kafka import consumer as kafka_consumer

    port = embedded.free_port()
    mongo = embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log")
    settings = settings.override(mongodb_uri=embedded.mongo_uri(port))
    ensure_topics(settings)
    reporting = bootstrap_reporting(settings).ensure_indexes()
    loop = EventConsumer(reporting.projection(), reporting.client, reporting.db, partial(kafka_consumer, settings))
    try:
        assert loop.run_once() == 0  # assigned, resumed from (no) checkpoints: nothing to read yet
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        for event in [group_formed(f"g-flaky-{i}") for i in range(3)]:
            producer.send(settings.topic("registration.events"), key=event["subject"].encode(), value=encode(event))
        producer.flush()
        producer.close()
        mongo.stop()
        with pytest.raises(PyMongoError):
            eventually(loop.run_once, timeout=60, what="a batch read while MongoDB is away")
        mongo = embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log")
        eventually(
            lambda: loop.run_once() >= 0 and reporting.db["audit_events"].count_documents({}) == 3,
            timeout=60,
            what="the failed batch applied on a later try",
        )
    finally:
        loop.close()
        mongo.stop()


def test_a_partition_shorter_than_its_checkpoint_is_read_again_from_its_start(settings):
    from jajo.consumer import EventConsumer
    from jajo.kafka import consumer as kafka_consumer

    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    topic = settings.topic("registration.events")
    for i in range(3):
        event = group_formed(f"g-short-{i}")
        producer.send(topic, value=encode(event), partition=0)
    producer.flush()
    producer.close()
    reporting = bootstrap_reporting(settings).ensure_indexes()
    loop = EventConsumer(
        reporting.projection(), reporting.client, reporting.db, partial(kafka_consumer, settings), stall_seconds=1.0
    )
    try:
        loop._ensure_consumer()  # learns the topic id that a checkpoint written by an earlier reader would name
        reporting.db["checkpoints"].insert_one(
            {"_id": f"{topic}:0", "offset": 99, "topic_id": loop._topic_ids[topic]}
        )  # a log since cut back
        loop.close()
        eventually(
            lambda: loop.run_once() >= 0 and reporting.db["audit_events"].count_documents({}) == 3,
            what="the partition read again from its start",
        )
    finally:
        loop.close()


def test_an_answer_is_committed_with_its_claim_and_replayed_by_any_process(settings, tmp_path):
    """MongoDB dies right after the command's commit: its answer is already stored with the claim (same
    transaction), so a retry reaching another process (no memory shared) replays it. Stored after the commit,
    the answer was lost with the database and that retry got 409 "still being processed"."""
    port = embedded.free_port()
    mongo = embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log")
    settings = settings.override(mongodb_uri=embedded.mongo_uri(port))
    app = registration_app(settings)
    kill_after_commit = {"armed": True}

    @app.after_request
    def database_goes_away(response):
        if kill_after_commit.pop("armed", False):
            mongo.kill()
        return response

    headers = {**STAFF, "Idempotency-Key": "answer-lost-1"}
    body = {"name": "답을 잃은 모임", "year": 2026}
    try:
        first = app.test_client().post("/api/v1/groups", json=body, headers=headers)
        assert first.status_code == 201
        mongo = embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log")
        again = registration_app(settings).test_client().post("/api/v1/groups", json=body, headers=headers)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.get_json() == first.get_json()
        assert bootstrap_registration(settings).ensure_indexes().store.events.count_documents({}) == 1
        stored = bootstrap_registration(settings).ensure_indexes().db["idempotency"].find_one()
        assert stored["response"]["status"] == 201
    finally:
        mongo.stop()


def test_a_producer_with_records_the_broker_never_acknowledged_closes_cleanly(own_broker):
    import gc

    from jajo.kafka import close_producer

    producer = KafkaProducer(bootstrap_servers=own_broker.bootstrap, linger_ms=60_000, max_block_ms=2000)
    producer.send("waiting", b"never acknowledged")  # held back by linger_ms: still pending below
    own_broker.stop()
    close_producer(producer, timeout=0.5)
    assert producer._closed
    del producer
    gc.collect()  # its __del__ closes again: warnings are errors, so a raise there fails this test
