"""Pure-Python building blocks for event-sourced aggregates."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable

from jajo.events import EventType


@dataclass(frozen=True)
class DomainEvent:
    """What happened, before it gets its envelope: a type name, its data and the schema version."""

    type: str
    data: dict[str, Any]
    dataversion: int = 1
    aggregate_version: int = 0


def new_id() -> str:
    return uuid.uuid4().hex


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass
class Aggregate:
    """State is only ever changed by applying events; `pending` holds the ones not yet stored."""

    id: str
    version: int = 0
    pending: list[DomainEvent] = field(default_factory=list, repr=False)

    aggregate_type: ClassVar[str] = "aggregate"  # the envelope's `aggregatetype`

    @classmethod
    def rehydrate(cls, aggregate_id: str, events: Iterable[DomainEvent]):
        aggregate = cls(id=aggregate_id)
        for event in events:
            aggregate._apply(event)
        return aggregate

    def record(self, event_type: EventType, **data: Any) -> DomainEvent:
        """Apply and keep a new event of a declared type (its fields are checked against the declaration)."""
        event = DomainEvent(event_type.name, event_type.data(**data), event_type.dataversion, self.version + 1)
        self._apply(event)
        self.pending.append(event)
        return event

    def _apply(self, event: DomainEvent) -> None:
        handler = getattr(self, f"on_{_snake(event.type)}", None)
        if handler is None:
            raise TypeError(f"{type(self).__name__} cannot apply {event.type}")
        handler(event.data)
        self.version += 1

    def take_pending(self) -> list[DomainEvent]:
        events, self.pending = self.pending, []
        return events
