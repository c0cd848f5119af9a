"""The three topics speak the CloudEvents Kafka protocol binding (structured content mode), as two clients that
share no code with Jajo read them: kafka-python records converted by the CloudEvents SDK, and librdkafka
(confluent-kafka) records parsed as plain JSON. Both must find every event the services stored, attribute for
attribute, its data, the content-type header, the subject as the key, and the AsyncAPI payload schema fulfilled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import jsonschema_rs
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from jajo.asyncapi import envelope_schema
from jajo.envelope import CONTENT_TYPE
from jajo.events import Catalogue
from services.activity.app import create_app as activity_app
from services.activity.bootstrap import bootstrap as bootstrap_activity
from services.activity.events import CATALOGUE as ACTIVITY
from services.registration.events import CATALOGUE as REGISTRATION
from services.survey.app import create_app as survey_app
from services.survey.bootstrap import bootstrap as bootstrap_survey
from services.survey.events import CATALOGUE as SURVEY
from tests.conftest import STAFF
from tests.real_registration import real_registration
from tests.topics import read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Read:
    """One record as a client saw it: its key, its headers, the event's attributes (data apart) and data."""

    key: Any
    headers: Any
    attributes: dict
    data: Any


def publish_real_events(settings, background) -> dict[str, tuple[Catalogue, list[dict]]]:
    """Events made through each service's API and published by its relay: topic -> (catalogue, stored envelopes)."""
    activity = bootstrap_activity(settings).ensure_indexes()
    survey = bootstrap_survey(settings).ensure_indexes()
    with real_registration(settings, activity.consumer()) as registration:
        group_id, _members = registration.approved_group(members=1)  # relayed, and known to activity
        registration_store = registration.service.store
    slot = {"group_id": group_id, "date": "2026-05-09", "start": "10:00", "end": "12:00", "kind": "regular"}
    scheduled = (
        activity_app(settings)
        .test_client()
        .post("/api/v1/sessions", json={**slot, "venue": "공동육아방"}, headers=STAFF)
    )
    assert scheduled.status_code == 201, scheduled.get_json()
    surveys = survey_app(settings).test_client()
    body = {
        "title": "만족도 조사",
        "year": 2026,
        "questions": [{"id": "q1", "text": "만족하십니까?", "kind": "likert5"}],
    }
    published = surveys.post("/api/v1/surveys", json=body, headers=STAFF)
    assert published.status_code == 201, published.get_json()
    assert surveys.post(f"/api/v1/surveys/{published.get_json()['id']}/close", headers=STAFF).status_code == 200
    background(activity.relay(), survey.relay())
    stores: dict[str, Any] = {
        REGISTRATION.topic: registration_store,
        ACTIVITY.topic: activity.store,
        SURVEY.topic: survey.store,
    }
    for store in stores.values():
        eventually(lambda: store.pending_count() == 0, what=f"{store.topic} relayed")
    catalogues = {c.topic: c for c in (REGISTRATION, ACTIVITY, SURVEY)}
    return {topic: (catalogues[topic], list(store.all_events())) for topic, store in stores.items()}


def read_with_cloudevents_sdk(settings, topic: str, count: int) -> list[Read]:
    """kafka-python records through the CloudEvents SDK's Kafka binding (structured mode, JSON format)."""
    reads = []
    for record in read_topic(settings, topic, count):
        headers = dict(record.headers)
        event = from_structured(KafkaMessage(headers=headers, key=record.key, value=record.value), JSONFormat())
        attributes = event.get_attributes()
        assert attributes.pop("partitionkey") == record.key.decode()  # the binding's key mapping, read back
        reads.append(Read(record.key, list(record.headers), attributes, event.get_data()))
    return reads


def read_with_confluent_kafka(settings, topic: str, count: int) -> list[Read]:
    """librdkafka, assigned every partition from the beginning (no consumer group), the value parsed as JSON.
    librdkafka insists on a `group.id`; with `assign` and no commits it never joins the group."""
    consumer = Consumer(
        {"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": "unused", "enable.auto.commit": False}
    )
    try:
        partitions = range(settings.topic_partitions)
        consumer.assign([TopicPartition(settings.topic(topic), p, OFFSET_BEGINNING) for p in partitions])
        reads: list[Read] = []

        def poll() -> bool:
            message = consumer.poll(0.2)
            if message is not None:
                assert message.error() is None, message.error()
                envelope = json.loads(message.value() or b"")
                data = envelope.pop("data")
                reads.append(Read(message.key(), message.headers() or [], envelope, data))
            return len(reads) >= count

        eventually(poll, timeout=30, interval=0, what=f"{count} records of {topic} read by librdkafka")
        return reads
    finally:
        consumer.close()


READERS: dict[str, Callable[..., list[Read]]] = {
    "cloudevents-sdk": read_with_cloudevents_sdk,
    "confluent-kafka": read_with_confluent_kafka,
}


@pytest.mark.parametrize("reader", READERS)
def test_both_clients_read_every_stored_event_of_the_three_topics(settings, background, reader):
    for topic, (catalogue, stored) in publish_real_events(settings, background).items():
        assert {e["type"] for e in stored} >= {"GroupFormed", "SessionScheduled", "SurveyPublished"} & catalogue.names
        reads = READERS[reader](settings, topic, len(stored))
        by_id = {read.attributes["id"]: read for read in reads}
        assert by_id.keys() == {e["id"] for e in stored}  # at least once: a repeat is the same event
        for envelope in stored:
            read = by_id[envelope["id"]]
            assert read.headers == [("content-type", CONTENT_TYPE.encode())]
            assert read.key == envelope["subject"].encode()
            attributes = {name: value for name, value in envelope.items() if name != "data"}
            if reader == "cloudevents-sdk":
                attributes["time"] = datetime.fromisoformat(envelope["time"])  # the SDK gives a datetime
            assert read.attributes == attributes
            assert read.data == envelope["data"]
            jsonschema_rs.validate(envelope_schema(catalogue, catalogue[envelope["type"]]), envelope)
