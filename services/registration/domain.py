"""Registration's domain: a self-help group and its lifecycle. Pure Python, no I/O."""
from __future__ import annotations

from dataclasses import dataclass

from jajo.domain import Aggregate
from jajo.errors import Conflict

FORMED, APPROVED, CLOSED = "formed", "approved", "closed"


@dataclass
class Group(Aggregate):
    kind = "group"
    name: str = ""
    year: int = 0
    theme: str | None = None
    description: str | None = None
    status: str = ""

    @classmethod
    def form(cls, group_id: str, name: str, year: int, theme: str | None = None, description: str | None = None):
        group = cls(id=group_id)
        group.record("GroupFormed", group_id=group_id, name=name, year=year, theme=theme, description=description)
        return group

    def approve(self) -> None:
        if self.status == CLOSED:
            raise Conflict("a closed group cannot be approved")
        if self.status == FORMED:
            self.record("GroupApproved", group_id=self.id, year=self.year)

    def close(self) -> None:
        if self.status != CLOSED:
            self.record("GroupClosed", group_id=self.id, year=self.year)

    def on_group_formed(self, data: dict) -> None:
        self.name, self.year = data["name"], data["year"]
        self.theme, self.description = data.get("theme"), data.get("description")
        self.status = FORMED

    def on_group_approved(self, data: dict) -> None:
        self.status = APPROVED

    def on_group_closed(self, data: dict) -> None:
        self.status = CLOSED

    def view(self) -> dict:
        return {
            "name": self.name, "year": self.year, "theme": self.theme,
            "description": self.description, "status": self.status,
        }
