"""The portal token acting for a signed-in person (X-Jajo-Actor): who may send it, and what the events record."""

from __future__ import annotations

import pytest

from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting.app import create_app as reporting_app
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from jajo.consent import consent_block
from tests.conftest import PORTAL, STAFF, VIEWER, acting
from tests.waiting import eventually

pytestmark = pytest.mark.integration
GROUP = {"name": "햇살 놀이 모임", "year": 2026}


def member(children: int) -> dict:
    return {
        "guardian_name": "김하늘",
        "district": "용산구",
        "phone": "010-1234-5678",
        "children": [{"birth_date": "2023-04-01"} for _ in range(children)],
        "consent": consent_block(children),
    }


@pytest.fixture
def registration(settings):
    return registration_app(settings).test_client()


def test_who_approved_is_the_person_the_portal_acted_for_in_the_audit(settings, registration, background):
    formed = registration.post("/api/v1/groups", json=GROUP, headers=acting("staff:mina"))
    assert formed.status_code == 201, formed.get_json()
    group_id = formed.get_json()["id"]
    approved = registration.post(f"/api/v1/groups/{group_id}/approve", headers=acting("staff:jun"))
    assert approved.status_code == 200, approved.get_json()
    background(
        bootstrap_registration(settings).ensure_indexes().relay(),
        bootstrap_reporting(settings).ensure_indexes().consumer(),
    )

    reporting = reporting_app(settings).test_client()
    url = f"/api/v1/audit/subjects/{group_id}"
    history = eventually(
        lambda: (h := reporting.get(url, headers=STAFF).get_json()["events"]) and len(h) == 2 and h,
        what="both events in the audit",
    )
    assert [(e["type"], e["actor"], e["actorvia"]) for e in history] == [
        ("GroupFormed", "staff:mina", "portal:web"),
        ("GroupApproved", "staff:jun", "portal:web"),
    ]
    by_type = reporting.get(
        f"/api/v1/audit/events?subject={group_id}&type=GroupApproved", headers=acting("viewer:auditor")
    ).get_json()["events"]
    assert [e["actor"] for e in by_type] == ["staff:jun"]  # a viewer signed in to the portal reads the audit


@pytest.mark.parametrize(
    "headers, status",
    [
        ({**STAFF, "X-Jajo-Actor": "staff:mina"}, 403),  # only a portal token may name a person
        ({**VIEWER, "X-Jajo-Actor": "staff:mina"}, 403),
        (acting("admin:mina"), 400),
        (acting("staff:"), 400),
        (acting("guardian:a/b"), 400),
        (acting("staff:" + "m" * 65), 400),
        (acting("staff:미나"), 400),
        (PORTAL, 403),  # a portal acting for nobody does not write
        (acting("viewer:auditor"), 403),  # a viewer does not write
        (acting("guardian:m1"), 403),  # registration has nothing for guardians
        (acting("invite:g1/3f2a9c0b1d2e4f50"), 403),  # an invite link only joins its group
    ],
)
def test_refused_actors_store_and_emit_nothing(registration, headers, status):
    database = registration.application.extensions["jajo"].database()
    response = registration.post("/api/v1/groups", json=GROUP, headers=headers)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json" and response.get_json()["status"] == status
    if status == 400 or headers is not PORTAL and "Bearer staff" in headers["Authorization"]:
        assert "X-Jajo-Actor" in response.get_json()["errors"]
    assert database["events"].count_documents({}) == 0 and database["outbox"].count_documents({}) == 0


def test_a_portal_acting_for_nobody_may_read(registration):
    assert registration.get("/api/v1/groups", headers=PORTAL).status_code == 200
    assert registration.get("/api/v1/groups", headers=acting("guardian:m1")).status_code == 403


def test_an_invite_link_joins_its_own_group_only_and_is_the_recorded_actor(settings, registration, background):
    """The portal names a person who opened an invite link `invite:<group_id>/<link>`: registration lets that
    actor join the group of the link and nothing else, and the join records the link, not the staff member
    who made it."""
    groups = []
    for _ in range(2):
        group_id = registration.post("/api/v1/groups", json=GROUP, headers=STAFF).get_json()["id"]
        assert registration.post(f"/api/v1/groups/{group_id}/approve", headers=STAFF).status_code == 200
        groups.append(group_id)
    own, other = groups
    invite = acting(f"invite:{own}/3f2a9c0b1d2e4f50")
    database = registration.application.extensions["jajo"].database()
    before = database["events"].count_documents({})
    for path in (f"/api/v1/groups/{other}/members", f"/api/v1/groups/{own}/approve", "/api/v1/groups"):
        refused = registration.post(path, json=member(1), headers=invite)
        assert refused.status_code == 403, (path, refused.get_json())
    assert registration.get(f"/api/v1/groups/{own}", headers=invite).status_code == 403  # reads go as the portal
    assert database["events"].count_documents({}) == before

    joined = registration.post(f"/api/v1/groups/{own}/members", json=member(1), headers=invite)
    assert joined.status_code == 201, joined.get_json()
    event = database["events"].find_one({"type": "MemberJoined"})["envelope"]
    assert (event["actor"], event["actorvia"]) == (f"invite:{own}/3f2a9c0b1d2e4f50", "portal:web")
