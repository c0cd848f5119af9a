"""The claims queue: expense claims by group, year and status, a page at a time."""

from __future__ import annotations

import pytest

from tests.conftest import VIEWER, acting
from tests.integration.activity.test_documents_api import JPEG, upload

pytestmark = pytest.mark.integration


def test_claims_queue_pages_with_document_ids(api, registry):
    group_id, members = registry.approved_group()
    other, _ = registry.approved_group()
    for g in (group_id, other):
        assert api.post(f"/api/v1/groups/{g}/budget", json={"year": 2026, "amount": 1_000_000}).status_code == 201
    receipt = upload(api, group_id, JPEG).get_json()["id"]
    claims = [
        api.post(
            "/api/v1/expenses",
            json={"group_id": g, "date": f"2026-05-0{d}", "amount": 10_000, "category": "간식비", "document_ids": docs},
        ).get_json()["id"]
        for g, d, docs in ((group_id, 3, [receipt]), (group_id, 1, []), (other, 2, []), (group_id, 4, []))
    ]
    assert api.post(f"/api/v1/expenses/{claims[3]}/approve").status_code == 200

    queue = api.get("/api/v1/expenses?status=claimed&year=2026").get_json()
    assert [e["id"] for e in queue["expenses"]] == [claims[1], claims[2], claims[0]] and queue["next_cursor"] is None
    assert queue["expenses"][2]["document_ids"] == [receipt] and queue["expenses"][2]["status"] == "claimed"
    first = api.get(f"/api/v1/expenses?group_id={group_id}&limit=2").get_json()
    assert [e["id"] for e in first["expenses"]] == [claims[1], claims[0]] and first["next_cursor"]
    rest = api.get(f"/api/v1/expenses?group_id={group_id}&limit=2&cursor={first['next_cursor']}").get_json()
    assert [e["id"] for e in rest["expenses"]] == [claims[3]] and rest["next_cursor"] is None
    assert [e["id"] for e in api.get("/api/v1/expenses?status=approved").get_json()["expenses"]] == [claims[3]]

    for query in ("", "?limit=5", "?status=paid&year=2026", "?year=2026&limit=501", "?year=1999"):
        refused = api.get(f"/api/v1/expenses{query}")
        assert refused.status_code == 422 and refused.get_json()["errors"], query
    assert api.get("/api/v1/expenses?year=2026", headers=VIEWER).status_code == 403
    assert api.get("/api/v1/expenses?year=2026", headers=acting(f"guardian:{next(iter(members))}")).status_code == 403
    assert api.get("/api/v1/expenses?year=2026", headers=acting("staff:mina")).status_code == 200
