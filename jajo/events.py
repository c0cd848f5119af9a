"""Declared events: each service lists its event types once, in `services/<svc>/events.py`.

An `EventType` names one type, the fields of its `data` (every one present, `null` when not given) and its
`dataversion`. Aggregates record through it (`Aggregate.record` checks the fields), consumers and projectors
match on it, and `python -m jajo.events_doc` writes docs/events.md from the catalogues.

`viewer_fields` is the allow-list of the `data` fields a `viewer` may read in reporting's audit: never
`personal`, no free text written about what happened or who (notes, reasons, descriptions, filenames, meeting
links, dial-ins, connection notes, expense categories), no survey answers; ids, dates, counts, amounts, statuses and
the names staff give to groups, sessions and surveys. A field not listed is hidden from viewers, so a new field
stays hidden until it is declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

PERSONAL = "personal"  # the one field that holds personal data (docs/events.md)


@dataclass(frozen=True)
class EventType:
    name: str
    subject: str  # what the envelope's `subject` is, as the catalogue says it ("group id", "`space:<space>:<date>`")
    fields: tuple[str, ...]
    dataversion: int = 1
    shapes: Mapping[str, str] = field(default_factory=dict)  # a nested field's shape, for the catalogue
    personal: tuple[str, ...] = ()  # fields stored sealed under the data key of the person `owner` names
    owner: str | None = None  # the field holding that person's id (jajo.personal)
    key_prefix: str = ""  # the data key's id is this + the owner's id (`document:` keeps documents apart)
    people: tuple[str, ...] = ()  # fields naming members (an id or a list of ids): whom the event is about
    viewer_fields: tuple[str, ...] = ()  # what a viewer may read of `data` (reporting's audit); the rest is hidden

    def __post_init__(self) -> None:
        if self.personal and (self.owner not in self.fields or not set(self.personal) <= set(self.fields)):
            raise TypeError(f"{self.name}: personal fields and their owner must be declared fields")
        if not set(self.people) <= set(self.fields):
            raise TypeError(f"{self.name}: the fields naming people must be declared fields")
        stray = [
            name for name in self.viewer_fields if name not in self.fields or name == PERSONAL or name in self.personal
        ]
        if stray:
            raise TypeError(f"{self.name}: viewer_fields {stray} are not declared fields, or are personal data")

    def people_named(self, data: Mapping[str, Any]) -> list[str]:
        """The member ids the event's `data` names, in field order."""
        named: list[str] = []
        for name in self.people:
            value = data.get(name)
            named += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]
        return named

    def for_viewers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`data` as a viewer may read it: the allowed fields only."""
        return {name: data[name] for name in self.viewer_fields if name in data}

    def data(self, **values: Any) -> dict[str, Any]:
        """The event's `data`, in the declared order; a missing or undeclared field is a programming error."""
        missing = [name for name in self.fields if name not in values]
        unknown = [name for name in values if name not in self.fields]
        if missing or unknown:
            raise TypeError(f"{self.name}: missing fields {missing}, undeclared fields {unknown}")
        return {name: values[name] for name in self.fields}

    def described_fields(self) -> str:
        def described(name: str) -> str:
            label = f"{name} (sealed)" if name in self.personal else name
            return f"{label}: {self.shapes[name]}" if name in self.shapes else label

        return ", ".join(described(name) for name in self.fields)


@dataclass(frozen=True)
class Catalogue:
    """One topic's event types, in the order the catalogue lists them, and its prose for docs/events.md."""

    topic: str
    source: str
    types: tuple[EventType, ...]
    notes: str = ""

    @property
    def names(self) -> frozenset[str]:
        return frozenset(event.name for event in self.types)

    def __getitem__(self, name: str) -> EventType:
        for event in self.types:
            if event.name == name:
                return event
        raise KeyError(name)
