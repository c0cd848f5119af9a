"""Group mode on the embedded Kafka: two members of one projection's consumer group, one killed with SIGKILL
mid-stream; the survivor takes its partitions over and every event is applied exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka import KafkaProducer

from jajo.envelope import build, encode
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from tests.infra import process_environment
from tests.waiting import eventually

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def produce(settings, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=5)
    for _ in range(count):
        subject = uuid.uuid4().hex
        envelope = build("Counted", {"n": 1}, subject=subject, source="activity", aggregate_type="tally", version=1)
        producer.send(settings.topic("activity.events"), key=subject.encode(), value=encode(envelope))
    producer.flush(timeout=20)
    producer.close()


def took_over(log: Path) -> set[str]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {line["partition"] for line in lines if line["message"].startswith("took over a partition")}


def member(settings, name: str, log: Path) -> subprocess.Popen:
    environment = process_environment(
        settings,
        JAJO_CONSUMER_MODE="group",
        JAJO_CONSUMER_NAME=name,
        JAJO_CONSUMER_SESSION_TIMEOUT_MS="6000",  # Kafka's least: the kill is noticed sooner
        JAJO_CONSUMER_HEARTBEAT_INTERVAL_MS="1000",
        LOG_LEVEL=os.environ.get("GROUP_LOG", "WARNING"),
        PYTHONWARNINGS="ignore",
    )
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.groups.member"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_a_killed_members_partitions_move_to_the_survivor_and_nothing_is_applied_twice(settings, tmp_path):
    settings = settings.override(topic_partitions=4)
    ensure_topics(settings, ("activity.events",))
    db = client_of(settings)[settings.database_name("groups")]
    tally, held = db["tally"], lambda name: (db["members"].find_one({"_id": name}) or {}).get("partitions", [])
    produce(settings, 200)
    members = {name: member(settings, name, tmp_path / f"{name}.log") for name in ("a", "b")}
    try:
        eventually(
            lambda: len(held("a")) == len(held("b")) == 2 and tally.count_documents({}) == 200,
            timeout=90,
            what="both members holding two partitions each, the first events applied",
        )
        assert set(held("a")).isdisjoint(held("b"))
        produce(settings, 3000)
        eventually(lambda: tally.count_documents({}) > 200, what="the second batch under way")
        lost = held("a")
        members["a"].kill()  # SIGKILL: no LeaveGroup, maybe a transaction left open
        members["a"].wait(10)
        produce(settings, 300)
        eventually(
            lambda: len(held("b")) == 4 and tally.count_documents({}) == 3500,
            timeout=90,
            what="the survivor holding every partition, every event applied",
        )
        assert tally.count_documents({"n": {"$ne": 1}}) == 0, "an event was applied twice"
        assert db["processed"].count_documents({}) == 3500
        assert set(tally.distinct("by")) == {"a", "b"}
        ends = {doc["_id"]: doc["offset"] for doc in db["checkpoints"].find()}
        assert len(ends) == 4 and sum(ends.values()) + 4 == 3500  # each partition checkpointed at its last event
        assert took_over(tmp_path / "b.log") == set(lost)  # unreleased: b ended a's session, were it mid-transaction
    finally:
        for process in members.values():
            if process.poll() is None:
                process.terminate()
                process.wait(20)
