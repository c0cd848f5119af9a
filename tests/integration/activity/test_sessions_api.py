"""Sessions over HTTP against real MongoDB: every contract rule of scheduling, attendance and cancelling."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def slot(group_id: str, **changes) -> dict:
    return {
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "regular",
        "venue": "키움터",
        "title": "숲 놀이",
        **changes,
    }


def schedule(api, group_id, **changes):
    return api.post("/api/v1/sessions", json=slot(group_id, **changes))


def test_schedule_returns_session_with_id_and_version_and_books_space(api, registry, activity):
    group_id, _ = registry.approved_group()
    response = schedule(api, group_id, title="봄맞이 숲 놀이 🌱")
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    assert session["status"] == "scheduled" and session["version"] == 1 and session["id"]
    assert session["title"] == "봄맞이 숲 놀이 🌱" and session["year"] == 2026 and session["series_id"] is None
    assert response.headers["ETag"] == '"1"'
    assert api.get(f"/api/v1/sessions/{session['id']}").get_json() == session
    [scheduled, booked] = sorted(activity.db["events"].find(), key=lambda e: e["type"])
    assert scheduled["envelope"]["data"] == {
        "session_id": session["id"],
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "regular",
        "venue": "키움터",
        "title": "봄맞이 숲 놀이 🌱",
        "series_id": None,
        "meeting_url": None,
        "dial_in": None,
    }
    assert booked["type"] == "SpaceBooked" and booked["subject"] == "space:키움터:2026-05-09"
    assert booked["envelope"]["data"]["session_id"] == session["id"]
    bookings = api.get("/api/v1/spaces/키움터/bookings?date=2026-05-09").get_json()
    assert bookings["bookings"] == [
        {"session_id": session["id"], "group_id": group_id, "start": "10:00", "end": "12:00"}
    ]
    assert bookings["opens"] == "09:00" and bookings["closes"] == "18:00" and bookings["version"] == 1
    assert api.get("/api/v1/outbox").get_json() == {"pending": 2}


def test_unknown_group_is_409_with_retry_after_and_stores_nothing(api, stored):
    before = stored()
    response = schedule(api, "group-activity-has-not-heard-of")
    assert response.status_code == 409 and response.mimetype == PROBLEM
    assert response.headers["Retry-After"] == "1"
    assert stored() == before


@pytest.mark.parametrize("state", ["formed", "closed"])
def test_group_must_be_approved_and_open(api, registry, stored, state):
    group_id = registry.form()
    if state == "closed":
        registry.approve(group_id)
        registry.close(group_id)
    before = stored()
    response = schedule(api, group_id)
    assert response.status_code == 409 and response.mimetype == PROBLEM
    assert ("Retry-After" in response.headers) == (state == "formed")  # an approval may be on its way
    assert state in response.get_json()["detail"] or "approved" in response.get_json()["detail"]
    assert stored() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "online", "venue": "키움터"}, "venue"),
        ({"kind": "regular", "venue": "online"}, "venue"),
        ({"end": "10:00"}, "end"),
        ({"start": "11:00", "end": "10:30"}, "end"),
        ({"start": "08:00"}, "start"),
        ({"end": "18:30"}, "start"),
    ],
)
def test_slot_rules_are_422_naming_the_field(api, registry, stored, changes, field):
    group_id, _ = registry.approved_group()
    before = stored()
    response = schedule(api, group_id, **changes)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.get_json()["errors"]
    assert stored() == before


def test_online_and_external_sessions_need_no_space_or_opening_hours(api, registry, activity):
    group_id, _ = registry.approved_group()
    online = schedule(api, group_id, kind="online", venue="online", start="20:00", end="21:30")
    assert online.status_code == 201, online.get_json()
    assert schedule(api, group_id, kind="special", venue="external", start="20:00", end="21:30").status_code == 201
    assert schedule(api, group_id, kind="special", venue="external", start="20:00", end="21:30").status_code == 201
    assert activity.db["events"].count_documents({"type": "SpaceBooked"}) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": "2026-5-9"}, "date"),
        ({"date": "20260509"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"start": "9:00"}, "start"),
        ({"end": "24:00"}, "end"),
        ({"kind": "workshop"}, "kind"),
        ({"venue": "놀이터"}, "venue"),
        ({"title": "x" * 201}, "title"),
        ({"group_id": 7}, "group_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(api, registry, stored, body, field):
    group_id, _ = registry.approved_group()
    before = stored()
    response = api.post("/api/v1/sessions", json={**slot(group_id), **body})
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored() == before


def test_missing_fields_and_non_json_bodies_are_rejected(api, stored):
    before = stored()
    response = api.post("/api/v1/sessions", json={})
    assert response.status_code == 422
    assert {"group_id", "date", "start", "end", "kind", "venue"} <= set(response.get_json()["errors"])
    assert api.post("/api/v1/sessions", data="group_id=x", content_type="text/plain").status_code == 415
    assert api.post("/api/v1/sessions", data="{not json", content_type="application/json").status_code in (400, 422)
    assert stored() == before


def test_no_token_401(activity):
    assert activity.client_app.post("/api/v1/sessions", json={}).status_code == 401


def test_overlapping_live_sessions_in_a_space_conflict(api, registry, stored):
    group_id, _ = registry.approved_group()
    other_group, _ = registry.approved_group()
    assert schedule(api, group_id).status_code == 201
    before = stored()
    for start, end in (("10:00", "12:00"), ("11:00", "13:00"), ("09:00", "10:30"), ("10:30", "11:00")):
        response = schedule(api, other_group, start=start, end=end)
        assert response.status_code == 409 and response.mimetype == PROBLEM, (start, end)
    assert stored() == before
    assert schedule(api, other_group, start="12:00", end="13:00").status_code == 201  # back to back
    assert schedule(api, other_group, venue="자람터").status_code == 201  # another space
    assert schedule(api, other_group, date="2026-05-10").status_code == 201  # another day


def test_cancelling_frees_the_slot_and_is_final(api, registry, activity):
    group_id, _ = registry.approved_group()
    session = schedule(api, group_id).get_json()
    response = api.post(f"/api/v1/sessions/{session['id']}/cancel", json={"reason": "우천"})
    assert response.status_code == 200
    cancelled = response.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["reason"] == "우천" and cancelled["version"] == 2
    event = activity.db["events"].find_one({"type": "SessionCancelled"})["envelope"]
    assert event["data"] == {
        "session_id": session["id"],
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "regular",
        "venue": "키움터",
        "reason": "우천",
    }
    assert activity.db["events"].count_documents({"type": "SpaceReleased"}) == 1
    assert api.get("/api/v1/spaces/키움터/bookings?date=2026-05-09").get_json()["bookings"] == []
    assert schedule(api, group_id).status_code == 201  # the slot is free again
    again = api.post(f"/api/v1/sessions/{session['id']}/cancel")
    assert again.status_code == 200 and again.get_json()["version"] == 2  # no second event
    attendance = api.post(f"/api/v1/sessions/{session['id']}/attendance", json={"guardians": [], "children": []})
    assert attendance.status_code == 409


def test_attendance_holds_the_session_once_with_derived_counts(api, registry, activity):
    group_id, members = registry.approved_group(members=3)
    (m1, kids1), (m2, kids2), _ = members.items()
    session = schedule(api, group_id, kind="special").get_json()
    body = {"guardians": [m1, m2], "children": [kids1[0], kids1[1], kids2[0]], "notes": "모두 즐거워함"}
    response = api.post(f"/api/v1/sessions/{session['id']}/attendance", json=body)
    assert response.status_code == 200, response.get_json()
    held = response.get_json()
    assert held["status"] == "held" and held["parents"] == 2 and held["children"] == 3 and held["version"] == 2
    assert held["guardian_ids"] == [m1, m2] and held["notes"] == "모두 즐거워함"
    event = activity.db["events"].find_one({"type": "SessionHeld"})["envelope"]
    assert event["data"] == {
        "session_id": session["id"],
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "10:00",
        "end": "12:00",
        "kind": "special",
        "venue": "키움터",
        "guardian_ids": [m1, m2],
        "child_ids": body["children"],
        "parents": 2,
        "children": 3,
        "notes": "모두 즐거워함",
    }
    again = api.post(f"/api/v1/sessions/{session['id']}/attendance", json=body)
    assert again.status_code == 409 and again.mimetype == PROBLEM
    cancel = api.post(f"/api/v1/sessions/{session['id']}/cancel")
    assert cancel.status_code == 409
    assert activity.db["events"].count_documents({"subject": session["id"]}) == 2
    # a held session keeps its space
    assert schedule(api, group_id, start="11:00", end="12:30").status_code == 409


def test_counts_cannot_be_typed_in(api, registry):
    group_id, members = registry.approved_group()
    session = schedule(api, group_id).get_json()
    response = api.post(
        f"/api/v1/sessions/{session['id']}/attendance", json={"guardians": list(members), "children": [], "parents": 10}
    )
    assert response.status_code == 422 and "parents" in response.get_json()["errors"]


@pytest.mark.parametrize("case", ["stranger", "duplicate_guardian", "duplicate_child", "foreign_child", "left"])
def test_attendance_lists_only_current_members_and_their_children_once(api, registry, stored, case):
    group_id, members = registry.approved_group()
    other_group, other_members = registry.approved_group()
    (m1, kids1), (m2, _) = members.items()
    body = {"guardians": [m1], "children": [kids1[0]]}
    field = "guardians"
    if case == "stranger":
        body["guardians"].append(next(iter(other_members)))
    elif case == "duplicate_guardian":
        body["guardians"].append(m1)
    elif case == "duplicate_child":
        body["children"].append(kids1[0])
        field = "children"
    elif case == "foreign_child":
        body["children"].append(next(iter(other_members.values()))[0])
        field = "children"
    else:
        registry.leave(group_id, m1)
    session = schedule(api, group_id).get_json()
    before = stored()
    response = api.post(f"/api/v1/sessions/{session['id']}/attendance", json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.get_json()["errors"]
    assert stored() == before
    assert api.get(f"/api/v1/sessions/{session['id']}").get_json()["status"] == "scheduled"


@pytest.mark.parametrize("who", ["guardians", "children"])
def test_people_activity_has_not_heard_of_yet_get_409_with_retry_after(api, registry, stored, who):
    group_id, members = registry.approved_group()
    ((m1, kids1),) = list(members.items())[:1]
    body = {"guardians": [m1], "children": [kids1[0]]}
    body[who].append("f" * 32)  # a join registration has accepted but activity has not consumed yet
    session = schedule(api, group_id).get_json()
    before = stored()
    response = api.post(f"/api/v1/sessions/{session['id']}/attendance", json=body)
    assert response.status_code == 409 and response.mimetype == PROBLEM and response.headers["Retry-After"]
    assert stored() == before


def test_unknown_session_is_404(api):
    assert api.post("/api/v1/sessions/nope/attendance", json={"guardians": [], "children": []}).status_code == 404
    assert api.post("/api/v1/sessions/nope/cancel").status_code == 404
    assert api.get("/api/v1/sessions/nope").status_code == 404


def test_stale_if_match_is_412(api, registry):
    group_id, _ = registry.approved_group()
    session = schedule(api, group_id).get_json()
    stale = api.post(f"/api/v1/sessions/{session['id']}/cancel", headers={"If-Match": '"2"'})
    assert stale.status_code == 412
    assert api.post(f"/api/v1/sessions/{session['id']}/cancel", headers={"If-Match": '"1"'}).status_code == 200


def test_idempotency_key_replays_the_first_answer(api, registry, activity):
    group_id, _ = registry.approved_group()
    first = api.post("/api/v1/sessions", json=slot(group_id), headers={"Idempotency-Key": "k-1"})
    second = api.post("/api/v1/sessions", json=slot(group_id), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert activity.db["events"].count_documents({"type": "SessionScheduled"}) == 1


def test_list_sessions_by_group_and_year(api, registry):
    group_id, _ = registry.approved_group()
    other, _ = registry.approved_group()
    late = schedule(api, group_id, date="2026-06-01").get_json()
    early = schedule(api, group_id, date="2026-04-01").get_json()
    schedule(api, group_id, date="2027-01-05")
    schedule(api, other, venue="자람터")
    listed = api.get(f"/api/v1/sessions?group_id={group_id}&year=2026").get_json()["sessions"]
    assert [s["id"] for s in listed] == [early["id"], late["id"]]
    assert len(api.get(f"/api/v1/sessions?group_id={group_id}").get_json()["sessions"]) == 3
    assert api.get("/api/v1/sessions?year=abc").status_code == 422


def test_spaces_and_bookings(api):
    spaces = api.get("/api/v1/spaces").get_json()["spaces"]
    assert [s["name"] for s in spaces] == ["키움터", "자람터", "공동육아방"]
    assert all(s["capacity"] > 0 and s["opens"] == "09:00" and s["closes"] == "18:00" for s in spaces)
    assert api.get("/api/v1/spaces/놀이터/bookings?date=2026-05-09").status_code == 404
    missing_date = api.get("/api/v1/spaces/자람터/bookings")
    assert missing_date.status_code == 422 and "date" in missing_date.get_json()["errors"]
    empty = api.get("/api/v1/spaces/자람터/bookings?date=2026-05-09").get_json()
    assert empty["bookings"] == [] and empty["version"] == 0


def test_opening_hours_are_configurable(settings, registry):
    from services.activity.app import create_app
    from tests.conftest import STAFF

    app = create_app(settings.override(extra={"activity_spaces": {"키움터": {"opens": "07:00", "closes": "21:00"}}}))
    client = app.test_client()
    group_id, _ = registry.approved_group()
    response = client.post("/api/v1/sessions", json=slot(group_id, start="19:00", end="20:30"), headers=STAFF)
    assert response.status_code == 201, response.get_json()
    spaces = {s["name"]: s for s in client.get("/api/v1/spaces", headers=STAFF).get_json()["spaces"]}
    assert spaces["키움터"]["closes"] == "21:00" and spaces["자람터"]["closes"] == "18:00"


def test_weekly_series_books_free_dates_and_reports_conflicts(api, registry, activity):
    group_id, _ = registry.approved_group()
    other, _ = registry.approved_group()
    taken = schedule(api, other, date="2026-05-16", start="11:00", end="13:00")
    assert taken.status_code == 201
    body = {**slot(group_id), "first_date": "2026-05-09", "frequency": "weekly", "count": 4}
    del body["date"]
    response = api.post("/api/v1/sessions/series", json=body)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert [s["date"] for s in result["booked"]] == ["2026-05-09", "2026-05-23", "2026-05-30"]
    assert [c["date"] for c in result["conflicts"]] == ["2026-05-16"]
    assert all(s["series_id"] == result["series_id"] and s["version"] == 1 for s in result["booked"])
    assert len({s["id"] for s in result["booked"]}) == 3
    events = list(activity.db["events"].find({"type": "SessionScheduled", "envelope.data.group_id": group_id}))
    assert {e["envelope"]["data"]["series_id"] for e in events} == {result["series_id"]} and len(events) == 3
    # all dates taken now: nothing to book → 409 naming each date
    again = api.post("/api/v1/sessions/series", json={**body, "count": 3})
    assert again.status_code == 409 and set(again.get_json()["errors"]) == {"2026-05-09", "2026-05-16", "2026-05-23"}


def test_monthly_series_until(api, registry):
    group_id, _ = registry.approved_group()
    body = {
        **slot(group_id, venue="external"),
        "first_date": "2026-01-31",
        "frequency": "monthly",
        "until": "2026-05-31",
    }
    del body["date"]
    result = api.post("/api/v1/sessions/series", json=body).get_json()
    assert [s["date"] for s in result["booked"]] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]
    assert result["conflicts"] == []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"count": 3, "until": "2026-06-01"}, "count"),
        ({}, "count"),
        ({"count": 61}, "count"),
        ({"count": 2, "frequency": "daily"}, "frequency"),
        ({"count": 2, "interval": 0}, "interval"),
        ({"until": "2026-04-01"}, "until"),
        ({"count": 2, "end": "09:00"}, "end"),
    ],
)
def test_series_bad_input(api, registry, stored, changes, field):
    group_id, _ = registry.approved_group()
    body = {**slot(group_id), "first_date": "2026-05-09", "frequency": "weekly", **changes}
    del body["date"]
    before = stored()
    response = api.post("/api/v1/sessions/series", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert stored() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"guardians": "m1", "children": []}, "guardians"),
        ({"guardians": [1], "children": []}, "guardians.0"),
        ({"guardians": []}, "children"),
        ({"guardians": [], "children": [], "notes": "x" * 2001}, "notes"),
        ({"guardians": [], "children": [], "status": "held"}, "status"),
    ],
)
def test_attendance_bad_input(api, registry, stored, body, field):
    group_id, _ = registry.approved_group()
    session = schedule(api, group_id).get_json()
    before = stored()
    response = api.post(f"/api/v1/sessions/{session['id']}/attendance", json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    assert stored() == before


def test_cancel_bad_input(api, registry, stored):
    group_id, _ = registry.approved_group()
    session = schedule(api, group_id).get_json()
    before = stored()
    for body, field in (({"reason": "x" * 501}, "reason"), ({"reason": 5}, "reason"), ({"why": "비"}, "why")):
        response = api.post(f"/api/v1/sessions/{session['id']}/cancel", json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]
    assert stored() == before


def test_openapi_documents_every_endpoint(api, activity):
    spec = activity.client_app.get("/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/sessions",
        "/api/v1/sessions/series",
        "/api/v1/sessions/{session_id}/attendance",
        "/api/v1/sessions/{session_id}/cancel",
        "/api/v1/spaces/{space}/bookings",
        "/api/v1/groups/{group_id}/budget",
        "/api/v1/expenses",
        "/api/v1/expenses/{expense_id}/reject",
        "/api/v1/documents",
        "/api/v1/groups/{group_id}/documents/missing",
    ):
        assert path in paths, path
    upload = paths["/api/v1/documents"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"201", "409", "413", "415", "422"} <= set(upload["responses"])
    assert {"409", "412"} <= set(paths["/api/v1/sessions/{session_id}/cancel"]["post"]["responses"])
    amount = spec["components"]["schemas"]["ExpenseIn"]["properties"]["amount"]
    assert "KRW" in amount["description"]
