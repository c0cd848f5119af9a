"""Venues and the center's spaces: capacity and opening hours, and the space-day booking aggregate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jajo.center import CENTER
from jajo.domain import Aggregate
from jajo.errors import Conflict
from services.activity import events

CENTER_SPACES = CENTER.space_names
EXTERNAL, ONLINE = "external", "online"
VENUES = (*CENTER_SPACES, EXTERNAL, ONLINE)


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def overlaps(start_a: str, end_a: str, start_b: str, end_b: str) -> bool:
    """Half-open intervals: a session ending at 12:00 and one starting at 12:00 do not overlap."""
    return minutes(start_a) < minutes(end_b) and minutes(start_b) < minutes(end_a)


@dataclass(frozen=True)
class Space:
    name: str
    capacity: int
    opens: str = "09:00"
    closes: str = "18:00"

    def is_open(self, start: str, end: str) -> bool:
        return minutes(self.opens) <= minutes(start) and minutes(end) <= minutes(self.closes)

    def as_dict(self) -> dict:
        return {"name": self.name, "capacity": self.capacity, "opens": self.opens, "closes": self.closes}


DEFAULT_SPACES = {space.name: Space(space.name, space.capacity, space.opens, space.closes) for space in CENTER.spaces}


def load_spaces(config: str | dict | None) -> dict[str, Space]:
    """The defaults, overridden per space by a dict or JSON text: {"키움터": {"capacity": 25, "closes": "20:00"}}."""
    overrides = json.loads(config) if isinstance(config, str) and config.strip() else (config or {})
    if not isinstance(overrides, dict):
        raise ValueError("space configuration must be a JSON object keyed by space name")
    spaces = dict(DEFAULT_SPACES)
    for name, values in overrides.items():
        if name not in spaces or not isinstance(values, dict) or set(values) - {"capacity", "opens", "closes"}:
            raise ValueError(f"space configuration: unknown space or setting in {name!r}")
        base = spaces[name].as_dict()
        space = Space(**{**base, **values})
        if not isinstance(space.capacity, int) or space.capacity < 1 or minutes(space.opens) >= minutes(space.closes):
            raise ValueError(f"space configuration of {name}: capacity must be >= 1 and opens before closes")
        spaces[name] = space
    return spaces


def space_day_id(space: str, date: str) -> str:
    return f"space:{space}:{date}"


@dataclass
class SpaceDay(Aggregate):
    """One center space on one date. Its version makes 'no two live sessions overlap' atomic:
    two concurrent bookings both try to append the same (aggregate, version) and one loses."""

    aggregate_type = "space_day"
    bookings: dict[str, dict] = field(default_factory=dict)

    @property
    def space(self) -> str:
        return self.id.split(":", 2)[1]

    @property
    def date(self) -> str:
        return self.id.split(":", 2)[2]

    def clash(self, start: str, end: str) -> dict | None:
        return next((b for b in self.bookings.values() if overlaps(start, end, b["start"], b["end"])), None)

    def book(self, session_id: str, group_id: str, start: str, end: str) -> None:
        taken = self.clash(start, end)
        if taken is not None:
            raise Conflict(
                f"{self.space} is booked on {self.date} from {taken['start']} to {taken['end']}",
                errors={
                    "start": [f"overlaps the booking {taken['start']}–{taken['end']} of session {taken['session_id']}"]
                },
            )
        self.record(
            events.SpaceBooked,
            space=self.space,
            date=self.date,
            session_id=session_id,
            start=start,
            end=end,
            group_id=group_id,
        )

    def release(self, session_id: str) -> None:
        if session_id in self.bookings:
            self.record(events.SpaceReleased, space=self.space, date=self.date, session_id=session_id)

    def on_space_booked(self, data: dict) -> None:
        self.bookings[data["session_id"]] = {
            "session_id": data["session_id"],
            "group_id": data.get("group_id"),
            "start": data["start"],
            "end": data["end"],
        }

    def on_space_released(self, data: dict) -> None:
        self.bookings.pop(data["session_id"], None)

    def view(self) -> dict:
        return {
            "space": self.space,
            "date": self.date,
            "bookings": sorted(self.bookings.values(), key=lambda b: b["start"]),
        }
