"""The outbox positions (jajo.eventstore.positions): the clock, but never at or below a subject's previous event."""

from __future__ import annotations

import time

from jajo.eventstore import outbox_id, positions


def event(subject: str, n: int) -> dict:
    return {"id": f"{subject}-{n}", "subject": subject}


def test_a_clock_behind_the_subjects_last_position_is_overtaken(monkeypatch):
    monkeypatch.setattr(time, "time_ns", lambda: 100)
    assert positions([event("g1", 1), event("g1", 2), event("g2", 1)], {"g1": 500}) == [501, 502, 100]


def test_a_clock_ahead_is_taken_as_it_is(monkeypatch):
    ticks = iter([1_000, 2_000])
    monkeypatch.setattr(time, "time_ns", lambda: next(ticks))
    assert positions([event("g1", 1), event("g2", 1)], {"g1": 10}) == [1_000, 2_000]


def test_outbox_ids_sort_as_their_positions():
    ids = [outbox_id(p, event("g", p)) for p in (9, 10, 10**18)]
    assert ids == sorted(ids)
