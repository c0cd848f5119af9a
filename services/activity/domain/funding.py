"""Funding: a group's yearly budget and the expense claims made against it (whole KRW)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jajo.domain import Aggregate
from jajo.errors import Conflict, NotFound, RuleViolation
from jajo.events import EventType
from services.activity import events
from services.activity.domain.registry import GroupFacts

CLAIMED, APPROVED, REJECTED = "claimed", "approved", "rejected"


def budget_id(group_id: str, year: int) -> str:
    return f"budget:{group_id}:{year}"


@dataclass
class Budget(Aggregate):
    """All of one group's money for one year, so that 'no claim over the remaining budget' is atomic."""

    aggregate_type = "budget"
    total: int = 0
    expenses: dict[str, dict] = field(default_factory=dict)

    @property
    def group_id(self) -> str:
        return self.id.split(":")[1]

    @property
    def year(self) -> int:
        return int(self.id.split(":")[2])

    @property
    def committed(self) -> int:
        return sum(e["amount"] for e in self.expenses.values() if e["status"] != REJECTED)

    @property
    def remaining(self) -> int:
        return self.total - self.committed

    def allocate(self, amount: int, group: GroupFacts | None = None) -> None:
        """`group`: what activity knows of the budget's group (the handlers always pass it): a closed group's
        budget and a budget of another year than the group's get nothing."""
        if group is not None and group.closed:
            raise Conflict(f"group {group.group_id} is closed")
        if group is not None and group.year != self.year:
            raise RuleViolation(
                f"group {group.group_id} belongs to {group.year}",
                errors={"year": [f"must be {group.year}, the group's year"]},
            )
        if amount <= 0:
            raise RuleViolation("an allocation is a positive amount of KRW", errors={"amount": ["must be > 0"]})
        self.record(
            events.BudgetAllocated, group_id=self.group_id, year=self.year, amount=amount, total=self.total + amount
        )

    def claim(
        self,
        expense_id: str,
        *,
        date: str,
        amount: int,
        category: str,
        session_id: str | None = None,
        description: str | None = None,
        document_ids: list[str] | None = None,
    ) -> None:
        if amount <= 0:
            raise RuleViolation("a claim is a positive amount of KRW", errors={"amount": ["must be > 0"]})
        if amount > self.remaining:
            raise RuleViolation(
                f"the claim of {amount} KRW exceeds the remaining {self.year} budget of {self.remaining} KRW",
                errors={"amount": [f"exceeds the remaining budget ({self.remaining} KRW of {self.total} KRW)"]},
            )
        self.record(
            events.ExpenseClaimed,
            expense_id=expense_id,
            group_id=self.group_id,
            year=self.year,
            session_id=session_id,
            date=date,
            amount=amount,
            category=category,
            description=description,
            document_ids=list(document_ids or []),
        )

    def expense(self, expense_id: str) -> dict:
        if expense_id not in self.expenses:
            raise NotFound(f"expense {expense_id} does not exist")
        return self.expenses[expense_id]

    def approve(self, expense_id: str) -> None:
        self._decide(expense_id, events.ExpenseApproved, REJECTED)

    def reject(self, expense_id: str, reason: str) -> None:
        self._decide(expense_id, events.ExpenseRejected, APPROVED, reason=reason)

    def _decide(self, expense_id: str, decision: EventType, refused_after: str, **facts: Any) -> None:
        """A claimed expense is approved or rejected once: the same decision again records nothing, the other 409."""
        expense = self.expense(expense_id)
        if expense["status"] == refused_after:
            raise Conflict(f"expense {expense_id} was {refused_after}")
        if expense["status"] == CLAIMED:
            self.record(
                decision,
                expense_id=expense_id,
                group_id=self.group_id,
                year=self.year,
                amount=expense["amount"],
                **facts,
            )

    def on_budget_allocated(self, data: dict) -> None:
        self.total = data["total"]

    def on_expense_claimed(self, data: dict) -> None:
        self.expenses[data["expense_id"]] = {
            "id": data["expense_id"],
            "group_id": data["group_id"],
            "year": data["year"],
            "session_id": data.get("session_id"),
            "date": data["date"],
            "amount": data["amount"],
            "category": data["category"],
            "description": data.get("description"),
            "document_ids": list(data.get("document_ids") or []),
            "status": CLAIMED,
            "reason": None,
        }

    def on_expense_approved(self, data: dict) -> None:
        self.expenses[data["expense_id"]]["status"] = APPROVED

    def on_expense_rejected(self, data: dict) -> None:
        self.expenses[data["expense_id"]].update(status=REJECTED, reason=data.get("reason"))

    def totals(self) -> dict:
        by_status = {
            s: sum(e["amount"] for e in self.expenses.values() if e["status"] == s)
            for s in (CLAIMED, APPROVED, REJECTED)
        }
        return {
            "allocated": self.total,
            "claimed": sum(by_status.values()),
            "approved": by_status[APPROVED],
            "pending": by_status[CLAIMED],
            "rejected": by_status[REJECTED],
            "remaining": self.remaining,
        }

    def view(self) -> dict:
        return {"group_id": self.group_id, "year": self.year, **self.totals()}
