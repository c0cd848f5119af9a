from datetime import date

import pytest

from jajo.errors import Conflict, RuleViolation
from services.activity.domain import load_spaces
from services.activity.domain import GroupFacts, Session, series_dates

SPACES = load_spaces(None)
GROUP = GroupFacts("g1", 2026, approved=True, members={"m1": ("c1", "c2"), "m2": ("c3",)})


def scheduled(kind="regular", venue="키움터", start="10:00", end="12:00") -> Session:
    session = Session.schedule("s1", GROUP, date(2026, 5, 9), start, end, kind, venue, SPACES, title="숲 놀이")
    session.take_pending()
    return session


def test_schedule_records_the_self_contained_event():
    session = Session.schedule("s1", GROUP, date(2026, 5, 9), "10:00", "12:00", "special", "키움터", SPACES)
    [event] = session.pending
    assert event.type == "SessionScheduled" and event.data == {
        "session_id": "s1",
        "group_id": "g1",
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "special",
        "venue": "키움터",
        "title": None,
        "series_id": None,
        "meeting_url": None,
        "dial_in": None,
    }
    assert session.status == "scheduled" and session.version == 1 and session.year == 2026


@pytest.mark.parametrize(
    "group, text, retry_after",
    [
        (GroupFacts("g1", 2026), "not approved", 1),  # approval may still be on its way
        (GroupFacts("g1", 2026, approved=True, closed=True), "closed", None),  # final
    ],
)
def test_only_approved_open_groups_schedule(group, text, retry_after):
    with pytest.raises(Conflict, match=text) as caught:
        Session.schedule("s1", group, date(2026, 5, 9), "10:00", "12:00", "regular", "키움터", SPACES)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    "kind, venue, start, end, field",
    [
        ("online", "키움터", "10:00", "11:00", "venue"),
        ("regular", "online", "10:00", "11:00", "venue"),
        ("special", "online", "10:00", "11:00", "venue"),
        ("regular", "external", "10:00", "10:00", "end"),
        ("regular", "external", "11:00", "10:00", "end"),
        ("regular", "자람터", "08:59", "10:00", "start"),
        ("regular", "자람터", "17:00", "18:01", "start"),
        ("party", "external", "10:00", "11:00", "kind"),
        ("regular", "카페", "10:00", "11:00", "venue"),
    ],
)
def test_slot_rules(kind, venue, start, end, field):
    with pytest.raises(RuleViolation) as caught:
        Session.schedule("s1", GROUP, date(2026, 5, 9), start, end, kind, venue, SPACES)
    assert field in caught.value.errors


def test_online_at_night_and_full_opening_hours_are_fine():
    for sid, start, end, kind, venue in (
        ("s1", "20:00", "21:00", "online", "online"),
        ("s2", "09:00", "18:00", "regular", "자람터"),
    ):
        session = Session.schedule(sid, GROUP, date(2026, 5, 9), start, end, kind, venue, SPACES)
        [event] = session.take_pending()
        assert event.type == "SessionScheduled" and (event.data["start"], event.data["end"]) == (start, end)
        assert session.status == "scheduled"


def test_hold_derives_counts_and_happens_once():
    session = scheduled()
    session.hold(GROUP, ["m1", "m2"], ["c1", "c3"], notes="즐거움")
    [event] = session.take_pending()
    assert event.type == "SessionHeld" and event.data["parents"] == 2 and event.data["children"] == 2
    assert event.data["venue"] == "키움터" and event.data["date"] == "2026-05-09" and event.data["end"] == "12:00"
    assert session.status == "held"
    with pytest.raises(Conflict):
        session.hold(GROUP, ["m1"], [])
    with pytest.raises(Conflict):
        session.cancel()


@pytest.mark.parametrize(
    "guardians, children, field",
    [
        (["m1", "m1"], [], "guardians"),
        (["m9"], [], "guardians"),
        ([], ["c1", "c1"], "children"),
        ([], ["c9"], "children"),
    ],
)
def test_attendance_only_current_members_once(guardians, children, field):
    session = scheduled()
    with pytest.raises(RuleViolation) as caught:
        session.hold(GROUP, guardians, children)
    assert list(caught.value.errors) == [field] and session.status == "scheduled" and not session.pending


def test_a_member_who_left_and_their_children_cannot_attend():
    after_leaving = GroupFacts("g1", 2026, approved=True, members={"m2": ("c3",)})
    with pytest.raises(RuleViolation) as caught:
        scheduled().hold(after_leaving, ["m1"], ["c1"])
    assert set(caught.value.errors) == {"guardians", "children"}


def test_a_child_may_come_without_their_guardian():
    session = scheduled()
    session.hold(GROUP, ["m2"], ["c1"])
    [event] = session.take_pending()
    assert event.data["guardian_ids"] == ["m2"] and event.data["child_ids"] == ["c1"]
    assert (event.data["parents"], event.data["children"]) == (1, 1) and session.status == "held"


def test_cancel_once_and_not_after_cancel_hold():
    session = scheduled()
    assert session.cancel("비") is True
    [event] = session.take_pending()
    assert event.type == "SessionCancelled" and event.data["reason"] == "비" and event.data["kind"] == "regular"
    assert session.cancel() is False and not session.pending
    with pytest.raises(Conflict):
        session.hold(GROUP, [], [])


def test_rehydrated_session_has_the_same_state():
    session = scheduled()
    session.hold(GROUP, ["m1"], ["c1"])
    from jajo.domain import DomainEvent

    events = [
        DomainEvent(
            "SessionScheduled",
            {
                "session_id": "s1",
                "group_id": "g1",
                "date": "2026-05-09",
                "start": "10:00",
                "end": "12:00",
                "kind": "regular",
                "venue": "키움터",
                "title": "숲 놀이",
                "series_id": None,
            },
            1,
            1,
        ),
        *session.pending,
    ]
    again = Session.rehydrate("s1", events)
    assert again.view() == session.view() and again.version == 2


def test_weekly_series():
    assert series_dates(date(2026, 5, 9), "weekly", count=3) == [date(2026, 5, 9), date(2026, 5, 16), date(2026, 5, 23)]
    assert series_dates(date(2026, 5, 9), "weekly", interval=2, until=date(2026, 6, 6)) == [
        date(2026, 5, 9),
        date(2026, 5, 23),
        date(2026, 6, 6),
    ]


def test_monthly_series_keeps_the_day_or_the_last_of_a_shorter_month():
    assert series_dates(date(2026, 1, 31), "monthly", count=4) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert series_dates(date(2026, 11, 15), "monthly", count=3) == [
        date(2026, 11, 15),
        date(2026, 12, 15),
        date(2027, 1, 15),
    ]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({}, "count"),
        ({"count": 2, "until": date(2026, 6, 1)}, "count"),
        ({"until": date(2026, 1, 1)}, "until"),
        ({"until": date(2028, 1, 1)}, "until"),
    ],
)
def test_series_limits(kwargs, field):
    with pytest.raises(RuleViolation) as caught:
        series_dates(date(2026, 5, 9), "weekly", **kwargs)
    assert field in caught.value.errors


MEET = "https://meet.example.kr/jajo"


@pytest.mark.parametrize(
    "kind, venue, url, dial_in, field",
    [
        ("regular", "키움터", MEET, None, "meeting_url"),
        ("special", "external", None, "02-123-4567", "dial_in"),
        ("online", "online", "http://meet.example.kr/jajo", None, "meeting_url"),
    ],
)
def test_only_online_sessions_have_an_https_meeting_link(kind, venue, url, dial_in, field):
    with pytest.raises(RuleViolation) as refused:
        Session.schedule(
            "s1",
            GROUP,
            date(2026, 5, 9),
            "20:00" if kind == "online" else "10:00",
            "21:00" if kind == "online" else "12:00",
            kind,
            venue,
            SPACES,
            meeting_url=url,
            dial_in=dial_in,
        )
    assert field in refused.value.errors


def held_online() -> Session:
    session = Session.schedule(
        "s1",
        GROUP,
        date(2026, 5, 9),
        "20:00",
        "21:00",
        "online",
        "online",
        SPACES,
        meeting_url=MEET,
        dial_in="02-123-4567",
    )
    assert session.view()["meeting_url"] == MEET and session.view()["dial_in"] == "02-123-4567"
    return session


def test_connection_reports_only_for_held_online_sessions_and_a_repeat_replaces():
    session = held_online()
    member = next(iter(GROUP.members))
    with pytest.raises(Conflict):
        session.report_connection(GROUP, member, "ok")  # not held yet
    session.hold(GROUP, [member], [])
    session.take_pending()
    session.report_connection(GROUP, member, "dropped", "10분 뒤 끊김")
    session.report_connection(GROUP, member, "ok")
    first, second = session.take_pending()
    assert first.type == second.type == "ConnectionReported"
    assert (first.data["report_no"], second.data["report_no"]) == (1, 2) and first.data["kind"] == "online"
    assert first.data["date"] == "2026-05-09" and first.data["note"] == "10분 뒤 끊김"
    assert session.view()["connections"] == [{"member_id": member, "status": "ok", "note": None, "report_no": 2}]
    for who, status, field in (("stranger", "ok", "member_id"), (member, "great", "status")):
        with pytest.raises(RuleViolation) as refused:
            session.report_connection(GROUP, who, status)
        assert field in refused.value.errors
    offline = scheduled()
    offline.hold(GROUP, [], [])
    with pytest.raises(Conflict):
        offline.report_connection(GROUP, member, "ok")
