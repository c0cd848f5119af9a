"""Hostile messages on the topics (issue 14): a consumer survives any bytes, sets aside every event it cannot
apply whatever the error, retries only transient failures, and shows when it stalls."""

from __future__ import annotations

import hashlib
import json
from functools import partial

import pytest
from kafka import KafkaProducer
from pymongo.errors import AutoReconnect

from jajo.consumer import EventConsumer, Message
from jajo.envelope import build, encode
from jajo.errors import Unavailable
from jajo.kafka import consumer as kafka_consumer, ensure_topics
from services.reporting.app import create_app
from services.reporting.bootstrap import bootstrap
from tests.conftest import STAFF
from tests.waiting import eventually


def event(kind: str, data: dict, subject: str, version: int = 1, **changes) -> dict:
    event_id = hashlib.sha1(
        json.dumps([kind, data, subject, version, changes], sort_keys=True, default=str).encode()
    ).hexdigest()
    return {
        **build(
            kind,
            data,
            subject=subject,
            source="registration",
            aggregate_type="group",
            version=version,
            time="2025-03-14T01:00:00Z",
            event_id=event_id,
        ),
        **changes,
    }


def record(topic: str, offset: int, value: bytes) -> Message:
    return Message(topic, 0, offset, b"k", value)


def formed(group_id: str) -> dict:
    return event("GroupFormed", {"group_id": group_id, "name": "햇살", "year": 2025}, group_id)


@pytest.fixture
def reporting(settings):
    return bootstrap(settings).ensure_indexes()


def dead_reasons(db) -> list[str]:
    return [doc["reason"] for doc in db["dead_letters"].find()]


def test_envelopes_with_fields_of_the_wrong_type_are_dead_letters_and_the_batch_goes_on(settings, reporting):
    topic = settings.topic("registration.events")
    bad = [
        formed("g-bad") | {field: value}
        for field, value in (
            ("id", ["x"]),
            ("type", {"a": 1}),
            ("subject", True),
            ("source", 2**70),
            ("time", []),
            ("aggregateversion", "1"),
        )
    ]
    values = [encode(formed("g1")), *(json.dumps(b).encode() for b in bad), encode(formed("g2"))]
    consumer = EventConsumer(reporting.projection(), reporting.client, reporting.db)
    consumer.handle([record(topic, offset, value) for offset, value in enumerate(values)])  # raises nothing
    assert reporting.db["audit_events"].count_documents({}) == 2
    assert len(dead_reasons(reporting.db)) == len(bad)
    assert reporting.db["checkpoints"].find_one({"_id": f"{topic}:0"})["offset"] == len(values) - 1


def test_an_id_from_an_event_that_is_a_query_operator_matches_no_document(settings, reporting):
    topic = settings.topic("registration.events")
    hostile = event("GroupApproved", {"group_id": {"$gt": ""}, "year": 2025}, "g-x")
    consumer = EventConsumer(reporting.projection(), reporting.client, reporting.db)
    consumer.handle([record(topic, 0, encode(formed("g1"))), record(topic, 1, encode(hostile))])
    models = reporting.views.models()
    assert models.get("groups", "g1").get("approved") is None  # the operator matched nothing
    assert [reason.split(":")[0] for reason in dead_reasons(reporting.db)] == ["TypeError"]


class Picky:
    """A projection that fails on demand: `boom` in the data names the failure."""

    name = "picky"
    known_types = None

    def __init__(self, topics):
        self.topics = topics
        self.transient = True

    def apply(self, envelope: dict, session) -> None:
        boom = envelope["data"].get("boom")
        if boom == "runtime":
            raise RuntimeError("a bug in this projection")
        if boom == "overflow":
            raise OverflowError("MongoDB can only handle up to 8-byte ints")
        if boom == "transient" and self.transient:
            raise AutoReconnect("connection lost")


def test_any_non_transient_error_sets_one_event_aside_and_a_transient_one_fails_the_batch(settings, reporting):
    topic = settings.topic("registration.events")
    projection = Picky([topic])
    consumer = EventConsumer(projection, reporting.client, reporting.db)
    values = [event("X", {"boom": kind}, f"s{n}") for n, kind in enumerate(("no", "runtime", "overflow", "no"))]
    consumer.handle([record(topic, n, encode(v)) for n, v in enumerate(values)])
    assert sorted(reason.split(":")[0] for reason in dead_reasons(reporting.db)) == ["OverflowError", "RuntimeError"]
    assert reporting.db["processed"].count_documents({}) == 4

    transient = [record(topic, 4, encode(event("X", {"boom": "transient"}, "s9")))]
    with pytest.raises(Unavailable):
        consumer.handle(transient)  # the batch is read again from the checkpoints, not dead-lettered
    assert len(dead_reasons(reporting.db)) == 2
    projection.transient = False
    consumer.handle(transient)
    assert reporting.db["processed"].count_documents({}) == 5 and len(dead_reasons(reporting.db)) == 2


def test_a_consumer_that_makes_no_progress_shows_in_readyz_status_and_metrics(settings, reporting):
    ensure_topics(settings)
    topic = settings.topic("registration.events")
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    producer.send(topic, key=b"s1", value=encode(event("X", {"boom": "transient"}, "s1"))).get(timeout=10)
    producer.close()
    projection = Picky([topic])
    projection.name = "reporting-projector"
    consumer = EventConsumer(
        projection, reporting.client, reporting.db, partial(kafka_consumer, settings), stalled_after_seconds=0.5
    )
    http = create_app(settings.override(consumer_stalled_seconds=0.5)).test_client()

    def stalled():
        try:
            consumer.run_once()
        except Unavailable:
            pass
        answer = http.get("/readyz")
        return answer.status_code == 503 and answer

    answer = eventually(stalled, timeout=30, what="readyz naming the stalled consumer")
    assert answer.json["checks"]["consumers"] is False and answer.json["stalled"] == ["reporting-projector:0/1"]
    status = http.get("/api/v1/projections/status", headers=STAFF).json
    assert status["stalled"] is True and status["consumers"][0]["last_error"] == "Unavailable"
    assert 'jajo_consumer_stalled{member="reporting-projector:0/1"} 1.0' in http.get(
        "/metrics", headers=STAFF
    ).get_data(as_text=True)

    projection.transient = False  # the database is back: the batch applies, the consumer is healthy again
    eventually(lambda: consumer.run_once() > 0, timeout=30, what="the batch applied")
    assert http.get("/readyz").json["checks"]["consumers"] is True
    consumer.close()
