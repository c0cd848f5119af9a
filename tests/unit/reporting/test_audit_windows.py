"""How the audit sizes its windows of sequence numbers and checks what its query left out (no database)."""

from __future__ import annotations

from datetime import datetime, timezone

from services.reporting.audit import _keyed, _matches, next_width


def test_a_window_is_sized_by_the_density_of_the_last_one_and_at_most_doubles():
    assert next_width(100, 0, 101) == 200  # nothing found: double
    assert next_width(100, 50, 51) == 113  # half dense: what 51 more need, and a tenth
    assert next_width(100, 1, 100) == 200  # sparse: never more than double
    assert next_width(100, 100, 1) == 2


def test_only_one_equality_rides_an_index_with_the_sequence_range_the_rest_is_checked_here():
    assert _keyed({"type": "SessionHeld", "source": "/activity"}) == ({"type": "SessionHeld"}, {"source": "/activity"})
    assert _keyed({"source": "/activity"}) == ({"source": "/activity"}, {})
    moment = datetime(2025, 3, 1, tzinfo=timezone.utc)
    doc = {"type": "SessionHeld", "source": "/activity", "at": moment}
    assert _matches(doc, {"source": "/activity", "at": {"$gte": moment, "$lte": moment}})
    assert not _matches(doc, {"at": {"$gte": datetime(2025, 3, 2, tzinfo=timezone.utc)}})
    assert not _matches(doc, {"source": "/survey"})
    assert not _matches({"type": "x"}, {"at": {"$lte": moment}})
