"""Groups through HTTP: forming, approving, closing, the rules on name and year, and the queries."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF, VIEWER

pytestmark = pytest.mark.integration

GROUP_EVENT_KEYS = {
    "GroupFormed": {"group_id", "name", "year", "theme", "description"},
    "GroupApproved": {"group_id", "year"},
    "GroupClosed": {"group_id", "year"},
}


def test_form_approve_close_lifecycle_with_events_per_the_catalogue(reg):
    group = reg.form(description="토요일 오전")
    assert group["status"] == "formed" and group["version"] == 1
    assert group["theme"] == "숲 놀이" and group["members"] == [] and group["member_count"] == 0
    approved = reg.post(f"/groups/{group['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["version"] == 2 and approved.headers["ETag"] == '"2"'
    closed = reg.post(f"/groups/{group['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"

    envelopes = reg.envelopes(group["id"])
    assert [e["type"] for e in envelopes] == ["GroupFormed", "GroupApproved", "GroupClosed"]
    assert [e["aggregateversion"] for e in envelopes] == [1, 2, 3]
    for envelope in envelopes:
        assert set(envelope["data"]) == GROUP_EVENT_KEYS[envelope["type"]]
        assert envelope["data"]["group_id"] == group["id"] and envelope["data"]["year"] == 2026
        assert envelope["source"] == "/registration" and envelope["dataversion"] == 1
        assert envelope["subject"] == group["id"] and envelope["actor"] == "staff:alice"
    assert envelopes[0]["data"] == {
        "group_id": group["id"],
        "name": "햇살 놀이 모임",
        "year": 2026,
        "theme": "숲 놀이",
        "description": "토요일 오전",
    }


def test_optional_theme_and_description_default_to_null(reg):
    group = reg.form(theme=None)
    assert group["theme"] is None and group["description"] is None
    assert reg.envelopes(group["id"])[0]["data"]["description"] is None


def test_approving_twice_is_harmless_and_emits_nothing(reg):
    group = reg.form()
    reg.post(f"/groups/{group['id']}/approve")
    again = reg.post(f"/groups/{group['id']}/approve")
    assert again.status_code == 200 and again.get_json()["status"] == "approved" and again.get_json()["version"] == 2
    assert len(reg.events(group["id"])) == 2


def test_closed_group_cannot_be_approved(reg):
    group = reg.form()
    reg.post(f"/groups/{group['id']}/close")
    before = reg.event_count()
    response = reg.post(f"/groups/{group['id']}/approve")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert reg.event_count() == before
    assert reg.get(f"/groups/{group['id']}").get_json()["status"] == "closed"


def test_closing_twice_emits_once(reg):
    group = reg.form()
    reg.post(f"/groups/{group['id']}/close")
    assert reg.post(f"/groups/{group['id']}/close").status_code == 200
    assert [e["type"] for e in reg.envelopes(group["id"])] == ["GroupFormed", "GroupClosed"]


@pytest.mark.parametrize("name", ["", "   ", "가" * 101])
def test_name_must_be_1_to_100_characters(reg, name):
    response = reg.client.post("/api/v1/groups", json={"name": name, "year": 2026}, headers=STAFF)
    assert response.status_code == 422 and "name" in response.get_json()["errors"]
    assert reg.event_count() == 0


@pytest.mark.parametrize("year", [2019, 2101])
def test_year_must_be_2020_to_2100(reg, year):
    response = reg.client.post("/api/v1/groups", json={"name": "햇살", "year": year}, headers=STAFF)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["year"]
    assert reg.event_count() == 0


def test_boundaries_of_name_and_year_are_accepted(reg):
    assert reg.form(name="가" * 100, year=2100)["name"] == "가" * 100
    assert reg.form(name="가", year=2020)["year"] == 2020


def test_unknown_group_is_404_everywhere(reg):
    for response in (
        reg.post("/groups/nope/approve"),
        reg.post("/groups/nope/close"),
        reg.get("/groups/nope"),
        reg.join("nope"),
        reg.delete("/groups/nope/members/m"),
        reg.get("/groups/nope/members/m"),
    ):
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 404
    assert reg.event_count() == 0


def test_list_by_year_with_counts_of_current_members_and_children(reg):
    sun = reg.form(name="햇살")
    moon = reg.form(name="달빛")
    reg.form(name="작년 모임", year=2025)
    first = reg.joined(sun["id"], children=[{"birth_date": "2023-01-01"}, {"birth_date": "2024-01-01"}])
    reg.joined(sun["id"], guardian_name="이보호")
    reg.joined(sun["id"], guardian_name="박보호", children=[{"birth_date": "2022-01-01"}] * 3)
    reg.delete(f"/groups/{sun['id']}/members/{first['id']}")

    response = reg.get("/groups?year=2026")
    assert response.status_code == 200
    groups = response.get_json()["groups"]
    assert [g["name"] for g in groups] == ["달빛", "햇살"]
    counts = {g["id"]: (g["member_count"], g["children_count"]) for g in groups}
    assert counts == {sun["id"]: (2, 4), moon["id"]: (0, 0)}
    assert all("members" not in g for g in groups)
    assert {g["year"] for g in reg.get("/groups").get_json()["groups"]} == {2025, 2026}
    assert reg.get("/groups?year=2030").get_json() == {"groups": []}


def test_group_detail_has_current_members_with_children(reg):
    group = reg.form()
    kim = reg.joined(group["id"], children=[{"name": "하늘", "birth_date": "2023-05-14"}, {"birth_date": "2025-02-01"}])
    lee = reg.joined(group["id"], guardian_name="이보호", phone=None)
    reg.delete(f"/groups/{group['id']}/members/{lee['id']}")

    detail = reg.get(f"/groups/{group['id']}").get_json()
    assert detail["version"] == 4 and detail["member_count"] == 1 and detail["children_count"] == 2
    assert detail["members"] == [
        {
            "id": kim["id"],
            "guardian_name": "김보호",
            "district": "용산구",
            "phone": "010-1234-5678",
            "joined_on": "2026-03-02",
            "left_on": None,
            "status": "current",
            "erased_on": None,
            "children": [
                {"id": kim["children"][0]["id"], "name": "하늘", "birth_date": "2023-05-14"},
                {"id": kim["children"][1]["id"], "name": None, "birth_date": "2025-02-01"},
            ],
            "consent": kim["consent"],
        }
    ]


def test_year_query_is_validated(reg):
    for query in ("year=abc", "year=1999", "colour=red"):
        response = reg.get(f"/groups?{query}")
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert set(response.get_json()["errors"]) & {"year", "colour"}


def test_tokens_are_required_and_viewers_may_not_write(reg):
    assert reg.client.get("/api/v1/groups").status_code == 401
    assert reg.client.post("/api/v1/groups", json={"name": "a", "year": 2026}, headers=VIEWER).status_code == 403
    assert reg.client.get("/api/v1/groups", headers=VIEWER).status_code == 403
    assert reg.event_count() == 0
