"""Activity's handlers on the in-memory event store and unit of work, with in-memory stand-ins for what
activity learned from registration (its read side) and for the document files."""

from __future__ import annotations

from datetime import date

import pytest

from jajo.errors import Conflict, NotYetKnown, RuleViolation
from jajo.memory import InMemoryEventStore, memory_bus
from services.activity.commands import AllocateBudget, CancelSession, ClaimExpense, RecordAttendance, ScheduleSession
from services.activity.domain import Budget, GroupFacts, load_spaces
from services.activity.handlers import Deps, build_handlers

DAY = date(2026, 5, 12)


class MemoryViews:
    """The queries of `ActivityViews` that the handlers ask, over dicts."""

    def __init__(self) -> None:
        self.groups: dict[str, GroupFacts] = {}
        self.expenses: dict[str, dict] = {}

    def require_group(self, group_id: str) -> GroupFacts:
        if group_id not in self.groups:
            raise NotYetKnown(f"group {group_id} is not known to activity (yet)")
        return self.groups[group_id]

    def require_heard_of(self, people: list[str]) -> None:
        known = {p for g in self.groups.values() for m, kids in g.members.items() for p in (m, *kids)}
        if set(people) - known:
            raise NotYetKnown("not known to activity (yet)")

    def session(self, session_id: str) -> dict | None:
        return None

    def document(self, document_id: str) -> dict | None:
        return None

    def expense(self, expense_id: str) -> dict | None:
        return self.expenses.get(expense_id)

    def expense_writer(self, budget: Budget, expense_id: str):
        def write(session) -> None:
            self.expenses[expense_id] = {**budget.expense(expense_id), "budget_id": budget.id}

        return write


@pytest.fixture
def views():
    views = MemoryViews()
    views.groups["g1"] = GroupFacts("g1", 2026, approved=True, members={"m1": ("c1",), "m2": ("c2",)})
    return views


@pytest.fixture
def store():
    return InMemoryEventStore("activity.events")


@pytest.fixture
def bus(views, store):
    return memory_bus(build_handlers(Deps(views, files=None, spaces=load_spaces(None))), store, "activity")


def session(start: str = "10:00", end: str = "12:00", venue: str = "키움터", group_id: str = "g1") -> ScheduleSession:
    return ScheduleSession(group_id, DAY, start, end, "regular", venue)


def test_a_session_in_a_center_space_books_the_space_day_in_the_same_commit(bus, store):
    scheduled = bus.handle(session())
    assert [e["type"] for e in store.outbox] == ["SessionScheduled", "SpaceBooked"]
    assert store.views["space_day_views"]["space:키움터:2026-05-12"]["bookings"][0]["session_id"] == scheduled.id
    assert store.views["session_views"][scheduled.id]["kind"] == "regular"


def test_an_overlapping_session_in_the_same_space_is_refused_and_nothing_is_stored(bus, store):
    bus.handle(session())
    with pytest.raises(Conflict):
        bus.handle(session("11:30", "13:00"))
    bus.handle(session("12:00", "13:00"))  # half-open: touching is not overlapping
    bus.handle(session("11:30", "13:00", venue="자람터"))
    assert [e["type"] for e in store.outbox].count("SessionScheduled") == 3


def test_a_cancelled_session_frees_its_space(bus, store):
    first = bus.handle(session())
    bus.handle(CancelSession(first.id, "비"))
    bus.handle(session("11:00", "12:00"))
    assert store.views["space_day_views"]["space:키움터:2026-05-12"]["bookings"][0]["start"] == "11:00"


def test_a_group_activity_has_not_heard_of_is_worth_a_retry(bus, store):
    with pytest.raises(NotYetKnown):
        bus.handle(session(group_id="g-unknown"))
    assert store.pending_count() == 0


def test_attendance_lists_only_current_members_and_their_children(bus, store):
    held = bus.handle(session())
    bus.handle(RecordAttendance(held.id, ["m1"], ["c1"]))
    assert store.load(held.id)[-1]["data"]["parents"] == 1
    other = bus.handle(session("13:00", "14:00"))
    with pytest.raises(RuleViolation):
        bus.handle(RecordAttendance(other.id, ["m1", "m1"], ["c1"]))


def test_a_claim_over_the_remaining_budget_is_refused(bus, store, views):
    bus.handle(AllocateBudget("g1", 2026, 100_000))
    bus.handle(ClaimExpense("g1", DAY, 60_000, "간식"))
    with pytest.raises(RuleViolation):
        bus.handle(ClaimExpense("g1", DAY, 50_000, "교구"))
    assert [e["type"] for e in store.load("budget:g1:2026")] == ["BudgetAllocated", "ExpenseClaimed"]
    assert [e["amount"] for e in views.expenses.values()] == [60_000]
