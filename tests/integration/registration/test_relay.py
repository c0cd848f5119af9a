"""Registration's events reach Kafka through the outbox relay (in-process and as the real worker process)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jajo.personal import is_sealed
from services.registration.bootstrap import bootstrap
from tests.topics import read_topic
from tests.infra import process_environment
from tests.waiting import eventually

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def test_member_events_reach_kafka_in_version_order_keyed_by_group(settings, reg, background):
    group = reg.form()
    member = reg.joined(group["id"])
    reg.post(f"/groups/{group['id']}/approve")
    reg.delete(f"/groups/{group['id']}/members/{member['id']}")
    background(bootstrap(settings).ensure_indexes().relay())

    records = read_topic(settings, "registration.events", 4)
    assert {record.key for record in records} == {group["id"].encode()}
    envelopes = [json.loads(record.value) for record in records]
    assert [e["type"] for e in envelopes] == ["GroupFormed", "MemberJoined", "GroupApproved", "MemberLeft"]
    assert [e["aggregateversion"] for e in envelopes] == [1, 2, 3, 4]
    assert envelopes == reg.envelopes(group["id"])
    assert envelopes[0]["data"]["name"] == "햇살 놀이 모임"  # Korean intact on the wire
    assert is_sealed(envelopes[1]["data"]["personal"]) and "김보호" not in records[1].value.decode()
    eventually(lambda: reg.db["outbox"].count_documents({}) == 0, what="outbox drained")


def test_the_worker_process_relays_and_stops_on_sigterm(settings, reg):
    group = reg.form()
    reg.joined(group["id"])
    env = process_environment(
        settings, JAJO_RELAY_IDLE_SECONDS="0.02", LOG_LEVEL="WARNING", API_TOKENS=settings.api_tokens
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "services.registration.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        eventually(lambda: reg.db["outbox"].count_documents({}) == 0, what="worker drained the outbox")
        records = read_topic(settings, "registration.events", 2)
        assert [json.loads(r.value)["type"] for r in records] == ["GroupFormed", "MemberJoined"]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        worker.stderr.close()


def test_outbox_endpoint_counts_events_not_yet_on_kafka(settings, reg, background):
    group = reg.form()
    reg.joined(group["id"])
    assert reg.get("/outbox").get_json() == {"pending": 2}
    background(bootstrap(settings).ensure_indexes().relay())
    eventually(lambda: reg.get("/outbox").get_json() == {"pending": 0}, what="outbox drained")
