"""Survey's worker loops over real Kafka: members arrive on registration.events, survey events leave on
survey.events."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer

from jajo.consent import consent_block
from jajo.envelope import encode
from jajo.kafka import ensure_topics
from tests.conftest import STAFF
from tests.integration.survey.conftest import member_joined, registration_envelope
from tests.topics import read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def produce(settings, envelopes: list[dict], raw: tuple[bytes, ...] | list[bytes] = ()) -> None:
    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        topic = settings.topic("registration.events")
        for envelope in envelopes:
            producer.send(topic, key=envelope["subject"].encode(), value=encode(envelope))
        for value in raw:
            producer.send(topic, key=b"bad", value=value)
        producer.flush(timeout=10)
    finally:
        producer.close(timeout=5)


def test_members_arrive_through_kafka_and_responses_leave_on_it(settings, background, client, publish, survey_service):
    survey = publish()
    url = f"/api/v1/surveys/{survey['id']}/responses"
    body = {"respondent": "m-kafka-1", "answers": {"q1": 5, "q5": "좋았어요"}}
    early = client.post(url, json=body, headers=STAFF)
    assert early.status_code == 409 and early.headers["Retry-After"]  # not heard of yet

    malformed = registration_envelope("MemberJoined", {"group_id": "g9", "year": 2025}, "g9")  # no member_id
    formed = registration_envelope(
        "GroupFormed", {"group_id": "g1", "name": "햇살", "year": 2025, "theme": None, "description": None}, "g1"
    )
    produce(settings, [formed, member_joined("m-kafka-1", 2025, "g1"), malformed], raw=[b"not json"])
    background(survey_service.relay(), survey_service.consumer())

    answer = eventually(
        lambda: (r := client.post(url, json=body, headers=STAFF)).status_code != 409 and r,
        what="the member known to survey",
    )
    assert answer.status_code == 201, answer.get_json()
    assert eventually(lambda: survey_service.db["dead_letters"].count_documents({}) == 2, what="2 dead letters")
    assert survey_service.db["members"].find_one({"_id": "m-kafka-1"}) == {
        "_id": "m-kafka-1",
        "years": [2025],
        "group_ids": ["g1"],
    }  # no personal data kept

    records = read_topic(settings, "survey.events", 2)
    by_type = {json.loads(r.value)["type"]: (r.key, json.loads(r.value)) for r in records}
    key, submitted = by_type["SurveySubmitted"]
    assert key == f"response:{survey['id']}:m-kafka-1".encode() == submitted["subject"].encode()
    assert submitted["source"] == "/survey" and submitted["actor"] == "staff:alice"
    assert submitted["data"]["answers"] == {"q1": 5, "q5": "좋았어요"}
    assert by_type["SurveyPublished"][0] == survey["id"].encode()
    assert eventually(lambda: survey_service.store.pending_count() == 0, what="outbox drained")


def test_a_member_joined_through_registration_may_respond(settings, background, client, publish, survey_service):
    """The whole path: registration's app and relay → registration.events → survey's members view."""
    from datetime import date

    from services.registration.app import create_app as registration_app
    from services.registration.bootstrap import bootstrap as bootstrap_registration

    registration = registration_app(settings).test_client()
    group = registration.post("/api/v1/groups", json={"name": "숲 놀이 모임", "year": 2026}, headers=STAFF).get_json()
    birth = date.today().replace(day=1, year=date.today().year - 2).isoformat()
    joined = registration.post(
        f"/api/v1/groups/{group['id']}/members",
        headers=STAFF,
        json={
            "guardian_name": "이보람",
            "district": "용산구",
            "children": [{"birth_date": birth}],
            "consent": consent_block(1),
        },
    )
    assert joined.status_code == 201, joined.get_json()
    member = joined.get_json()["id"]

    background(bootstrap_registration(settings).ensure_indexes().relay(), survey_service.consumer())
    survey = publish(year=2026)
    url = f"/api/v1/surveys/{survey['id']}/responses"
    answer = eventually(
        lambda: (
            (r := client.post(url, json={"respondent": member, "answers": {"q1": 4}}, headers=STAFF)).status_code != 409
            and r
        ),
        what="the member known to survey",
    )
    assert answer.status_code == 201, answer.get_json()
