"""The national-scale bench's pure parts: the history generator's counts and the explain reader."""

from __future__ import annotations

from collections import Counter

from bench.audit_scale import Shape, plan_stages
from bench.yeargen import history, program_year


def test_history_holds_exactly_the_events_asked_with_every_newer_year_whole():
    per_year = len(program_year(2025))
    for events in (1, per_year, per_year + 7, 3 * per_year - 1):
        envelopes = list(history(events))
        assert len(envelopes) == events
        assert len({e["id"] for e in envelopes}) == events
        assert envelopes[-1]["time"].startswith("2025")
    newest = list(history(per_year + 7))[7:]
    assert Counter(e["type"] for e in newest) == Counter(e["type"] for _, e in program_year(2025))


def test_the_shape_counts_what_passes_through_it():
    shape = Shape()
    assert sum(1 for _ in shape.watch(history(2000))) == 2000
    assert sum(shape.types.values()) == 2000
    assert shape.first is not None and shape.last is not None and shape.first < shape.last
    assert len(shape.subjects) == 3  # one in 997


def test_the_winning_plan_reads_outermost_first():
    plan = {
        "stage": "PROJECTION_SIMPLE",
        "inputStage": {"stage": "FETCH", "inputStage": {"stage": "IXSCAN", "indexName": "seq_1"}},
    }
    assert plan_stages(plan) == ["PROJECTION_SIMPLE", "FETCH", "IXSCAN seq_1"]
