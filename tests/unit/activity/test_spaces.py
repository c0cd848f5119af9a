import pytest

from jajo.errors import Conflict
from services.activity.domain import SpaceDay, load_spaces, space_day_id
from services.activity.domain.spaces import overlaps


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (("10:00", "12:00"), ("11:00", "13:00"), True),
        (("10:00", "12:00"), ("10:30", "11:00"), True),
        (("10:00", "12:00"), ("09:00", "10:01"), True),
        (("10:00", "12:00"), ("12:00", "13:00"), False),
        (("10:00", "12:00"), ("08:00", "10:00"), False),
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(*a, *b) is expected and overlaps(*b, *a) is expected


def test_a_space_day_takes_non_overlapping_bookings_only():
    day = SpaceDay(id=space_day_id("키움터", "2026-05-09"))
    assert (day.space, day.date) == ("키움터", "2026-05-09")
    day.book("s1", "g1", "10:00", "12:00")
    day.book("s2", "g2", "12:00", "13:00")
    with pytest.raises(Conflict) as caught:
        day.book("s3", "g3", "11:30", "12:30")
    assert "start" in caught.value.errors
    assert [e.type for e in day.pending] == ["SpaceBooked", "SpaceBooked"]
    assert day.pending[0].data == {
        "space": "키움터",
        "date": "2026-05-09",
        "session_id": "s1",
        "start": "10:00",
        "end": "12:00",
        "group_id": "g1",
    }
    day.release("s1")
    day.book("s3", "g3", "10:00", "11:30")
    day.release("unknown")  # nothing booked, nothing recorded
    assert [e.type for e in day.pending][-2:] == ["SpaceReleased", "SpaceBooked"]
    assert [b["session_id"] for b in day.view()["bookings"]] == ["s3", "s2"]


def test_spaces_defaults_and_configuration():
    spaces = load_spaces(None)
    assert list(spaces) == ["키움터", "자람터", "공동육아방"]
    assert all(s.opens == "09:00" and s.closes == "18:00" and s.capacity > 0 for s in spaces.values())
    changed = load_spaces('{"자람터": {"capacity": 12, "closes": "21:00"}}')
    assert changed["자람터"].capacity == 12 and changed["자람터"].is_open("19:00", "21:00")
    assert changed["키움터"] == spaces["키움터"]


@pytest.mark.parametrize(
    "config",
    [
        '{"놀이터": {}}',
        '{"키움터": {"opens": "18:00", "closes": "09:00"}}',
        '{"키움터": {"capacity": 0}}',
        '{"키움터": {"colour": "red"}}',
        "[]",
    ],
)
def test_bad_space_configuration_fails_at_start(config):
    with pytest.raises(ValueError):
        load_spaces(config)
