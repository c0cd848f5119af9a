"""Online sessions (온라인 간담회): meeting links, connection reports, and the annual report's online block
through the real relay → Kafka → projector path."""

from __future__ import annotations

import pytest

from services.reporting.app import create_app as reporting_app
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from tests.conftest import STAFF, acting
from tests.waiting import eventually

pytestmark = pytest.mark.integration
MEET = "https://meet.example.kr/jajo-0509"


def online(group_id: str, **changes) -> dict:
    return {
        "group_id": group_id,
        "date": "2026-05-09",
        "start": "20:00",
        "end": "21:00",
        "kind": "online",
        "venue": "online",
        "meeting_url": MEET,
        "dial_in": "02-123-4567",
        **changes,
    }


def test_meeting_links_are_for_online_sessions_only(api, registry, stored):
    group_id, _ = registry.approved_group()
    before = stored()
    for body, field in (
        (online(group_id, meeting_url="http://meet.example.kr/x"), "meeting_url"),
        (online(group_id, meeting_url="javascript:alert(1)"), "meeting_url"),
        (online(group_id, kind="regular", venue="external"), "meeting_url"),
        (online(group_id, kind="regular", venue="external", meeting_url=None), "dial_in"),
    ):
        refused = api.post("/api/v1/sessions", json=body)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], (body, refused.get_json())
    series = {
        "group_id": group_id,
        "first_date": "2026-05-01",
        "frequency": "weekly",
        "count": 2,
        "start": "10:00",
        "end": "11:00",
        "kind": "regular",
        "venue": "external",
        "meeting_url": MEET,
    }
    assert api.post("/api/v1/sessions/series", json=series).status_code == 422
    assert stored() == before
    session = api.post("/api/v1/sessions", json=online(group_id)).get_json()
    assert (session["meeting_url"], session["dial_in"]) == (MEET, "02-123-4567")
    booked = api.post("/api/v1/sessions/series", json={**series, "kind": "online", "venue": "online"}).get_json()
    assert [s["meeting_url"] for s in booked["booked"]] == [MEET, MEET]


def test_connection_reports_reach_the_annual_report(api, registry, activity, settings, background):
    group_id, members = registry.approved_group(members=3)
    other_group, others = registry.approved_group()
    first, second, third = members
    session = api.post("/api/v1/sessions", json=online(group_id)).get_json()["id"]
    url = f"/api/v1/sessions/{session}/connection"
    assert api.post(url, json={"status": "ok"}, headers=acting(f"guardian:{first}")).status_code == 409  # not held
    held = api.post(f"/api/v1/sessions/{session}/attendance", json={"guardians": [first, second], "children": []})
    assert held.status_code == 200

    me = acting(f"guardian:{first}")
    assert api.post(url, json={"status": "dropped", "note": "10분 뒤 끊김"}, headers=me).status_code == 200
    replaced = api.post(url, json={"status": "ok"}, headers={**me, "Idempotency-Key": "c1"})
    assert replaced.status_code == 200 and replaced.get_json()["report_no"] == 2
    assert api.post(url, json={"status": "ok"}, headers={**me, "Idempotency-Key": "c1"}).headers["Idempotent-Replayed"]
    assert api.post(url, json={"status": "audio"}, headers=acting(f"guardian:{second}")).status_code == 200
    recorded = api.post(url, json={"status": "could_not_join", "member_id": third}, headers=acting("staff:mina"))
    assert recorded.status_code == 200 and recorded.get_json()["member_id"] == third

    events = activity.db["events"].count_documents({})
    refused = [
        (api.post(url, json={"status": "ok"}, headers=acting(f"guardian:{next(iter(others))}")), 403),
        (api.post(url, json={"status": "ok", "member_id": second}, headers=me), 403),
        (api.post(url, json={"status": "fine"}, headers=me), 422),
        (api.post(url, json={"status": "ok"}, headers=STAFF), 422),  # staff say for whom
        (api.post(url, json={"status": "ok", "member_id": next(iter(others))}, headers=STAFF), 422),
        (api.post("/api/v1/sessions/nothing/connection", json={"status": "ok", "member_id": first}), 404),
    ]
    assert [r.status_code for r, _ in refused] == [status for _, status in refused]
    assert activity.db["events"].count_documents({}) == events
    view = api.get(f"/api/v1/sessions/{session}", headers=me).get_json()
    assert {c["member_id"]: c["status"] for c in view["connections"]} == {
        first: "ok",
        second: "audio",
        third: "could_not_join",
    }

    reporting = bootstrap_reporting(settings).ensure_indexes()
    background(activity.relay(), reporting.consumer())
    http = reporting_app(settings).test_client()
    expected = {
        "sessions_held": 1,
        "reports": 3,
        "problem_rate": 0.6667,
        "by_status": {"ok": 1, "audio": 1, "video": 0, "dropped": 0, "could_not_join": 1},
    }
    eventually(
        lambda: http.get("/api/v1/reports/annual/2026", headers=STAFF).get_json()["online"] == expected,
        what="the online block of the annual report",
    )
    audit = http.get(f"/api/v1/audit/events?subject={session}&type=ConnectionReported", headers=STAFF).get_json()
    assert [(e["actor"], e.get("actorvia")) for e in audit["events"]][-1] == ("staff:mina", "portal:web")
    assert "온라인 접속 문제율,,0.6667" in http.get("/api/v1/reports/annual/2026.csv", headers=STAFF).get_data(
        as_text=True
    )
