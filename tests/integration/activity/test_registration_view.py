"""Activity's view of registration: exactly once, order-insensitive, bad events set aside."""

from __future__ import annotations

import itertools

import pytest

from jajo.consumer import Message
from jajo.envelope import encode
from tests.integration.activity.conftest import registration_envelope

pytestmark = pytest.mark.integration


@pytest.fixture
def feed(activity, settings):
    consumer = activity.consumer()
    offsets = itertools.count()

    def send(*values):
        consumer.handle(
            [
                Message(
                    settings.topic("registration.events"),
                    0,
                    next(offsets),
                    b"k",
                    v if isinstance(v, bytes) else encode(v),
                )
                for v in values
            ]
        )

    return send


def test_redelivered_and_reordered_events_give_the_same_view(activity, feed):
    joined = registration_envelope(
        "MemberJoined",
        "g1",
        3,
        year=2026,
        member_id="m1",
        joined_on="2026-03-02",
        district="용산구",
        children=[{"child_id": "c1"}],
        personal={},
    )
    left = registration_envelope("MemberLeft", "g1", 4, year=2026, member_id="m1", left_on="2026-04-01")
    approved = registration_envelope("GroupApproved", "g1", 2, year=2026)
    feed(left, approved)
    feed(joined, left, joined)  # late and redelivered
    group = activity.views.group("g1")
    assert group.approved and not group.closed and group.year == 2026 and group.members == {}
    assert activity.db["processed"].count_documents({}) == 3


def test_unusable_events_go_to_dead_letters_and_unknown_types_are_skipped(activity, feed):
    feed(
        b"not json",
        registration_envelope("MemberJoined", "g2", 1, year=2026, member_id="m1"),  # no children
        registration_envelope("GroupRenamed", "g2", 2, year=2026, name="새 이름"),
    )
    assert activity.db["dead_letters"].count_documents({}) == 2
    assert activity.views.group("g2") is None
