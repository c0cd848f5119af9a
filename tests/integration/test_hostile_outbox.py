"""Answers and events never lost or reordered (issues 14 and 17): the outbox keeps every subject's order by the
positions of its events, and one relay per service holds a lease."""

from __future__ import annotations

import time

from jajo.envelope import build
from jajo.mongo import in_transaction, open_transaction
from services.registration.bootstrap import bootstrap
from tests.topics import read_topic
from tests.waiting import eventually


def envelope(subject: str, version: int = 1) -> dict:
    return build(
        "GroupFormed" if version == 1 else "GroupApproved",
        {"group_id": subject, "name": "햇살", "year": 2025} if version == 1 else {"group_id": subject, "year": 2025},
        subject=subject,
        source="registration",
        aggregate_type="group",
        version=version,
    )


def backwards_clock(monkeypatch) -> None:
    """A wall clock that runs backwards between the commits (another machine's, or one set back)."""
    clock = iter(range(10**18, 0, -(10**9)))
    monkeypatch.setattr(time, "time_ns", lambda: next(clock))


def queued(service) -> list[tuple[str, int]]:
    return [
        (doc["envelope"]["subject"], doc["envelope"]["aggregateversion"])
        for doc in service.store.outbox.find().sort("_id", 1)
    ]


def test_a_subjects_events_leave_in_version_order_whatever_the_clock(settings, monkeypatch):
    """Each event's position follows its stream's last one as the unit of work read it (or, for an append
    without it, as read in the transaction), so the relay's order keeps every subject's order."""
    service = bootstrap(settings).ensure_indexes()
    backwards_clock(monkeypatch)
    for version in (1, 2, 3):
        read = service.store.stream("read")
        assert len(read.envelopes) == version - 1
        after = {"read": read.position}
        in_transaction(service.client, lambda s, v=version: service.store.append([envelope("read", v)], s, after=after))
        in_transaction(service.client, lambda s, v=version: service.store.append([envelope("unread", v)], s))
    outbox = queued(service)
    for subject in ("read", "unread"):
        assert [v for s, v in outbox if s == subject] == [1, 2, 3]
    positions = [doc["seq"] for doc in service.store.outbox.find().sort("_id", 1)]
    assert len(set(positions)) == 6


def test_commands_on_different_subjects_share_nothing_to_conflict_on(settings):
    """Two open transactions appending to two streams both commit (a shared outbox counter made the second
    one conflict and run its command again: 4 retries per command with 8 clients)."""
    service = bootstrap(settings).ensure_indexes()
    first, _ = open_transaction(service.client, lambda s: service.store.append([envelope("a")], s))
    second, _ = open_transaction(service.client, lambda s: service.store.append([envelope("b")], s))
    first.commit()
    second.commit()
    assert sorted(s for s, _ in queued(service)) == ["a", "b"]


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
