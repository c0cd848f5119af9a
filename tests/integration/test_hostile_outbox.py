"""Answers and events never lost or reordered (issue 14): the outbox is ordered by a sequence taken inside the
transaction, and one relay per service holds a lease."""

from __future__ import annotations

import time

from jajo.envelope import build
from jajo.mongo import in_transaction
from services.registration.bootstrap import bootstrap
from tests.topics import read_topic
from tests.waiting import eventually


def envelope(subject: str) -> dict:
    return build(
        "GroupFormed",
        {"group_id": subject, "name": "햇살", "year": 2025},
        subject=subject,
        source="registration",
        aggregate_type="group",
    )


def test_the_outbox_follows_the_commit_order_not_the_wall_clock(settings, monkeypatch):
    service = bootstrap(settings).ensure_indexes()
    clock = iter(range(10**18, 0, -(10**9)))  # a wall clock that runs backwards between the commits
    monkeypatch.setattr(time, "time_ns", lambda: next(clock))
    for subject in ("first", "second", "third"):
        in_transaction(service.client, lambda s, subject=subject: service.store.append([envelope(subject)], s))
    queued = [doc["envelope"]["subject"] for doc in service.store.outbox.find().sort("_id", 1)]
    assert queued == ["first", "second", "third"]
    sequence = [doc["seq"] for doc in service.store.outbox.find().sort("_id", 1)]
    assert sequence == sorted(sequence) and len(set(sequence)) == 3


def test_one_relay_per_outbox_holds_the_lease_and_the_next_takes_over(settings):
    service = bootstrap(settings).ensure_indexes()
    for subject in ("a", "b"):
        in_transaction(service.client, lambda s, subject=subject: service.store.append([envelope(subject)], s))
    first, second = service.relay(), service.relay()
    assert first.run_once() == 2
    in_transaction(service.client, lambda s: service.store.append([envelope("c")], s))
    assert second.run_once() == 0 and service.store.pending_count() == 1  # the first one holds the lease
    first.close()  # a clean stop gives the lease back
    eventually(lambda: second.run_once() == 1, what="the second relay took over")
    assert [r.key for r in read_topic(settings, "registration.events", 3)] == [b"a", b"b", b"c"]
    second.close()


def test_a_dead_relays_lease_expires(settings):
    quick = settings.override(relay_lease_seconds=0.5)
    service = bootstrap(quick).ensure_indexes()
    in_transaction(service.client, lambda s: service.store.append([envelope("a")], s))
    dead, alive = service.relay(), service.relay()
    assert dead.lease.acquire()  # it took the lease and then died without a word
    assert alive.run_once() == 0
    eventually(lambda: alive.run_once() == 1, timeout=10, what="the lease expired and was taken over")
    alive.close()
    dead._reset_clients()
