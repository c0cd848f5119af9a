"""Guardians (members signed in to the portal) in activity: their own group only, enforced by activity itself."""

from __future__ import annotations

import pytest

from tests.conftest import acting
from tests.integration.activity.test_documents_api import JPEG, upload

pytestmark = pytest.mark.integration


def session_body(group_id: str, day: str = "2026-05-09", **changes) -> dict:
    return {
        "group_id": group_id,
        "date": day,
        "start": "10:00",
        "end": "12:00",
        "kind": "regular",
        "venue": "external",
        **changes,
    }


@pytest.fixture
def two_groups(api, registry):
    a, members_a = registry.approved_group()
    b, _ = registry.approved_group()
    sessions = {g: api.post("/api/v1/sessions", json=session_body(g)).get_json()["id"] for g in (a, b)}
    return a, b, next(iter(members_a)), sessions


def test_a_guardian_reads_and_uploads_for_its_own_group_only(api, two_groups, stored):
    a, b, member, sessions = two_groups
    me = acting(f"guardian:{member}")
    assert [s["id"] for s in api.get(f"/api/v1/sessions?group_id={a}", headers=me).get_json()["sessions"]] == [
        sessions[a]
    ]
    assert api.get(f"/api/v1/sessions/{sessions[a]}", headers=me).status_code == 200
    assert api.get(f"/api/v1/groups/{a}/documents/missing?year=2026", headers=me).status_code == 200
    uploaded = upload(api, a, JPEG, kind="activity_plan", headers=me)
    assert uploaded.status_code == 201, uploaded.get_json()
    doc = uploaded.get_json()
    assert api.get(f"/api/v1/documents/{doc['id']}", headers=me).status_code == 200
    assert api.get(doc["content_url"], headers=me).status_code == 200
    assert api.get(f"/api/v1/groups/{a}/documents", headers=me).status_code == 200
    assert api.get("/api/v1/documents/no-such-document", headers=me).status_code == 404

    before = stored()
    forbidden = [
        api.get(f"/api/v1/sessions?group_id={b}", headers=me),
        api.get("/api/v1/sessions", headers=me),
        api.get(f"/api/v1/sessions/{sessions[b]}", headers=me),
        api.get(f"/api/v1/groups/{b}/documents/missing", headers=me),
        api.get(f"/api/v1/groups/{b}/documents", headers=me),
        upload(api, b, JPEG, kind="activity_plan", headers=me),
        api.post("/api/v1/sessions", json=session_body(a), headers=me),
        api.post(f"/api/v1/sessions/{sessions[a]}/cancel", json={}, headers=me),
        api.post(f"/api/v1/groups/{a}/budget", json={"year": 2026, "amount": 1000}, headers=me),
        api.get(f"/api/v1/groups/{a}/budget", headers=me),
        api.get("/api/v1/spaces", headers=me),
    ]
    assert [r.status_code for r in forbidden] == [403] * len(forbidden)
    assert all(r.mimetype == "application/problem+json" for r in forbidden)
    assert stored() == before


def test_a_member_who_left_is_no_guardian(api, registry, two_groups):
    a, _, member, sessions = two_groups
    assert api.get(f"/api/v1/sessions/{sessions[a]}", headers=acting(f"guardian:{member}")).status_code == 200
    registry.leave(a, member)
    assert api.get(f"/api/v1/sessions/{sessions[a]}", headers=acting(f"guardian:{member}")).status_code == 403
    assert api.get(f"/api/v1/sessions?group_id={a}", headers=acting(f"guardian:{member}")).status_code == 403


def test_a_member_activity_has_not_heard_of_yet_is_asked_to_retry(api, two_groups):
    a, _, _, _ = two_groups
    response = api.get(f"/api/v1/sessions?group_id={a}", headers=acting("guardian:notheardofyet"))
    assert response.status_code == 409 and response.headers["Retry-After"] == "1"
