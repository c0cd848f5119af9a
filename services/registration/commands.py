from __future__ import annotations

from dataclasses import dataclass


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
