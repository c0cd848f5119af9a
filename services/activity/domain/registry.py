"""What activity knows of registration's groups: facts projected from `registration.events`."""

from __future__ import annotations

from dataclasses import dataclass, field

from jajo.errors import Conflict, RuleViolation


@dataclass(frozen=True)
class GroupFacts:
    group_id: str
    year: int | None
    approved: bool = False
    closed: bool = False
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # current member id -> child ids

    def require_active(self) -> None:
        """Sessions are scheduled only for approved groups that are not closed."""
        if self.closed:
            raise Conflict(f"group {self.group_id} is closed")
        if not self.approved:
            # approval may be on its way from registration, as a join is: worth a retry
            raise Conflict(f"group {self.group_id} is not approved yet", retry_after=1)

    def check_attendance(self, guardians: list[str], children: list[str]) -> None:
        """Every guardian a current member, every child a child of a current member, nobody twice."""
        current_children = {child for kids in self.members.values() for child in kids}
        errors: dict[str, list[str]] = {}
        for name, ids, known, what in (
            ("guardians", guardians, self.members, "a current member"),
            ("children", children, current_children, "a child of a current member"),
        ):
            messages = [f"{i} is listed more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
            messages += [f"{i} is not {what} of group {self.group_id}" for i in dict.fromkeys(ids) if i not in known]
            if messages:
                errors[name] = messages
        if errors:
            raise RuleViolation("the attendance lists people who cannot attend this group's session", errors=errors)
