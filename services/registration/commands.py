from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.registration.domain import GivenConsent


@dataclass(frozen=True)
class FormGroup:
    name: str
    year: int
    theme: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ApproveGroup:
    group_id: str


@dataclass(frozen=True)
class CloseGroup:
    group_id: str


@dataclass(frozen=True)
class NewChild:
    birth_date: date
    name: str | None = None


@dataclass(frozen=True)
class JoinGroup:
    group_id: str
    guardian_name: str
    district: str
    children: tuple[NewChild, ...] = field(default_factory=tuple)
    phone: str | None = None
    consent: GivenConsent | None = None


@dataclass(frozen=True)
class LeaveGroup:
    group_id: str
    member_id: str


@dataclass(frozen=True)
class EraseMember:
    group_id: str
    member_id: str
    reason: str
    documents: tuple[str, ...] = ()  # activity's documents the center's review found naming the person
