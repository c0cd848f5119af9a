import pytest

from jajo.errors import Conflict, NotFound, RuleViolation
from services.activity.domain import Budget, GroupFacts, budget_id


def budget(total=300_000) -> Budget:
    b = Budget(id=budget_id("g1", 2026))
    b.allocate(total)
    return b


def test_allocations_add_up():
    b = budget(300_000)
    b.allocate(200_000)
    assert [e.data for e in b.pending] == [
        {"group_id": "g1", "year": 2026, "amount": 300_000, "total": 300_000},
        {"group_id": "g1", "year": 2026, "amount": 200_000, "total": 500_000},
    ]
    assert b.remaining == 500_000
    with pytest.raises(RuleViolation):
        b.allocate(0)


def test_a_budget_goes_to_an_open_group_of_its_own_year_only():
    b = Budget(id=budget_id("g1", 2026))
    with pytest.raises(Conflict):
        b.allocate(100_000, GroupFacts("g1", 2026, approved=True, closed=True))
    with pytest.raises(RuleViolation) as refused:
        b.allocate(100_000, GroupFacts("g1", 2025, approved=True))
    assert refused.value.errors == {"year": ["must be 2025, the group's year"]} and not b.pending
    b.allocate(100_000, GroupFacts("g1", 2026, approved=True))
    assert b.remaining == 100_000


def test_claims_stop_at_the_remaining_budget():
    b = budget(300_000)
    b.claim("e1", date="2026-05-09", amount=200_000, category="재료비")
    with pytest.raises(RuleViolation) as caught:
        b.claim("e2", date="2026-05-09", amount=100_001, category="재료비")
    assert "amount" in caught.value.errors and "e2" not in b.expenses
    b.claim("e2", date="2026-05-09", amount=100_000, category="재료비")
    assert b.remaining == 0


def test_no_budget_means_no_claim():
    with pytest.raises(RuleViolation):
        Budget(id=budget_id("g1", 2026)).claim("e1", date="2026-05-09", amount=1, category="x")


def test_rejected_claims_free_their_amount_and_transitions_are_final():
    b = budget(300_000)
    b.claim("e1", date="2026-05-09", amount=300_000, category="간식비")
    b.reject("e1", "영수증 없음")
    assert b.remaining == 300_000 and b.expenses["e1"]["reason"] == "영수증 없음"
    with pytest.raises(Conflict):
        b.approve("e1")
    b.claim("e2", date="2026-05-10", amount=300_000, category="간식비")
    b.approve("e2")
    b.approve("e2")  # again: nothing new
    assert [e.type for e in b.pending].count("ExpenseApproved") == 1
    with pytest.raises(Conflict):
        b.reject("e2", "늦음")
    with pytest.raises(NotFound):
        b.approve("e9")
    assert b.totals() == {
        "allocated": 300_000,
        "claimed": 600_000,
        "approved": 300_000,
        "pending": 0,
        "rejected": 300_000,
        "remaining": 0,
    }
