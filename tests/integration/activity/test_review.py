"""Document review: staff accept or return what a group submitted; a returned document is owed again."""

from __future__ import annotations

import pytest

from jajo.access import AccessLog
from tests.conftest import acting
from tests.integration.activity.test_documents_api import PDF, PNG, upload

pytestmark = pytest.mark.integration


def owed(api, group_id) -> list[str]:
    return [m["kind"] for m in api.get(f"/api/v1/groups/{group_id}/documents/missing?year=2026").get_json()["missing"]]


def test_return_resubmit_accept(api, registry, activity, stored):
    group_id, members = registry.approved_group()
    guardian = acting(f"guardian:{next(iter(members))}")
    plan = upload(api, group_id, PDF, kind="activity_plan", filename="계획서.pdf", headers=guardian).get_json()
    assert plan["review"] == {"status": "submitted", "reason": None} and owed(api, group_id) == []

    assert (
        api.post(f"/api/v1/documents/{plan['id']}/return", json={"reason": "서명 누락"}, headers=guardian).status_code
        == 403
    )
    before = stored()
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}):
        refused = api.post(f"/api/v1/documents/{plan['id']}/return", json=body)
        assert refused.status_code == 422 and "reason" in refused.get_json()["errors"], body
    assert stored() == before

    returned = api.post(
        f"/api/v1/documents/{plan['id']}/return", json={"reason": "서명 누락"}, headers={"Idempotency-Key": "r1"}
    )
    assert returned.status_code == 200 and returned.get_json()["review"] == {
        "status": "returned",
        "reason": "서명 누락",
    }
    again = api.post(
        f"/api/v1/documents/{plan['id']}/return", json={"reason": "서명 누락"}, headers={"Idempotency-Key": "r1"}
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert api.get(f"/api/v1/documents/{plan['id']}", headers=guardian).get_json()["review"]["status"] == "returned"
    assert owed(api, group_id) == ["activity_plan"]
    for verb, body in (("accept", None), ("return", {"reason": "또"})):
        conflict = api.post(f"/api/v1/documents/{plan['id']}/{verb}", json=body)
        assert conflict.status_code == 409 and conflict.mimetype == "application/problem+json"

    second = upload(api, group_id, PNG, kind="activity_plan", filename="계획서.png", headers=guardian).get_json()
    assert owed(api, group_id) == []
    accepted = api.post(f"/api/v1/documents/{second['id']}/accept", headers=acting("staff:mina"))
    assert accepted.status_code == 200 and accepted.get_json()["review"] == {"status": "accepted", "reason": None}
    assert api.post(f"/api/v1/documents/{second['id']}/return", json={"reason": "늦게"}).status_code == 409
    assert api.post("/api/v1/documents/nothing/accept").status_code == 404
    types = [
        e["envelope"]["type"] for e in activity.db["events"].find({"subject": {"$in": [plan["id"], second["id"]]}})
    ]
    assert sorted(types) == ["DocumentAccepted", "DocumentReturned", "DocumentSubmitted", "DocumentSubmitted"]
    event = activity.db["events"].find_one({"type": "DocumentAccepted"})["envelope"]
    assert (event["actor"], event["actorvia"]) == ("staff:mina", "portal:web")


def test_content_is_served_for_preview_with_its_detected_type(api, registry):
    group_id, _ = registry.approved_group()
    doc = upload(api, group_id, PDF, kind="activity_plan", filename="계획서.pdf", declared="image/png").get_json()
    preview = api.get(doc["content_url"])
    assert preview.status_code == 200 and preview.mimetype == "application/pdf" and preview.data == PDF
    assert preview.headers["Content-Disposition"].startswith("inline")
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get(doc["content_url"] + "?download=true").headers["Content-Disposition"].startswith("attachment")


def test_every_preview_and_download_of_a_content_leaves_an_access_record(api, registry, settings):
    group_id, members = registry.approved_group()
    guardian = next(iter(members))
    doc = upload(api, group_id, PDF, kind="activity_plan", filename="김하늘-계획서.pdf").get_json()
    access = AccessLog.of(settings).records
    assert access.count_documents({}) == 0  # uploading and the document's metadata are not its content
    api.get(f"/api/v1/documents/{doc['id']}")
    assert access.count_documents({}) == 0

    assert api.get(doc["content_url"], headers=acting(f"guardian:{guardian}")).status_code == 200
    assert api.get(doc["content_url"] + "?download=true").status_code == 200
    assert api.get("/api/v1/documents/nothing/content").status_code == 404
    preview, download = access.find().sort("_id", 1)
    assert (preview["actor"], preview["actorvia"]) == (f"guardian:{guardian}", "portal:web")
    assert (download["actor"], download["actorvia"]) == ("staff:alice", None)
    for record in (preview, download):
        assert record["route"] == "/api/v1/documents/<document_id>/content"
        assert record["path"] == f"/api/v1/documents/{doc['id']}/content"  # no query string
        assert record["subjects"] == sorted([doc["id"], group_id])
        assert "김하늘" not in str(record) and "계획서" not in str(record)
