"""Budgets and expense claims over HTTP against real MongoDB."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def allocate(api, group_id, amount=500_000, year=2026):
    return api.post(f"/api/v1/groups/{group_id}/budget", json={"year": year, "amount": amount})


def claim(api, group_id, amount=100_000, **changes):
    body = {"group_id": group_id, "date": "2026-05-09", "amount": amount, "category": "재료비", **changes}
    return api.post("/api/v1/expenses", json=body)


def test_allocations_raise_the_budget(api, registry, activity):
    group_id, _ = registry.approved_group()
    first = allocate(api, group_id, 300_000)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["id"] == f"budget:{group_id}:2026" and first.get_json()["version"] == 1
    second = allocate(api, group_id, 200_000).get_json()
    assert second["allocated"] == 500_000 and second["remaining"] == 500_000 and second["version"] == 2
    events = [e["envelope"] for e in activity.db["events"].find({"type": "BudgetAllocated"})]
    assert sorted((e["data"]["amount"], e["data"]["total"]) for e in events) == [(200_000, 500_000), (300_000, 300_000)]
    assert all(e["subject"] == f"budget:{group_id}:2026" and e["data"]["group_id"] == group_id for e in events)
    budget = api.get(f"/api/v1/groups/{group_id}/budget?year=2026").get_json()
    assert budget["allocated"] == 500_000 and budget["expenses"] == []
    assert api.get(f"/api/v1/groups/{group_id}/budget").get_json()["allocated"] == 500_000


def test_budget_rules(api, registry, stored):
    group_id, _ = registry.approved_group()
    before = stored()
    assert allocate(api, "unknown-group").status_code == 409
    assert allocate(api, "unknown-group").headers["Retry-After"] == "1"
    wrong_year = allocate(api, group_id, year=2025)
    assert wrong_year.status_code == 422 and "year" in wrong_year.get_json()["errors"]
    for amount in (0, -5, 1.5, "1000", True, None):
        response = allocate(api, group_id, amount)
        assert response.status_code == 422 and "amount" in response.get_json()["errors"], amount
    registry.close(group_id)
    assert allocate(api, group_id).status_code == 409
    assert stored() == before
    assert api.get(f"/api/v1/groups/{group_id}/budget?year=2026").status_code == 404


def test_claims_up_to_the_remaining_budget(api, registry, activity, stored):
    group_id, _ = registry.approved_group()
    allocate(api, group_id, 300_000)
    response = claim(api, group_id, 200_000, description="색종이, 풀")
    assert response.status_code == 201, response.get_json()
    expense = response.get_json()
    assert (
        expense["status"] == "claimed" and expense["version"] == 2 and expense["budget_id"] == f"budget:{group_id}:2026"
    )
    assert api.get(f"/api/v1/expenses/{expense['id']}").get_json() == expense
    event = activity.db["events"].find_one({"type": "ExpenseClaimed"})["envelope"]
    assert event["data"] == {
        "expense_id": expense["id"],
        "group_id": group_id,
        "year": 2026,
        "session_id": None,
        "date": "2026-05-09",
        "amount": 200_000,
        "category": "재료비",
        "description": "색종이, 풀",
        "document_ids": [],
    }
    before = stored()
    over = claim(api, group_id, 100_001)
    assert over.status_code == 422 and over.mimetype == PROBLEM and "amount" in over.get_json()["errors"]
    assert stored() == before
    assert claim(api, group_id, 100_000).status_code == 201  # exactly the rest
    no_budget = claim(api, group_id, 1_000, date="2027-01-10")
    assert no_budget.status_code == 422


def test_approve_and_reject(api, registry, activity):
    group_id, _ = registry.approved_group()
    allocate(api, group_id, 300_000)
    first = claim(api, group_id, 200_000).get_json()
    second = claim(api, group_id, 100_000).get_json()
    approved = api.post(f"/api/v1/expenses/{first['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert api.post(f"/api/v1/expenses/{first['id']}/approve").get_json()["version"] == approved.get_json()["version"]
    missing_reason = api.post(f"/api/v1/expenses/{second['id']}/reject", json={})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.get_json()["errors"]
    rejected = api.post(f"/api/v1/expenses/{second['id']}/reject", json={"reason": "영수증 불일치"})
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reason"] == "영수증 불일치"
    assert api.post(f"/api/v1/expenses/{second['id']}/approve").status_code == 409
    assert api.post(f"/api/v1/expenses/{first['id']}/reject", json={"reason": "x"}).status_code == 409
    assert api.post("/api/v1/expenses/nope/approve").status_code == 404
    kinds = {e["type"]: e["envelope"]["data"] for e in activity.db["events"].find()}
    assert kinds["ExpenseApproved"] == {
        "expense_id": first["id"],
        "group_id": group_id,
        "year": 2026,
        "amount": 200_000,
    }
    assert kinds["ExpenseRejected"]["reason"] == "영수증 불일치" and kinds["ExpenseRejected"]["amount"] == 100_000
    budget = api.get(f"/api/v1/groups/{group_id}/budget?year=2026").get_json()
    assert (budget["claimed"], budget["approved"], budget["rejected"], budget["remaining"]) == (
        300_000,
        200_000,
        100_000,
        100_000,
    )
    assert {e["id"]: e["status"] for e in budget["expenses"]} == {first["id"]: "approved", second["id"]: "rejected"}
    assert claim(api, group_id, 100_000).status_code == 201  # the rejected amount is free again


def test_claim_links_must_belong_to_the_group(api, registry, stored):
    group_id, _ = registry.approved_group()
    other, _ = registry.approved_group()
    allocate(api, group_id)
    foreign = api.post(
        "/api/v1/sessions",
        json={
            "group_id": other,
            "date": "2026-05-09",
            "start": "10:00",
            "end": "11:00",
            "kind": "regular",
            "venue": "external",
        },
    ).get_json()
    before = stored()
    response = claim(api, group_id, session_id=foreign["id"], document_ids=["nope"])
    assert response.status_code == 422 and {"session_id", "document_ids"} <= set(response.get_json()["errors"])
    assert stored() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": 0}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"date": "2026/05/09"}, "date"),
        ({"category": ""}, "category"),
        ({"document_ids": "abc"}, "document_ids"),
        ({"extra": 1}, "extra"),
    ],
)
def test_claim_bad_input(api, registry, stored, changes, field):
    group_id, _ = registry.approved_group()
    allocate(api, group_id)
    before = stored()
    response = claim(api, group_id, **changes)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert stored() == before


def test_stale_if_match_on_approve(api, registry):
    group_id, _ = registry.approved_group()
    allocate(api, group_id)
    expense = claim(api, group_id).get_json()
    assert api.post(f"/api/v1/expenses/{expense['id']}/approve", headers={"If-Match": "1"}).status_code == 412
    assert api.post(f"/api/v1/expenses/{expense['id']}/approve", headers={"If-Match": "2"}).status_code == 200


def test_the_budgets_of_a_year_in_one_call(api, registry):
    """The portal's 활동비 page reads every group's budget of a year at once (it made one call per group)."""
    groups = [registry.approved_group()[0] for _ in range(2)]
    for group_id, amount in zip(groups, (300_000, 450_000)):
        allocate(api, group_id, amount)
    later = registry.approved_group(year=2027)[0]
    assert allocate(api, later, 100_000, year=2027).status_code == 201
    listed = api.get("/api/v1/budgets?year=2026")
    assert listed.status_code == 200, listed.get_json()
    mine = {b["group_id"]: b for b in listed.get_json()["budgets"] if b["group_id"] in groups}
    assert {g: b["allocated"] for g, b in mine.items()} == {groups[0]: 300_000, groups[1]: 450_000}
    assert mine[groups[0]] == {
        k: v for k, v in api.get(f"/api/v1/groups/{groups[0]}/budget?year=2026").get_json().items() if k != "expenses"
    }
    assert later not in {b["group_id"] for b in listed.get_json()["budgets"]}
    assert later in {b["group_id"] for b in api.get("/api/v1/budgets?year=2027").get_json()["budgets"]}
    for bad in ("", "?year=1999", "?year=next"):
        assert api.get(f"/api/v1/budgets{bad}").status_code == 422
