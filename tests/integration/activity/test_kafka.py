"""Through real Kafka: registration's events reach activity's view; the booking race; activity's own events."""

from __future__ import annotations

import json
import threading

import pytest
from kafka import KafkaConsumer

from jajo.consent import consent_block
from jajo.envelope import encode
from jajo.kafka import ensure_topics, producer
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from tests.conftest import STAFF
from tests.integration.activity.conftest import Registry
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def published(settings):
    """Registration's events published to the real `registration.events` topic."""
    ensure_topics(settings)
    kafka = producer(settings)
    topic = settings.topic("registration.events")

    def deliver(envelopes):
        for envelope in envelopes:
            kafka.send(topic, key=envelope["subject"].encode(), value=encode(envelope)).get(timeout=10)

    yield Registry(deliver)
    kafka.close()


def slot(group_id: str, **changes) -> dict:
    return {
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "regular",
        "venue": "공동육아방",
        **changes,
    }


def test_registration_events_reach_activity_through_kafka(settings, background, activity, api):
    """The real registration service and its relay produce the events."""
    registration = registration_app(settings).test_client()
    group = registration.post("/api/v1/groups", json={"name": "숲속 놀이터", "year": 2026}, headers=STAFF).get_json()
    background(bootstrap_registration(settings).ensure_indexes().relay(), activity.consumer(), activity.relay())

    first = api.post("/api/v1/sessions", json=slot(group["id"]))
    assert first.status_code == 409  # unknown (Retry-After) or known but not approved: never 500, never accepted
    eventually(lambda: activity.views.group(group["id"]) is not None, what="GroupFormed in activity's view")
    formed_only = api.post("/api/v1/sessions", json=slot(group["id"]))
    assert formed_only.status_code == 409 and "approved" in formed_only.get_json()["detail"]

    assert registration.post(f"/api/v1/groups/{group['id']}/approve", headers=STAFF).status_code == 200
    session = eventually(
        lambda: (r := api.post("/api/v1/sessions", json=slot(group["id"]))).status_code == 201 and r.get_json(),
        what="session accepted once GroupApproved arrived",
    )

    def join(name: str) -> dict:
        body = {
            "guardian_name": name,
            "district": "용산구",
            "children": [{"name": "아이", "birth_date": "2023-04-01"}],
            "consent": consent_block(1),
        }
        response = registration.post(f"/api/v1/groups/{group['id']}/members", json=body, headers=STAFF)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    stays_member, leaves_member = join("김하늘"), join("이바다")
    stays, stays_kids = stays_member["id"], [c["id"] for c in stays_member["children"]]
    leaves, leaves_kids = leaves_member["id"], [c["id"] for c in leaves_member["children"]]
    eventually(lambda: leaves in activity.views.group(group["id"]).members, what="MemberJoined in view")
    later = api.post("/api/v1/sessions", json=slot(group["id"], date="2026-05-16")).get_json()
    left = registration.delete(f"/api/v1/groups/{group['id']}/members/{leaves}", headers=STAFF)
    assert left.status_code == 200, left.get_json()
    eventually(lambda: leaves not in activity.views.group(group["id"]).members, what="MemberLeft in view")

    refused = api.post(
        f"/api/v1/sessions/{later['id']}/attendance",
        json={"guardians": [stays, leaves], "children": stays_kids + leaves_kids[:1]},
    )
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"guardians", "children"}
    held = api.post(f"/api/v1/sessions/{session['id']}/attendance", json={"guardians": [stays], "children": stays_kids})
    assert (
        held.status_code == 200
        and held.get_json()["parents"] == 1
        and held.get_json()["children"] == len(stays_kids) == 1
    )

    assert registration.post(f"/api/v1/groups/{group['id']}/close", headers=STAFF).status_code == 200
    eventually(lambda: activity.views.group(group["id"]).closed, what="GroupClosed in view")
    closed = api.post("/api/v1/sessions", json=slot(group["id"], date="2026-06-06"))
    assert closed.status_code == 409 and "closed" in closed.get_json()["detail"]


def test_twenty_concurrent_bookings_of_one_slot_one_wins(settings, background, activity, api, published):
    group_id, _ = published.approved_group()
    background(activity.consumer(), activity.relay())
    eventually(
        lambda: activity.views.group(group_id) is not None and activity.views.group(group_id).approved,
        what="the approved group in activity's view",
    )

    barrier, statuses = threading.Barrier(20), []
    client = activity.client_app

    def book(n: int) -> None:
        barrier.wait()
        body = slot(group_id, start=f"10:{n:02d}", end="12:00", title=f"요청 {n}")
        statuses.append(client.post("/api/v1/sessions", json=body, headers=STAFF).status_code)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * 19
    day = api.get("/api/v1/spaces/공동육아방/bookings?date=2026-05-09").get_json()
    assert len(day["bookings"]) == 1 and day["version"] == 1
    assert activity.db["events"].count_documents({"type": "SessionScheduled"}) == 1

    consumer = KafkaConsumer(
        settings.topic("activity.events"),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=200,
    )
    try:
        records: list = []
        eventually(lambda: records.extend(consumer) or len(records) >= 2, what="activity's events on Kafka")
    finally:
        consumer.close()
    envelopes = {json.loads(r.value)["type"]: (r.key.decode(), json.loads(r.value)) for r in records}
    key, scheduled = envelopes["SessionScheduled"]
    assert key == scheduled["subject"] == day["bookings"][0]["session_id"]
    assert scheduled["source"] == "/activity" and scheduled["specversion"] == "1.0"
    assert scheduled["aggregateversion"] == 1 and scheduled["actor"] == "staff:alice" and scheduled["dataversion"] == 1
    assert {"id", "time", "datacontenttype", "correlationid", "causationid"} <= set(scheduled)
    key, booked = envelopes["SpaceBooked"]
    assert key == booked["subject"] == "space:공동육아방:2026-05-09"
    assert booked["correlationid"] == scheduled["correlationid"]
