"""The retention rule (개인정보 보유기간, 개인정보 보호법 제21조) and the sweep that applies it, without servers: a
closed group of year Y keeps its members' personal data until 31 December Y+3, Seoul calendar."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import pytest

from jajo.center import CENTER
from jajo.memory import InMemoryEventStore, InMemoryKeyStore, memory_bus
from jajo.personal import EnvelopeCipher
from services.registration.commands import ApproveGroup, CloseGroup, EraseMember, FormGroup, LeaveGroup
from services.registration.domain import CLOSED, Group
from services.registration.events import CATALOGUE
from services.registration.handlers import handlers
from services.registration.retention import REASON, Retention, RetentionSweep
from services.registration.views import read_group
from tests.unit.registration.test_handlers import join

JOINED_ON = date(2026, 3, 2)


class Days:
    """A settable "today" shared by the handlers (the erasure date) and the retention (the day judged)."""

    def __init__(self) -> None:
        self.today = JOINED_ON

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def days() -> Days:
    return Days()


@pytest.fixture
def keys() -> InMemoryKeyStore:
    return InMemoryKeyStore()


@pytest.fixture
def store(keys) -> InMemoryEventStore:
    return InMemoryEventStore("registration.events", EnvelopeCipher(keys, {t.name: t for t in CATALOGUE.types}))


@pytest.fixture
def bus(store, keys, days):
    return memory_bus(handlers(keys, lambda member_id, session: None, clock=days), store, "registration")


def closed_candidates(store: InMemoryEventStore):
    """What RegistrationViews.closed_groups answers, over the in-memory views."""

    def candidates(through_year: int) -> list[str]:
        views = store.views.get("group_views", {}).values()
        found = [v for v in views if v["status"] == CLOSED and v["year"] <= through_year]
        return [v["_id"] for v in sorted(found, key=lambda v: (v["year"], v["_id"]))]

    return candidates


@pytest.fixture
def retention(store, bus, days) -> Retention:
    return Retention(closed_candidates(store), store, bus, days)


def group_with_members(bus, store, year: int, *, close: bool = True, approve: bool = True) -> tuple[Group, list[str]]:
    """A group of `year` with a current member and one who left, approved and closed as asked."""
    group = bus.handle(FormGroup(f"{year}년 모임", year))
    _, staying = bus.handle(join(group.id, "김하늘", "010-1111-2222"))
    _, leaving = bus.handle(join(group.id, "이바다", "010-3333-4444"))
    bus.handle(LeaveGroup(group.id, leaving.id))
    if approve:
        bus.handle(ApproveGroup(group.id))
    if close:
        bus.handle(CloseGroup(group.id))
    return read_group(store, group.id), [staying.id, leaving.id]


def due_ids(group: Group, today: date) -> list[str]:
    return [member.id for member in group.due_for_erasure(today)]


# --- the rule ------------------------------------------------------------------------------------------------


def test_the_period_ends_on_31_december_three_years_after_the_program_year():
    assert CENTER.retention_years == 3
    assert CENTER.retained_until(2026) == date(2029, 12, 31)
    assert not CENTER.retention_ended(2026, date(2029, 12, 31))
    assert CENTER.retention_ended(2026, date(2030, 1, 1))
    assert CENTER.last_expired_year(date(2030, 1, 1)) == 2026 and CENTER.last_expired_year(date(2029, 12, 31)) == 2025


def test_a_closed_groups_members_current_and_left_are_due_from_1_january_four_years_on(bus, store):
    group, members = group_with_members(bus, store, 2026)
    assert due_ids(group, date(2029, 12, 31)) == []
    assert due_ids(group, date(2030, 1, 1)) == members
    assert due_ids(group, date(2045, 6, 1)) == members


@pytest.mark.parametrize("approve", [False, True], ids=["formed", "approved"])
def test_an_open_group_is_never_due(bus, store, approve):
    group, _ = group_with_members(bus, store, 2020, close=False, approve=approve)
    assert group.status != CLOSED
    assert due_ids(group, date(2100, 1, 1)) == []


def test_erased_members_are_not_listed(bus, store):
    group, [staying, leaving] = group_with_members(bus, store, 2020)
    bus.handle(EraseMember(group.id, leaving, "보호자의 삭제 요구"))
    assert due_ids(read_group(store, group.id), date(2030, 1, 1)) == [staying]
    bus.handle(EraseMember(group.id, staying, "보호자의 삭제 요구"))
    assert due_ids(read_group(store, group.id), date(2030, 1, 1)) == []


def test_the_period_is_the_centers(bus, store):
    group, members = group_with_members(bus, store, 2026)
    five = replace(CENTER, retention_years=5)
    assert [m.id for m in group.due_for_erasure(date(2031, 12, 31), five)] == []
    assert [m.id for m in group.due_for_erasure(date(2032, 1, 1), five)] == members


# --- the sweep -----------------------------------------------------------------------------------------------


def test_the_sweep_erases_the_due_members_once_as_system_with_the_retention_reason(
    bus, store, keys, days, retention, caplog
):
    caplog.set_level(logging.INFO, logger="services.registration.retention")
    old, old_members = group_with_members(bus, store, 2021)
    recent, recent_members = group_with_members(bus, store, 2023)
    still_open, open_members = group_with_members(bus, store, 2020, close=False)
    days.today = date(2026, 12, 31)  # 2022 is the last expired year: only 2021 is due

    assert [(d.group_id, d.year, d.retained_until, d.member_ids) for d in retention.due()] == [
        (old.id, 2021, date(2024, 12, 31), tuple(old_members))
    ]
    assert retention.erase_due() == 2
    erased = [e for e in store.load(old.id) if e["type"] == "MemberErased"]
    assert [(e["data"]["member_id"], e["data"]["reason"], e["data"]["erased_on"], e["actor"]) for e in erased] == [
        (member_id, REASON, "2026-12-31", "system") for member_id in old_members
    ]
    assert all(keys.keys[member_id] is None for member_id in old_members)
    logged = [r for r in caplog.records if r.getMessage() == "member erased: retention period ended"]
    assert [(r.group_id, r.member_id, r.year) for r in logged] == [(old.id, m, 2021) for m in old_members]
    assert not any(name in repr(vars(r)) for r in caplog.records for name in ("김하늘", "이바다", "010-"))
    assert all(keys.keys[member_id] for member_id in recent_members + open_members)
    for untouched in (recent, still_open):
        assert "MemberErased" not in [e["type"] for e in store.load(untouched.id)]

    versions = {subject: len(stream) for subject, stream in store.streams.items()}
    assert retention.due() == [] and retention.erase_due() == 0
    assert {subject: len(stream) for subject, stream in store.streams.items()} == versions

    days.today = date(2027, 1, 1)  # a year on, 2023's period has ended too
    assert [d.group_id for d in retention.due()] == [recent.id]


def test_a_sweep_racing_another_erases_each_member_once(bus, store, days, retention):
    group, members = group_with_members(bus, store, 2020)
    days.today = date(2026, 3, 2)
    seen = retention.due()  # this sweep has read the due members; another sweep erases them first
    assert Retention(closed_candidates(store), store, bus, days).erase_due() == 2
    for member_id in seen[0].member_ids:
        bus.handle(EraseMember(group.id, member_id, REASON))  # what the first sweep then sends: a no-op
    assert [e["type"] for e in store.load(group.id)].count("MemberErased") == len(members)


class Sweeps:
    """Counts the sweeps a loop starts; fails them while `failing`."""

    def __init__(self) -> None:
        self.started, self.failing = 0, False

    def erase_due(self) -> int:
        self.started += 1
        if self.failing:
            raise ConnectionError("MongoDB is away")
        return 0


def test_the_worker_loop_sweeps_on_start_then_once_per_interval_and_retries_a_failure_sooner():
    now = [1000.0]
    sweeps = Sweeps()
    loop = RetentionSweep(sweeps, every=86400, retry_seconds=300, monotonic=lambda: now[0])
    assert loop.run_once() == 0 and loop.run_once() == 0 and sweeps.started == 1
    now[0] += 86399
    loop.run_once()
    assert sweeps.started == 1
    now[0] += 1
    sweeps.failing = True
    with pytest.raises(ConnectionError):
        loop.run_once()
    now[0] += 299
    loop.run_once()
    assert sweeps.started == 2
    now[0] += 1
    sweeps.failing = False
    loop.run_once()
    assert sweeps.started == 3
