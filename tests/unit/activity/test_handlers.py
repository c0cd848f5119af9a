"""Activity's handlers on the in-memory event store and unit of work, with in-memory stand-ins for what
activity learned from registration (its read side) and for the document files."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import BinaryIO

import pytest

from jajo.errors import Conflict, NotYetKnown, RuleViolation
from jajo.memory import InMemoryEventStore, memory_bus
from services.activity.commands import (
    AllocateBudget,
    CancelSession,
    ClaimExpense,
    RecordAttendance,
    ScheduleSession,
    SubmitDocument,
)
from services.activity.domain import (
    HEAD_BYTES,
    MAX_DOCUMENT_BYTES,
    Budget,
    DocumentTooLarge,
    GroupFacts,
    StoredFile,
    UnsupportedDocument,
    load_spaces,
)
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


class MemoryFiles:
    """`DocumentFiles` over a dict: the stored contents and the type the handler stored them with."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[bytes, str]] = {}

    def put(self, document_id: str, stream: BinaryIO, filename: str, content_type: str) -> StoredFile:
        stream.seek(0)
        content = stream.read()
        self.stored[document_id] = (content, content_type)
        return StoredFile(content[:HEAD_BYTES], len(content), hashlib.sha256(content).hexdigest())

    def delete(self, document_id: str) -> None:
        self.stored.pop(document_id, None)


@pytest.fixture
def files():
    return MemoryFiles()


@pytest.fixture
def views():
    views = MemoryViews()
    views.groups["g1"] = GroupFacts("g1", 2026, approved=True, members={"m1": ("c1",), "m2": ("c2",)})
    return views


@pytest.fixture
def store():
    return InMemoryEventStore("activity.events")


@pytest.fixture
def bus(views, store, files):
    return memory_bus(build_handlers(Deps(views, files, spaces=load_spaces(None))), store, "activity")


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


def document(content: bytes, group_id: str = "g1", **links: str) -> SubmitDocument:
    return SubmitDocument(group_id, "receipt", io.BytesIO(content), "scan.jpg", **links)


def test_a_document_records_the_type_its_bytes_are_whatever_its_name_says(bus, store, files):
    submitted = bus.handle(document(b"%PDF-1.7 receipt"))
    [event] = store.load(submitted.id)
    assert (event["type"], event["data"]["content_type"], event["data"]["size"]) == (
        "DocumentSubmitted",
        "application/pdf",
        16,
    )
    assert files.stored[submitted.id] == (b"%PDF-1.7 receipt", "application/pdf")


@pytest.mark.parametrize(
    "content, refused",
    [
        (b"%PDF-" + b"\0" * MAX_DOCUMENT_BYTES, DocumentTooLarge),
        (b"GIF89a" + b"\0" * MAX_DOCUMENT_BYTES, DocumentTooLarge),  # the size first, then the type
        (b"GIF89a", UnsupportedDocument),
        (b"", UnsupportedDocument),
    ],
)
def test_an_upload_is_refused_by_size_then_type_before_anything_else_is_asked_or_stored(
    bus, store, files, content, refused
):
    for group_id in ("g1", "g-unknown"):  # 413/415 before the 409 of a group activity has not heard of
        with pytest.raises(refused):
            bus.handle(document(content, group_id))
        with pytest.raises(refused):
            bus.handle(document(content, group_id, session_id="not-a-session"))  # and before the 422 of a link
    assert (files.stored, store.pending_count()) == ({}, 0)


def test_a_document_linked_to_no_session_of_its_group_stores_no_file(bus, store, files):
    with pytest.raises(RuleViolation) as refused:
        bus.handle(document(b"%PDF-1.7", session_id="not-a-session"))
    assert list(refused.value.errors) == ["session_id"]
    with pytest.raises(NotYetKnown):
        bus.handle(document(b"%PDF-1.7", "g-unknown"))
    assert (files.stored, store.pending_count()) == ({}, 0)
