"""Audit sequence numbers reserved outside the batches' transactions (services/reporting/sequence.py): batches
commit out of sequence order, and no reader looks past the committed watermark, so paging by `seq` never skips."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from jajo.consumer import EventConsumer
from jajo.errors import ConcurrencyConflict
from jajo.envelope import build
from jajo.mongo import in_transaction
from services.reporting import audit, generation, rebuild, sequence, snapshots
from services.reporting.projection import replay
from services.reporting.views import ReportingProjection
from tests.unit.reporting.program import messages, small_program

pytestmark = pytest.mark.integration
NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)


def _envelopes(tag: str, count: int) -> list[dict]:
    return [
        build(
            "SpaceBooked",
            {"n": n},
            subject=f"{tag}{n}",
            source="activity",
            aggregate_type="space",
            event_id=f"{tag}{n}",
        )
        for n in range(count)
    ]


def _commit(reporting, envelopes: list[dict], taken: sequence.Reservation, attempts: int = 20) -> None:
    def write(session):
        audit.record(reporting.db, envelopes, taken.first, session)
        sequence.complete(reporting.db, taken, session)

    in_transaction(reporting.client, write, attempts=attempts)


def _pages(db, limit: int, after: int = 0) -> list[str]:
    seen: list[str] = []
    cursor: int | None = after
    while cursor is not None:
        events, cursor = audit.page(db, limit, cursor)
        seen += [e["id"] for e in events]
    return seen


def test_a_batch_committed_before_a_lower_one_waits_behind_the_watermark(reporting):
    low, high = _envelopes("a", 3), _envelopes("b", 3)
    first = sequence.reserve(reporting.client, reporting.db, len(low), NOW, NOW)
    second = sequence.reserve(reporting.client, reporting.db, len(high), NOW, NOW)
    _commit(reporting, high, second)  # the higher numbers commit first
    assert audit.last_seq(reporting.db) == first.first - 1
    events, cursor = audit.page(reporting.db, 10)
    assert events == [] and cursor is None  # a reader resuming after "b" would have skipped "a" forever
    assert list(audit.stream(reporting.db)) == []
    _commit(reporting, low, first)
    assert _pages(reporting.db, 2) == [e["id"] for e in low + high]


def test_a_voided_reservation_never_commits_and_lets_the_watermark_pass(reporting):
    lost, later = _envelopes("c", 2), _envelopes("d", 2)
    stale = sequence.reserve(reporting.client, reporting.db, len(lost), NOW, NOW)
    fresh = sequence.reserve(reporting.client, reporting.db, len(later), NOW, NOW)
    _commit(reporting, later, fresh)
    old = datetime.now(timezone.utc) - timedelta(seconds=sequence.LEASE_SECONDS + 1)
    reporting.db[sequence.COLLECTION].update_one({"_id": stale.first}, {"$set": {"at": old}})
    assert sequence.void_stale(reporting.db) == 1  # its process looked dead
    with pytest.raises(ConcurrencyConflict):  # ReservationLost, a write conflict, on every try
        _commit(reporting, lost, stale, attempts=2)
    assert reporting.db[audit.COLLECTION].count_documents({"_id": {"$in": [e["id"] for e in lost]}}) == 0
    assert _pages(reporting.db, 1) == [e["id"] for e in later]  # the gap is passed, nothing else


def test_a_member_starting_again_voids_what_its_crashed_run_left_reserved(settings, reporting):
    """Not after LEASE_SECONDS: the watermark passes the dead run's numbers with the new run's first batch, and
    another member's open reservation stays."""
    left = sequence.reserve(reporting.client, reporting.db, 3, NOW, NOW, holder="static 0/1")
    other = sequence.reserve(reporting.client, reporting.db, 2, NOW, NOW, holder="static 1/2")
    restarted = EventConsumer(ReportingProjection(reporting.db, settings), reporting.client, reporting.db)
    restarted.handle(messages(small_program().events[:2], settings.topic_prefix))
    assert audit.last_seq(reporting.db) == left.last == other.first - 1  # 0 while left stayed open
    assert [e["id"] for e in audit.page(reporting.db, 10)[0]] == []  # left's numbers are a gap; other's still open


class Killed(BaseException):
    """The process dying where it stands: nothing of it runs on (no abort, no retry, no one-by-one)."""


def test_a_member_killed_inside_its_reservation_leaves_its_restart_nothing_locked(settings, reporting, monkeypatch):
    """A kill -9 after the reservation's transaction wrote the state document and before it committed leaves that
    transaction open, and MongoDB keeps its locks until it expires it (60 s): every reservation of the member started
    again conflicted meanwhile. The restart ends the sessions its dead run recorded, the reservations' too."""
    batch = messages(small_program().events[:2], settings.topic_prefix)
    inside, dies = threading.Event(), threading.Event()
    invalidate = snapshots.invalidate

    def killed_before_the_commit(*args):
        invalidate(*args)  # in the reservation's transaction, after its write of the state document
        inside.set()
        dies.wait(30)
        raise Killed()

    def crashed_run():
        with pytest.raises(Killed):
            EventConsumer(ReportingProjection(reporting.db, settings), reporting.client, reporting.db).handle(batch)

    monkeypatch.setattr(snapshots, "invalidate", killed_before_the_commit)
    crashed = threading.Thread(target=crashed_run)
    crashed.start()
    try:
        assert inside.wait(30)
        monkeypatch.setattr(snapshots, "invalidate", invalidate)
        restarted = EventConsumer(ReportingProjection(reporting.db, settings), reporting.client, reporting.db)
        restarted.handle(batch)  # ConcurrencyConflict while the dead run's reservation held the state document
        audited = [e["id"] for e in audit.page(reporting.db, 10)[0]]
        assert audited == [json.loads(m.value)["id"] for m in batch]
    finally:
        dies.set()
        crashed.join(30)


def test_a_rebuild_waits_for_the_batches_reserved_before_it_started(reporting):
    early = _envelopes("e", 2)
    taken = sequence.reserve(reporting.client, reporting.db, len(early), NOW, NOW)  # reserved, not committed
    plan = rebuild.prepare(reporting.client, reporting.db)
    assert plan.upto == taken.last and plan.generation not in generation.generations(taken.state)
    done = threading.Event()
    runner = threading.Thread(target=lambda: (rebuild.execute(reporting.client, reporting.db, plan), done.set()))
    runner.start()
    assert not done.wait(0.5)  # waits on the watermark
    _commit(reporting, early, taken)
    runner.join(30)
    assert done.is_set() and generation.state(reporting.db)["current"] == plan.generation


def test_two_projectors_at_once_while_a_reader_pages_see_every_record_exactly_once(settings, reporting):
    """Two members write concurrently in batches whose commits interleave, each into its own parts of the read
    models; a reader pages by cursor all along and, resumed from any cursor it was handed, never misses or repeats
    a record; the read models (parts merged) equal the replay of the events."""
    events = small_program().events
    records = messages(events, settings.topic_prefix)
    halves = [records[0::2], records[1::2]]
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def project(member, part):
        projection = ReportingProjection(reporting.db, settings.override(consumer_member=f"{member}/2"))
        consumer = EventConsumer(projection, reporting.client, reporting.db, member=f"{member}/2")
        try:
            for start in range(0, len(part), 3):
                consumer.handle(part[start : start + 3])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    seen: list[str] = []
    cursors: list[int] = []

    def read():
        after = 0
        while True:
            still_writing = writing.is_set()
            events_page, following = audit.page(reporting.db, 4, after)
            seen.extend(e["id"] for e in events_page)
            if following is not None:
                after = following
                cursors.append(after)
            elif events_page:
                after = max(
                    after,
                    *(
                        d["seq"]
                        for d in reporting.db[audit.COLLECTION].find(
                            {"_id": {"$in": [e["id"] for e in events_page]}}, {"seq": 1}
                        )
                    ),
                )
                cursors.append(after)
            elif not still_writing:
                return

    writers = [threading.Thread(target=project, args=pair) for pair in enumerate(halves)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    writing.clear()
    reader.join(60)
    assert errors == []
    ids = [e["id"] for _, e in events]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))  # every record once, none skipped
    in_order = [d["_id"] for d in reporting.db[audit.COLLECTION].find({}, {"_id": 1}).sort("seq", 1)]
    for cursor in [0, *cursors]:  # paging resumed from any cursor handed out
        tail = [d["_id"] for d in reporting.db[audit.COLLECTION].find({"seq": {"$gt": cursor}}).sort("seq", 1)]
        assert _pages(reporting.db, 5, cursor) == tail
    assert _pages(reporting.db, 7) == in_order
    seqs = [d["seq"] for d in reporting.db[audit.COLLECTION].find({}, {"seq": 1})]
    assert len(seqs) == len(set(seqs)) == len(ids) and sequence.open_count(reporting.db) == 0
    assert generation.current_models(reporting.db).dump() == _normalised(replay(e for _, e in events))
    parts = reporting.db[generation.collection_name(1, "years")].count_documents({generation.OF: "2025"})
    assert parts == 2  # each member wrote its own part of the year


def _normalised(models) -> dict:
    return {name: {i: generation._normalise(d) for i, d in docs.items()} for name, docs in models.docs.items()}
