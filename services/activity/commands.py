from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO


@dataclass(frozen=True)
class ScheduleSession:
    group_id: str
    date: date
    start: str
    end: str
    kind: str
    venue: str
    title: str | None = None
    meeting_url: str | None = None
    dial_in: str | None = None


@dataclass(frozen=True)
class ScheduleSeries:
    group_id: str
    first_date: date
    frequency: str  # weekly | monthly
    start: str
    end: str
    kind: str
    venue: str
    title: str | None = None
    interval: int = 1
    count: int | None = None
    until: date | None = None
    meeting_url: str | None = None
    dial_in: str | None = None


@dataclass(frozen=True)
class ReportConnection:
    session_id: str
    member_id: str
    status: str
    note: str | None = None


@dataclass(frozen=True)
class RecordAttendance:
    session_id: str
    guardians: list[str]
    children: list[str]
    notes: str | None = None


@dataclass(frozen=True)
class CancelSession:
    session_id: str
    reason: str | None = None


@dataclass(frozen=True)
class AllocateBudget:
    group_id: str
    year: int
    amount: int


@dataclass(frozen=True)
class ClaimExpense:
    group_id: str
    date: date
    amount: int
    category: str
    session_id: str | None = None
    description: str | None = None
    document_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ApproveExpense:
    expense_id: str


@dataclass(frozen=True)
class RejectExpense:
    expense_id: str
    reason: str


@dataclass(frozen=True)
class AcceptDocument:
    document_id: str


@dataclass(frozen=True)
class ReturnDocument:
    document_id: str
    reason: str


@dataclass(frozen=True)
class SubmitDocument:
    group_id: str
    kind: str
    file: BinaryIO = field(repr=False)  # seekable; read in chunks, never whole
    filename: str
    session_id: str | None = None
    expense_id: str | None = None
