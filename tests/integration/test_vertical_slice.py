"""A group formed through registration reaches Kafka and reporting's audit history."""

from __future__ import annotations

import json

import pytest

from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting.app import create_app as reporting_app
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from tests.conftest import STAFF, VIEWER
from tests.topics import read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def test_group_formed_reaches_kafka_and_audit(settings, background):
    client = registration_app(settings).test_client()
    response = client.post(
        "/api/v1/groups", json={"name": "햇살 놀이 모임", "year": 2026, "theme": "숲 놀이"}, headers=STAFF
    )
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    assert group["status"] == "formed" and group["version"] == 1 and group["name"] == "햇살 놀이 모임"

    background(
        bootstrap_registration(settings).ensure_indexes().relay(),
        bootstrap_reporting(settings).ensure_indexes().consumer(),
    )

    [record] = read_topic(settings, "registration.events", 1)
    envelope = json.loads(record.value)
    assert record.key == group["id"].encode()
    assert envelope["type"] == "GroupFormed" and envelope["subject"] == group["id"]
    assert envelope["specversion"] == "1.0" and envelope["source"] == "/registration"
    assert envelope["aggregateversion"] == 1 and envelope["dataversion"] == 1
    assert envelope["actor"] == "staff:alice" and envelope["correlationid"]
    assert envelope["data"]["name"] == "햇살 놀이 모임"

    reporting = reporting_app(settings).test_client()
    url = f"/api/v1/audit/subjects/{group['id']}"
    history = eventually(lambda: reporting.get(url, headers=STAFF).get_json()["events"], what="audit history")
    assert history == [envelope]
    assert reporting.get(url, headers=VIEWER).status_code == 200
