"""Registration's domain: a self-help group (자조모임), its lifecycle and its members. Pure Python, no I/O.

Members live inside the group aggregate, so "a closed group takes no members" and "a guardian joins a group
once" are decided against one consistent state and one version sequence.

Rule messages never carry personal data (names, phones, birth dates): they name the field instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from jajo.center import CENTER, Center
from jajo.domain import Aggregate
from jajo.errors import Conflict, NotFound, RuleViolation
from jajo.personal import ERASED
from services.registration import events

FORMED, APPROVED, CLOSED = "formed", "approved", "closed"
SERVED_DISTRICT = CENTER.district
MAX_CHILD_AGE = CENTER.max_child_age  # 영유아: every child is younger than this (만 나이) on the join date
NAME_LENGTH = (1, 100)  # a group's name, not blank: `name_problems`


# --- value helpers ---------------------------------------------------------------------------------------------


def name_problems(name: str) -> list[str]:
    """The group-name rule, written once: 1 to 100 characters and not blank. What is wrong with `name`, in the words
    of the 422 that registration answers (GroupIn's validator and Group.form both ask this)."""
    low, high = NAME_LENGTH
    problems = [] if low <= len(name) <= high else [f"Length must be between {low} and {high}."]
    return problems if name.strip() else [*problems, "must not be blank"]


def normalize_text(value: str) -> str:
    """NFC (a macOS client may send decomposed Hangul jamo), trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def normalize_phone(phone: str | None) -> str:
    """Digits only; `+82 10-…` and `010-…` are the same number."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+82"):
        digits = "0" + digits[2:]
    return digits


def guardian_key(guardian_name: str, phone: str | None) -> tuple[str, str]:
    """Who counts as "the same guardian": the same name (case/space/normal form aside) and the same phone."""
    return normalize_text(guardian_name).casefold(), normalize_phone(phone)


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years (만 나이); someone born on 29 February turns a year older on 1 March."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# --- state -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoiningChild:
    """A child as a command brings it: the id is assigned by the caller (input order is kept)."""

    child_id: str
    birth_date: date
    name: str | None = None


@dataclass(frozen=True)
class GivenConsent:
    """The guardian's consent to the center's privacy notice, as a command brings it: `children` are indexes
    into the join's children (their ids do not exist before the join)."""

    notice_version: str
    given_at: str  # RFC 3339
    items: tuple[str, ...]
    children: tuple[int, ...]


@dataclass
class Child:
    id: str
    birth_date: date | None  # None once erased
    name: str | None = None

    def view(self) -> dict:
        return {"id": self.id, "name": self.name, "birth_date": self.birth_date and self.birth_date.isoformat()}


@dataclass
class Member:
    id: str
    guardian_name: str
    district: str
    phone: str | None
    joined_on: date
    children: list[Child] = field(default_factory=list)
    left_on: date | None = None
    consent: dict | None = None
    erased_on: date | None = None

    @property
    def current(self) -> bool:
        return self.left_on is None and self.erased_on is None

    @property
    def status(self) -> str:
        return "erased" if self.erased_on else "current" if self.current else "left"

    def erase(self, on: date) -> None:
        """No longer a member, and no longer identifiable: what identified them reads `(삭제됨)`."""
        self.erased_on, self.guardian_name, self.phone = on, ERASED, None
        for child in self.children:
            child.name, child.birth_date = ERASED, None

    @property
    def key(self) -> tuple[str, str]:
        return guardian_key(self.guardian_name, self.phone)

    def view(self) -> dict:
        return {
            "id": self.id,
            "guardian_name": self.guardian_name,
            "district": self.district,
            "phone": self.phone,
            "joined_on": self.joined_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "status": self.status,
            "erased_on": self.erased_on and self.erased_on.isoformat(),
            "children": [child.view() for child in self.children],
            "consent": self.consent,
        }


# --- the aggregate ---------------------------------------------------------------------------------------------


@dataclass
class Group(Aggregate):
    aggregate_type = "group"
    name: str = ""
    year: int = 0
    theme: str | None = None
    description: str | None = None
    status: str = ""
    members: dict[str, Member] = field(default_factory=dict)  # every member ever, in join order; history kept

    @classmethod
    def form(cls, group_id: str, name: str, year: int, theme: str | None = None, description: str | None = None):
        errors = {}
        if problems := name_problems(name):
            errors["name"] = problems
        if not CENTER.is_program_year(year):
            errors["year"] = [f"must be between {CENTER.first_year} and {CENTER.last_year}"]
        if errors:
            raise RuleViolation("the group cannot be formed: see errors", errors=errors)
        group = cls(id=group_id)
        group.record(events.GroupFormed, group_id=group_id, name=name, year=year, theme=theme, description=description)
        return group

    # lifecycle

    def approve(self) -> None:
        """formed → approved; approving an approved group again changes nothing."""
        if self.status == CLOSED:
            raise Conflict("a closed group cannot be approved")
        if self.status == FORMED:
            self.record(events.GroupApproved, group_id=self.id, year=self.year)

    def close(self) -> None:
        """Closing ends the group for good; closing it again changes nothing."""
        if self.status != CLOSED:
            self.record(events.GroupClosed, group_id=self.id, year=self.year)

    # membership

    def current_members(self) -> list[Member]:
        return [member for member in self.members.values() if member.current]

    def member(self, member_id: str) -> Member:
        try:
            return self.members[member_id]
        except KeyError:
            raise NotFound(f"member {member_id} is not in group {self.id}") from None

    def join(
        self,
        member_id: str,
        guardian_name: str,
        district: str,
        phone: str | None,
        children: Sequence[JoiningChild],
        today: date,
        consent: GivenConsent | None,
    ) -> Member:
        """A guardian joins with their children on `today` (the join date), having consented for themselves
        and for every child."""
        if self.status == CLOSED:
            raise Conflict("a closed group takes no members")
        district = normalize_text(district)
        errors = {**_member_errors(guardian_name, district, children, today), **consent_errors(consent, len(children))}
        if errors:
            raise RuleViolation("the member cannot join: see errors", errors=errors)
        assert consent is not None  # consent_errors refused a join without it
        key = guardian_key(guardian_name, phone)
        if any(member.key == key for member in self.current_members()):
            raise Conflict("this guardian (same name and phone) is already a member of the group")
        self.record(
            events.MemberJoined,
            group_id=self.id,
            year=self.year,
            member_id=member_id,
            joined_on=today.isoformat(),
            district=district,
            children=[{"child_id": child.child_id} for child in children],
            consent={
                "notice_version": consent.notice_version,
                "given_at": consent.given_at,
                "items": list(consent.items),
                "children": [children[i].child_id for i in consent.children],
            },
            personal={
                "guardian_name": guardian_name,
                "phone": phone,
                "children": [
                    {"child_id": c.child_id, "name": c.name, "birth_date": c.birth_date.isoformat()} for c in children
                ],
            },
        )
        return self.members[member_id]

    def erase(self, member_id: str, today: date, reason: str, documents: Sequence[str] = ()) -> Member:
        """Erasure (개인정보 삭제): the member leaves the group and their personal data is shredded (the handler
        destroys their key); `documents` are the group's documents the center found naming them, whose files
        activity deletes. Counts that included them stay. Erasing again changes nothing."""
        member = self.member(member_id)
        if not reason.strip():
            raise RuleViolation("the member cannot be erased: see errors", errors={"reason": ["must not be blank"]})
        if member.erased_on is None:
            self.record(
                events.MemberErased,
                group_id=self.id,
                year=self.year,
                member_id=member_id,
                erased_on=today.isoformat(),
                reason=reason,
                documents=list(documents),
            )
        return member

    def due_for_erasure(self, today: date, center: Center = CENTER) -> list[Member]:
        """The members whose personal data's retention period (보유기간, 개인정보 보호법 제21조) has ended on
        `today`: every member not yet erased, current or left, of a closed group whose program year's period is
        over (center.retention_ended). A group still open keeps its members' data, whatever its year."""
        if self.status != CLOSED or not center.retention_ended(self.year, today):
            return []
        return [member for member in self.members.values() if member.erased_on is None]

    def leave(self, member_id: str, today: date) -> Member:
        """A member leaves; the membership stays in the history. Leaving again changes nothing."""
        member = self.member(member_id)
        if member.current:
            self.record(
                events.MemberLeft, group_id=self.id, year=self.year, member_id=member_id, left_on=today.isoformat()
            )
        return member

    # event appliers

    def on_group_formed(self, data: dict) -> None:
        self.name, self.year = data["name"], data["year"]
        self.theme, self.description = data.get("theme"), data.get("description")
        self.status = FORMED

    def on_group_approved(self, data: dict) -> None:
        self.status = APPROVED

    def on_group_closed(self, data: dict) -> None:
        self.status = CLOSED

    def on_member_joined(self, data: dict) -> None:
        member = Member(
            id=data["member_id"],
            guardian_name=ERASED,
            district=data["district"],
            phone=None,
            joined_on=date.fromisoformat(data["joined_on"]),
            children=[Child(c["child_id"], None, ERASED) for c in data["children"]],
            consent=data.get("consent"),
        )
        personal = data["personal"]  # None when the member's key was destroyed (jajo.personal)
        if personal is not None:
            member.guardian_name, member.phone = personal["guardian_name"], personal.get("phone")
            member.children = [
                Child(c["child_id"], date.fromisoformat(c["birth_date"]), c.get("name")) for c in personal["children"]
            ]
        self.members[data["member_id"]] = member

    def on_member_left(self, data: dict) -> None:
        self.members[data["member_id"]].left_on = date.fromisoformat(data["left_on"])

    def on_member_erased(self, data: dict) -> None:
        self.members[data["member_id"]].erase(date.fromisoformat(data["erased_on"]))

    # query document (collection group_views), written in the same transaction as the events

    def view(self) -> dict:
        current = self.current_members()
        return {
            "name": self.name,
            "year": self.year,
            "theme": self.theme,
            "description": self.description,
            "status": self.status,
            "member_count": len(current),
            "children_count": sum(len(member.children) for member in current),
            "members": [member.view() for member in current],
        }


def _member_errors(guardian_name: str, district: str, children: Sequence[JoiningChild], today: date) -> dict:
    errors: dict[str, list[str]] = {}
    if not guardian_name.strip():
        errors["guardian_name"] = ["must not be blank"]
    if district != SERVED_DISTRICT:
        errors["district"] = [f"must be {SERVED_DISTRICT}: the center serves its own district only"]
    if not children:
        errors["children"] = ["at least one child is required"]
    for index, child in enumerate(children):
        if child.birth_date > today:
            errors[f"children.{index}.birth_date"] = ["must not be in the future"]
        elif age_on(child.birth_date, today) >= MAX_CHILD_AGE:
            errors[f"children.{index}.birth_date"] = [
                f"the child must be younger than {MAX_CHILD_AGE} on the join date ({today.isoformat()})"
            ]
    return errors


def consent_errors(consent: GivenConsent | None, children: int) -> dict:
    """Consent for the guardian (the block itself) and for every child (`consent.children` lists each index)."""
    if consent is None:
        return {"consent": ["the guardian's consent to the privacy notice is required"]}
    errors: dict[str, list[str]] = {}
    if not consent.items:
        errors["consent.items"] = ["name at least one consented item"]
    outside = sorted({i for i in consent.children if not 0 <= i < children})
    missing = [i for i in range(children) if i not in consent.children]
    messages = [f"child index {i} is not one of the {children} children" for i in outside]
    messages += [f"no consent for child {i} (children.{i})" for i in missing]
    if messages:
        errors["consent.children"] = messages
    return errors
