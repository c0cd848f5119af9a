"""Sessions (모임 활동): scheduled → held | cancelled, and recurring series of them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date as Date, timedelta

from jajo.domain import Aggregate
from jajo.errors import Conflict, RuleViolation
from services.activity import events
from services.program.rules import CONNECTION_STATUSES
from services.activity.domain.registry import GroupFacts
from services.activity.domain.spaces import CENTER_SPACES, ONLINE, VENUES, Space, minutes

KINDS = ("regular", "special", "online")
SCHEDULED, HELD, CANCELLED = "scheduled", "held", "cancelled"
LIVE = (SCHEDULED, HELD)
MAX_SERIES = 60
NOTE_MAX = 500


def check_slot(
    kind: str,
    venue: str,
    start: str,
    end: str,
    spaces: dict[str, Space],
    meeting_url: str | None = None,
    dial_in: str | None = None,
) -> None:
    """The rules of one session's kind, venue, times and (online only) meeting link; raises RuleViolation
    naming the fields."""
    errors: dict[str, list[str]] = {}
    for name, value in (("meeting_url", meeting_url), ("dial_in", dial_in)):
        if value is not None and kind != ONLINE:
            errors[name] = ["only an online session (온라인 간담회) has one"]
    if meeting_url is not None and not meeting_url.lower().startswith("https://"):
        errors["meeting_url"] = ["must be an https:// URL"]
    if kind not in KINDS:
        errors["kind"] = [f"must be one of {', '.join(KINDS)}"]
    if venue not in VENUES:
        errors["venue"] = [f"must be one of {', '.join(VENUES)}"]
    elif (kind == ONLINE) != (venue == ONLINE) and kind in KINDS:
        errors["venue"] = ["an online session (온라인 간담회) has venue online, and only it does"]
    if minutes(end) <= minutes(start):
        errors["end"] = ["must be after start"]
    elif venue in CENTER_SPACES and venue in spaces and not spaces[venue].is_open(start, end):
        space = spaces[venue]
        errors["start"] = [f"{venue} is open {space.opens}–{space.closes}; the session must fit in these hours"]
    if errors:
        raise RuleViolation("the session's kind, venue or times break a rule", errors=errors)


@dataclass
class Session(Aggregate):
    aggregate_type = "session"
    group_id: str = ""
    date: str = ""
    start: str = ""
    end: str = ""
    kind: str = ""  # regular | special | online
    venue: str = ""
    title: str | None = None
    series_id: str | None = None
    meeting_url: str | None = None
    dial_in: str | None = None
    status: str = ""
    guardian_ids: list[str] = field(default_factory=list)
    child_ids: list[str] = field(default_factory=list)
    notes: str | None = None
    reason: str | None = None
    connections: dict[str, dict] = field(default_factory=dict)  # member id -> its latest report

    @classmethod
    def schedule(
        cls,
        session_id: str,
        group: GroupFacts,
        day: Date,
        start: str,
        end: str,
        kind: str,
        venue: str,
        spaces: dict[str, Space],
        title: str | None = None,
        series_id: str | None = None,
        meeting_url: str | None = None,
        dial_in: str | None = None,
    ) -> "Session":
        group.require_active()
        check_slot(kind, venue, start, end, spaces, meeting_url, dial_in)
        session = cls(id=session_id)
        session.record(
            events.SessionScheduled,
            session_id=session_id,
            group_id=group.group_id,
            date=day.isoformat(),
            start=start,
            end=end,
            kind=kind,
            venue=venue,
            title=title,
            series_id=series_id,
            meeting_url=meeting_url,
            dial_in=dial_in,
        )
        return session

    @property
    def in_center(self) -> bool:
        return self.venue in CENTER_SPACES

    @property
    def year(self) -> int:
        return int(self.date[:4])

    def _facts(self) -> dict:
        return {
            "session_id": self.id,
            "group_id": self.group_id,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "venue": self.venue,
        }

    def hold(self, group: GroupFacts, guardians: list[str], children: list[str], notes: str | None = None) -> None:
        if self.status == HELD:
            raise Conflict(f"session {self.id} was already held; attendance is recorded once")
        if self.status == CANCELLED:
            raise Conflict(f"session {self.id} was cancelled")
        group.check_attendance(guardians, children)
        self.record(
            events.SessionHeld,
            **self._facts(),
            guardian_ids=list(guardians),
            child_ids=list(children),
            parents=len(guardians),
            children=len(children),
            notes=notes,
        )

    def report_connection(self, group: GroupFacts, member_id: str, status: str, note: str | None = None) -> None:
        """A guardian's connection to a held online session; a repeat replaces the guardian's earlier report."""
        if self.kind != ONLINE or self.status != HELD:
            raise Conflict(f"session {self.id} is not a held online session; connections are reported after it")
        errors: dict[str, list[str]] = {}
        if member_id not in group.members:
            errors["member_id"] = [f"{member_id} is not a current member of group {self.group_id}"]
        if status not in CONNECTION_STATUSES:
            errors["status"] = [f"must be one of {', '.join(CONNECTION_STATUSES)}"]
        if note is not None and len(note) > NOTE_MAX:
            errors["note"] = [f"at most {NOTE_MAX} characters"]
        if errors:
            raise RuleViolation("the connection report breaks a rule", errors=errors)
        report_no = self.connections.get(member_id, {}).get("report_no", 0) + 1
        self.record(
            events.ConnectionReported,
            **self._facts(),
            member_id=member_id,
            status=status,
            note=note,
            report_no=report_no,
        )

    def cancel(self, reason: str | None = None) -> bool:
        """True when this call cancelled it (cancelling a cancelled session changes nothing)."""
        if self.status == HELD:
            raise Conflict(f"session {self.id} was held and cannot be cancelled")
        if self.status == CANCELLED:
            return False
        self.record(events.SessionCancelled, **self._facts(), reason=reason)
        return True

    def on_session_scheduled(self, data: dict) -> None:
        self.group_id, self.date, self.start, self.end = data["group_id"], data["date"], data["start"], data["end"]
        self.kind, self.venue, self.title = data["kind"], data["venue"], data.get("title")
        self.series_id, self.status = data.get("series_id"), SCHEDULED
        self.meeting_url, self.dial_in = data.get("meeting_url"), data.get("dial_in")

    def on_connection_reported(self, data: dict) -> None:
        self.connections[data["member_id"]] = {
            "member_id": data["member_id"],
            "status": data["status"],
            "note": data.get("note"),
            "report_no": data["report_no"],
        }

    def on_session_held(self, data: dict) -> None:
        self.status, self.notes = HELD, data.get("notes")
        self.guardian_ids, self.child_ids = list(data["guardian_ids"]), list(data["child_ids"])

    def on_session_cancelled(self, data: dict) -> None:
        self.status, self.reason = CANCELLED, data.get("reason")

    def view(self) -> dict:
        return {
            "group_id": self.group_id,
            "year": self.year,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "venue": self.venue,
            "title": self.title,
            "series_id": self.series_id,
            "status": self.status,
            "guardian_ids": self.guardian_ids,
            "child_ids": self.child_ids,
            "parents": len(self.guardian_ids),
            "children": len(self.child_ids),
            "notes": self.notes,
            "reason": self.reason,
            "meeting_url": self.meeting_url,
            "dial_in": self.dial_in,
            "connections": sorted(self.connections.values(), key=lambda c: c["member_id"]),
        }


def _add_months(day: Date, months: int, anchor_day: int) -> Date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return Date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def series_dates(
    first: Date, frequency: str, *, interval: int = 1, count: int | None = None, until: Date | None = None
) -> list[Date]:
    """Weekly: every `interval` weeks. Monthly: the same day of the month (the month's last day when it is shorter)."""
    if (count is None) == (until is None):
        raise RuleViolation("give either count or until", errors={"count": ["give either count or until, not both"]})
    if until is not None and until < first:
        raise RuleViolation("until is before the first date", errors={"until": ["must not be before first_date"]})
    dates: list[Date] = []
    for n in range(MAX_SERIES + 1):
        day = (
            first + timedelta(weeks=n * interval)
            if frequency == "weekly"
            else _add_months(first, n * interval, first.day)
        )
        if (count is not None and n >= count) or (until is not None and day > until):
            break
        dates.append(day)
    if len(dates) > MAX_SERIES:
        raise RuleViolation(
            f"a series has at most {MAX_SERIES} sessions", errors={"until": [f"at most {MAX_SERIES} sessions"]}
        )
    return dates
