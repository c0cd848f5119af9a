"""Who read what: registration's reads of members record their reader (jajo/access.py), staff list them."""

from __future__ import annotations

import pytest

from jajo.access import AccessLog
from tests.conftest import PORTAL, STAFF, VIEWER, acting

pytestmark = pytest.mark.integration

VALUES = ("김보호", "010-1234-5678", "김하늘", "박보호", "010-2222-3333", "2023-05-14")
LIST = "/api/v1/access-records"


def records(settings) -> list[dict]:
    return list(AccessLog.of(settings).records.find().sort("_id", 1))


def assert_names_no_one(record) -> None:
    assert not any(value in str(record) for value in VALUES), record


@pytest.fixture
def group(reg):
    group = reg.form()
    first = reg.joined(group["id"])
    second = reg.joined(group["id"], guardian_name="박보호", phone="010-2222-3333")
    people = {
        member["id"]: [member["id"], *(child["id"] for child in member["children"])] for member in (first, second)
    }
    return group["id"], first["id"], second["id"], people


def test_reading_a_group_or_a_member_leaves_one_record_with_the_reader_and_the_ids(reg, settings, group):
    group_id, first, second, people = group
    assert records(settings) == []  # forming and joining read nobody's data back

    assert reg.get(f"/groups/{group_id}").status_code == 200
    [record] = records(settings)
    assert (record["actor"], record["actorvia"], record["method"]) == ("staff:alice", None, "GET")
    assert (record["route"], record["path"]) == ("/api/v1/groups/<group_id>", f"/api/v1/groups/{group_id}")
    assert record["subjects"] == sorted([group_id, *people[first], *people[second]])  # guardians and children
    assert_names_no_one(record)

    member = reg.client.get(f"/api/v1/groups/{group_id}/members/{first}", headers=acting("staff:mina"))
    assert member.status_code == 200 and member.get_json()["guardian_name"] == "김보호"
    latest = records(settings)[-1]
    assert (latest["actor"], latest["actorvia"]) == ("staff:mina", "portal:web")
    assert latest["route"] == "/api/v1/groups/<group_id>/members/<member_id>"
    assert latest["subjects"] == sorted([group_id, *people[first]])
    assert_names_no_one(latest)

    for unrecorded in ("/groups", "/groups/nobody", f"/groups/{group_id}/members/nobody"):
        reg.get(unrecorded)  # a list of counts, or nothing found: no personal data was shown
    assert len(records(settings)) == 2


def test_staff_list_the_records_by_subject_actor_and_time_a_page_at_a_time(reg, settings, group):
    group_id, first, second, people = group
    reg.get(f"/groups/{group_id}")
    reg.client.get(f"/api/v1/groups/{group_id}/members/{first}", headers=acting("staff:mina"))
    reg.get(f"/groups/{group_id}/members/{second}")

    def listed(query: str) -> dict:
        response = reg.client.get(f"{LIST}?{query}", headers=STAFF)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert [r["path"] for r in listed(f"subject={first}")["records"]] == [
        f"/api/v1/groups/{group_id}",
        f"/api/v1/groups/{group_id}/members/{first}",
    ]
    assert len(listed(f"subject={second}")["records"]) == 2
    assert len(listed(f"subject={group_id}")["records"]) == 3
    [by_mina] = listed("actor=staff:mina")["records"]
    assert by_mina["actorvia"] == "portal:web" and by_mina["subjects"] == sorted([group_id, *people[first]])
    assert len(listed(f"subject={people[second][1]}")["records"]) == 2  # a child's id finds the reads too
    assert listed("since=2999-01-01T00:00:00Z")["records"] == []
    assert listed("until=2000-01-01T00:00:00%2B09:00")["records"] == []
    assert len(listed("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z")["records"]) == 3

    page = listed("limit=2")
    assert len(page["records"]) == 2 and page["next_cursor"]
    rest = listed(f"limit=2&cursor={page['next_cursor']}")
    assert [r["path"] for r in rest["records"]] == [f"/api/v1/groups/{group_id}/members/{second}"]
    assert rest["next_cursor"] is None
    assert_names_no_one(page)
    assert len(records(settings)) == 3  # listing the records is no read of personal data


@pytest.mark.parametrize(
    "headers",
    [VIEWER, PORTAL, acting("viewer:vera"), acting("guardian:someone")],
    ids=["viewer", "portal-for-nobody", "viewer-via-portal", "guardian"],
)
def test_only_staff_may_list_the_records(reg, headers):
    response = reg.client.get(LIST, headers=headers)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=abc", "cursor"),
        ("since=noon", "since"),
        ("until=2026-01-01T00:00:00", "until"),
        ("subject=", "subject"),
        ("actor=kim", "actor"),
        ("unknown=1", "unknown"),
    ],
)
def test_bad_parameters_are_problems_naming_the_field(reg, query, field):
    response = reg.client.get(f"{LIST}?{query}", headers=STAFF)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_the_listing_is_documented_like_the_others(reg):
    spec = reg.client.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/access-records"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"subject", "actor", "since", "until", "limit", "cursor"}
    assert {"200", "403", "422"} <= set(operation["responses"])
