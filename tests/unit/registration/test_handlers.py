"""Registration's handlers on the in-memory event store and unit of work: the rules, without servers."""

from __future__ import annotations

from datetime import date

import pytest

from jajo.consent import consent_block
from jajo.errors import Conflict, NotFound, PreconditionFailed, RuleViolation
from jajo.memory import InMemoryEventStore, InMemoryKeyStore, memory_bus
from jajo.personal import ERASED, EnvelopeCipher, document_key, is_sealed
from services.registration.commands import (
    ApproveGroup,
    CloseGroup,
    EraseMember,
    FormGroup,
    JoinGroup,
    LeaveGroup,
    NewChild,
)
from services.registration.domain import GivenConsent
from services.registration.events import CATALOGUE
from services.registration.handlers import handlers

TODAY = date(2026, 3, 2)
CONSENT = consent_block(1)


@pytest.fixture
def keys():
    return InMemoryKeyStore()


@pytest.fixture
def store(keys):
    return InMemoryEventStore("registration.events", EnvelopeCipher(keys, {t.name: t for t in CATALOGUE.types}))


@pytest.fixture
def forgotten():
    return []


@pytest.fixture
def bus(store, keys, forgotten):
    forget = lambda member_id, session: forgotten.append(member_id)  # noqa: E731
    return memory_bus(handlers(keys, forget, clock=lambda: TODAY), store, "registration")


def join(group_id: str, name: str = "김하늘", phone: str | None = "010-1234-5678") -> JoinGroup:
    consent = GivenConsent(CONSENT["notice_version"], CONSENT["given_at"], tuple(CONSENT["items"]), (0,))
    return JoinGroup(group_id, name, "용산구", (NewChild(date(2023, 5, 1), "김솔"),), phone, consent)


def types(store: InMemoryEventStore, subject: str) -> list[str]:
    return [envelope["type"] for envelope in store.load(subject)]


def test_a_formed_group_is_one_declared_event_and_its_view(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    [formed] = store.load(group.id)
    assert (
        formed["type"] == "GroupFormed" and formed["aggregatetype"] == "group" and formed["source"] == "/registration"
    )
    assert tuple(formed["data"]) == CATALOGUE["GroupFormed"].fields
    assert store.views["group_views"][group.id]["status"] == "formed"


def test_a_join_and_a_leave_are_dated_by_the_clock_and_leaving_twice_records_nothing(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    bus.handle(LeaveGroup(group.id, member.id))
    bus.handle(LeaveGroup(group.id, member.id))
    assert types(store, group.id) == ["GroupFormed", "MemberJoined", "MemberLeft"]
    joined, left = store.load(group.id)[1:]
    assert (joined["data"]["joined_on"], left["data"]["left_on"]) == ("2026-03-02", "2026-03-02")
    assert store.views["group_views"][group.id]["member_count"] == 0


def test_a_closed_group_takes_no_members_and_nothing_is_stored(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    bus.handle(CloseGroup(group.id))
    with pytest.raises(Conflict):
        bus.handle(join(group.id))
    with pytest.raises(Conflict):
        bus.handle(ApproveGroup(group.id))
    assert types(store, group.id) == ["GroupFormed", "GroupClosed"]


def test_the_same_guardian_joins_once(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    bus.handle(join(group.id))
    with pytest.raises(Conflict):
        bus.handle(join(group.id, name=" 김하늘 ", phone="+82 10-1234-5678"))
    assert types(store, group.id) == ["GroupFormed", "MemberJoined"]


def test_if_match_of_another_version_fails_and_an_unknown_group_is_not_found(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    with pytest.raises(PreconditionFailed):
        bus.handle(ApproveGroup(group.id), expected_version=2)
    bus.handle(ApproveGroup(group.id), expected_version=1)
    with pytest.raises(NotFound):
        bus.handle(ApproveGroup("nobody"))
    assert types(store, group.id) == ["GroupFormed", "GroupApproved"]


def test_the_personal_block_is_stored_sealed_and_loads_open(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    stored = store.streams[group.id][1]["data"]
    assert is_sealed(stored["personal"]) and stored["personal"]["key_id"] == member.id
    assert "김하늘" not in str(store.streams) and "010-1234-5678" not in str(store.outbox)
    assert store.load(group.id)[1]["data"]["personal"]["guardian_name"] == "김하늘"


def test_erasure_shreds_the_key_keeps_the_history_and_is_recorded_once(bus, store, keys, forgotten):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    _, erased = bus.handle(EraseMember(group.id, member.id, "보호자의 삭제 요구"))
    bus.handle(EraseMember(group.id, member.id, "보호자의 삭제 요구"))
    assert types(store, group.id) == ["GroupFormed", "MemberJoined", "MemberErased"]
    assert keys.keys[member.id] is None and set(forgotten) == {member.id}  # its stored answers too
    assert store.load(group.id)[1]["data"]["personal"] is None
    assert (erased.guardian_name, erased.phone, erased.status) == (ERASED, None, "erased")
    assert [(c.name, c.birth_date) for c in erased.children] == [(ERASED, None)]
    view = store.views["group_views"][group.id]
    assert view["member_count"] == 0 and "김하늘" not in str(view)


def test_erasure_shreds_the_keys_of_the_documents_it_names_and_no_member_key_by_mistake(bus, keys):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    _, other = bus.handle(join(group.id, name="박보호", phone=None))
    keys.key_for(document_key("d-receipt"))  # activity sealed the receipt's filename under it
    bus.handle(EraseMember(group.id, member.id, "보호자의 삭제 요구", documents=("d-receipt", other.id)))
    assert keys.keys[document_key("d-receipt")] is None and keys.keys[member.id] is None
    assert keys.keys[other.id] is not None  # a member id listed as a document shreds only `document:<id>`


def test_erasure_needs_a_reason_and_a_member_of_the_group(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    with pytest.raises(RuleViolation) as refused:
        bus.handle(EraseMember(group.id, member.id, "  "))
    assert refused.value.errors == {"reason": ["must not be blank"]}
    with pytest.raises(NotFound):
        bus.handle(EraseMember(group.id, "nobody", "요청"))
    assert types(store, group.id) == ["GroupFormed", "MemberJoined"]


def test_an_erased_guardian_may_join_again_as_a_new_member(bus, store):
    group = bus.handle(FormGroup("햇살 모임", 2026))
    _, member = bus.handle(join(group.id))
    bus.handle(EraseMember(group.id, member.id, "요청"))
    _, again = bus.handle(join(group.id))
    assert again.id != member.id and store.load(group.id)[-1]["data"]["personal"]["guardian_name"] == "김하늘"
