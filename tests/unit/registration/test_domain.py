"""Registration's domain rules, without servers."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from marshmallow import ValidationError

from jajo.errors import Conflict, NotFound, RuleViolation
from jajo.consent import consent_block, consent_record
from services.registration.domain import (
    GivenConsent,
    Group,
    JoiningChild,
    age_on,
    guardian_key,
    normalize_phone,
)
from services.registration.schemas import GroupIn

TODAY = date(2026, 3, 2)


def formed(name: str = "햇살 놀이 모임", year: int = 2026) -> Group:
    group = Group.form("g1", name, year, "숲 놀이", None)
    group.take_pending()
    return group


def child(birth: date, name: str | None = None, child_id: str = "c1") -> JoiningChild:
    return JoiningChild(child_id, birth, name)


def join(
    group: Group,
    member_id: str = "m1",
    guardian: str = "김보호",
    district: str = "용산구",
    phone: str | None = "010-1234-5678",
    children=None,
    today: date = TODAY,
    consent="all",
):
    children = [child(date(2023, 5, 1))] if children is None else children
    if consent == "all":
        consent = consent_for(len(children))
    return group.join(member_id, guardian, district, phone, children, today, consent)


def consent_for(count: int, **changes) -> GivenConsent:
    block = {**consent_block(count), **changes}
    return GivenConsent(block["notice_version"], block["given_at"], tuple(block["items"]), tuple(block["children"]))


def types(group: Group) -> list[str]:
    return [event.type for event in group.take_pending()]


# --- forming ---------------------------------------------------------------------------------------------------


def test_form_records_group_formed_with_the_catalogue_fields():
    group = Group.form("g1", "햇살", 2026, None, "설명")
    [event] = group.take_pending()
    assert event.type == "GroupFormed" and event.dataversion == 1 and event.aggregate_version == 1
    assert event.data == {"group_id": "g1", "name": "햇살", "year": 2026, "theme": None, "description": "설명"}
    assert group.status == "formed" and group.version == 1


@pytest.mark.parametrize("name", ["", "   ", "가" * 101])
def test_name_must_be_1_to_100_characters_and_not_blank(name):
    with pytest.raises(RuleViolation) as error:
        Group.form("g1", name, 2026)
    assert list(error.value.errors) == ["name"]


@pytest.mark.parametrize("name", ["", "   ", "가" * 101, " " * 101])
def test_the_schema_and_the_domain_refuse_a_name_in_the_same_words(name):
    """One group-name rule: GroupIn's 422 and Group.form's say the same (the schema asks the domain)."""
    with pytest.raises(ValidationError) as schema:
        GroupIn().load({"name": name, "year": 1999})
    with pytest.raises(RuleViolation) as domain:
        Group.form("g1", name.strip(), 1999)
    assert schema.value.messages["name"] == domain.value.errors["name"]
    assert set(schema.value.messages) == set(domain.value.errors) == {"name", "year"}


def test_name_of_exactly_1_and_100_characters_is_fine():
    assert Group.form("g1", "가", 2026).name == "가"
    assert Group.form("g2", "가" * 100, 2026).name == "가" * 100


@pytest.mark.parametrize("year", [2019, 2101, 0])
def test_year_must_be_2020_to_2100(year):
    with pytest.raises(RuleViolation) as error:
        Group.form("g1", "햇살", year)
    assert list(error.value.errors) == ["year"]


@pytest.mark.parametrize("year", [2020, 2100])
def test_year_bounds_are_inclusive(year):
    assert Group.form("g1", "햇살", year).year == year


# --- lifecycle -------------------------------------------------------------------------------------------------


def test_approve_then_approve_again_emits_once():
    group = formed()
    group.approve()
    assert types(group) == ["GroupApproved"] and group.status == "approved"
    group.approve()
    assert types(group) == [] and group.version == 2


def test_closed_group_cannot_be_approved():
    group = formed()
    group.close()
    with pytest.raises(Conflict):
        group.approve()
    assert types(group) == ["GroupClosed"]


def test_close_twice_emits_once():
    group = formed()
    group.approve()
    group.close()
    group.close()
    assert types(group) == ["GroupApproved", "GroupClosed"] and group.status == "closed"


# --- joining ---------------------------------------------------------------------------------------------------


def test_join_records_member_joined_with_personal_data_only_under_personal():
    group = formed()
    children = [child(date(2023, 5, 1), "하늘", "c1"), child(date(2025, 1, 9), None, "c2")]
    member = join(group, children=children)
    [event] = group.take_pending()
    assert event.type == "MemberJoined" and event.aggregate_version == 2
    assert event.data == {
        "group_id": "g1",
        "year": 2026,
        "member_id": "m1",
        "joined_on": "2026-03-02",
        "district": "용산구",
        "children": [{"child_id": "c1"}, {"child_id": "c2"}],
        "consent": consent_record(["c1", "c2"]),
        "personal": {
            "guardian_name": "김보호",
            "phone": "010-1234-5678",
            "children": [
                {"child_id": "c1", "name": "하늘", "birth_date": "2023-05-01"},
                {"child_id": "c2", "name": None, "birth_date": "2025-01-09"},
            ],
        },
    }
    outside = {k: v for k, v in event.data.items() if k != "personal"}
    for personal in ("김보호", "010-1234-5678", "하늘", "2023-05-01", "2025-01-09"):
        assert personal not in repr(outside)
    assert [c.id for c in member.children] == ["c1", "c2"]
    assert group.view()["member_count"] == 1 and group.view()["children_count"] == 2


def test_closed_group_takes_no_members():
    group = formed()
    group.close()
    group.take_pending()
    with pytest.raises(Conflict):
        join(group)
    assert group.pending == [] and group.members == {}


def test_formed_and_approved_groups_take_members():
    group = formed()
    join(group, "m1")
    group.approve()
    join(group, "m2", guardian="이보호")
    assert types(group) == ["MemberJoined", "GroupApproved", "MemberJoined"]


@pytest.mark.parametrize("district", ["강남구", "서울 용산구", "", "용산"])
def test_district_must_be_yongsan(district):
    group = formed()
    with pytest.raises(RuleViolation) as error:
        join(group, district=district)
    assert list(error.value.errors) == ["district"]
    assert group.pending == []


def test_district_in_decomposed_hangul_or_with_spaces_is_yongsan():
    group = formed()
    member = join(group, district=" " + unicodedata.normalize("NFD", "용산구") + " ")
    assert member.district == "용산구"
    assert group.pending[0].data["district"] == "용산구"


def test_child_of_7_on_the_join_date_is_refused_and_one_day_younger_is_not():
    group = formed()
    with pytest.raises(RuleViolation) as error:
        join(group, children=[child(date(2019, 3, 2))])
    assert list(error.value.errors) == ["children.0.birth_date"]
    join(group, children=[child(date(2019, 3, 3))])
    assert types(group) == ["MemberJoined"]


def test_every_child_counts_and_errors_name_each_index():
    group = formed()
    children = [
        child(date(2024, 1, 1), child_id="a"),
        child(date(2010, 1, 1), child_id="b"),
        child(date(2026, 3, 3), child_id="c"),
    ]
    with pytest.raises(RuleViolation) as error:
        join(group, children=children)
    assert set(error.value.errors) == {"children.1.birth_date", "children.2.birth_date"}
    assert "future" in error.value.errors["children.2.birth_date"][0]


def test_birth_date_in_the_future_is_refused_but_today_is_fine():
    group = formed()
    with pytest.raises(RuleViolation) as error:
        join(group, children=[child(date(2026, 3, 3))])
    assert list(error.value.errors) == ["children.0.birth_date"]
    join(group, children=[child(TODAY)])
    assert types(group) == ["MemberJoined"]


def test_at_least_one_child():
    group = formed()
    with pytest.raises(RuleViolation) as error:
        join(group, children=[])
    assert list(error.value.errors) == ["children"]


def test_blank_guardian_name_is_refused():
    with pytest.raises(RuleViolation) as error:
        join(formed(), guardian="  ")
    assert list(error.value.errors) == ["guardian_name"]


def test_leap_day_child_turns_7_on_the_first_of_march():
    assert age_on(date(2020, 2, 29), date(2027, 2, 28)) == 6
    assert age_on(date(2020, 2, 29), date(2027, 3, 1)) == 7
    group = formed(year=2027)
    join(group, "m1", children=[child(date(2020, 2, 29))], today=date(2027, 2, 28))
    with pytest.raises(RuleViolation):
        join(group, "m2", guardian="이보호", children=[child(date(2020, 2, 29))], today=date(2027, 3, 1))


def test_rule_messages_carry_no_personal_data():
    group = formed()
    with pytest.raises(RuleViolation) as error:
        join(
            group,
            guardian="홍길동",
            phone="010-9999-8888",
            district="강남구",
            children=[child(date(2010, 7, 7), "홍아기")],
        )
    text = repr((error.value.detail, error.value.errors))
    for personal in ("홍길동", "010-9999-8888", "홍아기", "2010-07-07"):
        assert personal not in text
    join(group, guardian="홍길동", phone="010-9999-8888")
    with pytest.raises(Conflict) as conflict:
        join(group, "m2", guardian="홍길동", phone="010-9999-8888")
    assert "홍길동" not in conflict.value.detail and "9999" not in conflict.value.detail


# --- one guardian once -----------------------------------------------------------------------------------------


def test_same_guardian_cannot_join_twice():
    group = formed()
    join(group, "m1")
    with pytest.raises(Conflict):
        join(group, "m2")
    assert list(group.members) == ["m1"]


@pytest.mark.parametrize(
    "name, phone",
    [
        ("김보호", "01012345678"),
        (" 김보호 ", "010 1234 5678"),
        ("김보호", "+82 10-1234-5678"),
        (unicodedata.normalize("NFD", "김보호"), "010-1234-5678"),
    ],
)
def test_same_guardian_is_recognised_in_other_spellings(name, phone):
    group = formed()
    join(group, "m1", guardian="김보호", phone="010-1234-5678")
    with pytest.raises(Conflict):
        join(group, "m2", guardian=name, phone=phone)


def test_same_name_with_another_phone_or_another_name_is_another_guardian():
    group = formed()
    join(group, "m1", guardian="김보호", phone="010-1234-5678")
    join(group, "m2", guardian="김보호", phone="010-0000-0000")
    join(group, "m3", guardian="김보호", phone=None)
    join(group, "m4", guardian="이보호", phone="010-1234-5678")
    with pytest.raises(Conflict):
        join(group, "m5", guardian="김보호", phone=None)
    assert len(group.current_members()) == 4


def test_guardian_key_and_phone_normalisation():
    assert normalize_phone(None) == "" and normalize_phone("+82-10-1234-5678") == "01012345678"
    assert guardian_key("Kim  Bo", "010") == guardian_key("kim bo", "010")


# --- leaving ---------------------------------------------------------------------------------------------------


def test_leave_records_member_left_and_keeps_history():
    group = formed()
    join(group, "m1")
    group.take_pending()
    member = group.leave("m1", date(2026, 6, 1))
    [event] = group.take_pending()
    assert event.type == "MemberLeft"
    assert event.data == {"group_id": "g1", "year": 2026, "member_id": "m1", "left_on": "2026-06-01"}
    assert member.left_on == date(2026, 6, 1) and not member.current
    assert group.member("m1") is member  # history kept
    view = group.view()
    assert view["members"] == [] and view["member_count"] == 0 and view["children_count"] == 0


def test_leaving_again_emits_nothing_and_unknown_member_is_not_found():
    group = formed()
    join(group, "m1")
    group.leave("m1", TODAY)
    group.take_pending()
    group.leave("m1", date(2026, 4, 1))
    assert group.pending == [] and group.member("m1").left_on == TODAY
    with pytest.raises(NotFound):
        group.leave("nobody", TODAY)


def test_a_guardian_who_left_may_join_again_as_a_new_member():
    group = formed()
    join(group, "m1")
    group.leave("m1", TODAY)
    join(group, "m2")
    assert [m.id for m in group.current_members()] == ["m2"] and len(group.members) == 2


# --- rehydration and view --------------------------------------------------------------------------------------


def test_rehydrated_group_equals_the_live_one():
    group = Group.form("g1", "햇살", 2026)
    join(group, "m1", children=[child(date(2023, 5, 1), "하늘", "c1"), child(date(2024, 5, 1), None, "c2")])
    join(group, "m2", guardian="이보호", children=[child(date(2022, 1, 1), child_id="c3")])
    group.leave("m1", date(2026, 4, 1))
    group.approve()
    events = group.take_pending()
    again = Group.rehydrate("g1", events)
    assert again.view() == group.view() and again.version == group.version == 5
    assert again.view()["members"] == [
        {
            "id": "m2",
            "guardian_name": "이보호",
            "district": "용산구",
            "phone": "010-1234-5678",
            "joined_on": "2026-03-02",
            "left_on": None,
            "status": "current",
            "erased_on": None,
            "children": [{"id": "c3", "name": None, "birth_date": "2022-01-01"}],
            "consent": consent_record(["c3"]),
        }
    ]


# --- consent ---------------------------------------------------------------------------------------------------


def test_the_join_records_the_consent_with_the_children_ids():
    group = formed()
    join(group, children=[child(date(2023, 5, 1), child_id="c1"), child(date(2024, 1, 1), child_id="c2")])
    [event] = group.take_pending()
    assert event.data["consent"] == {
        "notice_version": "2026-01",
        "given_at": "2025-03-01T10:00:00+09:00",
        "items": ["personal_data", "children_data", "contact"],
        "children": ["c1", "c2"],
    }
    assert "consent" not in event.data["personal"] and group.members["m1"].view()["consent"] == event.data["consent"]


@pytest.mark.parametrize(
    "consent, field",
    [
        (None, "consent"),
        (consent_for(2, children=(0,)), "consent.children"),
        (consent_for(2, children=(0, 0)), "consent.children"),
        (consent_for(2, children=(0, 1, 2)), "consent.children"),
        (consent_for(2, items=()), "consent.items"),
    ],
)
def test_without_consent_for_the_guardian_and_every_child_nobody_joins(consent, field):
    group = formed()
    kids = [child(date(2023, 5, 1), child_id="c1"), child(date(2024, 1, 1), child_id="c2")]
    with pytest.raises(RuleViolation) as refused:
        join(group, children=kids, consent=consent)
    assert field in refused.value.errors and not group.pending and not group.members
