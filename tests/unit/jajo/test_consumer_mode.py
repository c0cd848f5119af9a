"""How consumers get their partitions (docs/deploy.md, "Consumer groups"): static i/n by default (the embedded
stack, tests), a cooperative-sticky consumer group per projection with JAJO_CONSUMER_MODE=group (docker-compose)."""

from __future__ import annotations

import socket

import pytest
from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
from pymongo import MongoClient

from jajo.bootstrap import Service
from jajo.config import Settings, load_settings
from jajo.kafka import _membership


class Tally:
    name = "tally"
    topics = ["activity.events"]
    known_types = None

    def apply(self, envelope, session) -> None:
        pass


def wired(settings: Settings):
    client: MongoClient = MongoClient("mongodb://127.0.0.1:1", connect=False)
    return Service("tally", settings, client, client["x"], projection=Tally).consumer()


def test_static_is_the_default_and_keeps_member_i_of_n(monkeypatch):
    monkeypatch.setenv("JAJO_CONSUMER_MEMBER", "1/3")
    settings = load_settings()
    assert settings.consumer_mode == "static" and not settings.grouped
    loop = wired(settings)
    assert (loop.grouped, loop.member, loop.members, loop.key) == (False, 1, 3, "tally:1/3")
    assert loop.consumer_factory.args == (settings, None)
    assert _membership(settings, None) == {"group_id": None}


def test_group_mode_reads_its_group_name_and_timeouts_from_the_environment(monkeypatch):
    for name, value in {
        "JAJO_CONSUMER_MODE": " Group ",
        "JAJO_CONSUMER_NAME": "worker-2",
        "JAJO_CONSUMER_MAX_POLL_INTERVAL_MS": "60000",
        "JAJO_CONSUMER_SESSION_TIMEOUT_MS": "30000",
        "JAJO_CONSUMER_HEARTBEAT_INTERVAL_MS": "3000",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    loop = wired(settings)
    assert (loop.grouped, loop.member, loop.members, loop.key) == (True, 0, 1, "tally:worker-2")
    assert loop.consumer_factory.args == (settings, "jajo.tally")
    assert _membership(settings, "jajo.tally") == {
        "group_id": "jajo.tally",
        "partition_assignment_strategy": (CooperativeStickyAssignor,),
        "max_poll_interval_ms": 60000,
        "session_timeout_ms": 30000,
        "heartbeat_interval_ms": 3000,
    }


def test_the_group_is_one_per_projection_and_prefix_unless_named():
    assert Settings(topic_prefix="t1_").consumer_group_of("reporting-projector") == "t1_jajo.reporting-projector"
    assert Settings(consumer_group="projectors").consumer_group_of("reporting-projector") == "projectors"


def test_a_member_is_named_after_its_host_unless_named():
    assert Settings(consumer_mode="group").consumer_member_name() == socket.gethostname()
    assert Settings(consumer_mode="group", consumer_name="b").consumer_member_name() == "b"


def test_the_defaults_suit_the_embedded_tansu_and_kafka_alike():
    settings = Settings()
    assert settings.consumer_max_poll_interval_ms == 5000  # Tansu holds a JoinGroup this long
    assert 6000 <= settings.consumer_session_timeout_ms  # Kafka's group.min.session.timeout.ms
    assert settings.consumer_heartbeat_interval_ms * 3 <= settings.consumer_session_timeout_ms


@pytest.mark.parametrize("mode", ["", "groups", "dynamic"])
def test_an_unknown_mode_is_refused_at_start(monkeypatch, mode):
    monkeypatch.setenv("JAJO_CONSUMER_MODE", mode)
    with pytest.raises(ValueError, match="JAJO_CONSUMER_MODE"):
        load_settings()
