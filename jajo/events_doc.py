"""docs/events.md, written from the services' event declarations: `python -m jajo.events_doc` writes it,
`--check` exits 1 when the file and the declarations differ (a unit test runs the same comparison)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from jajo.envelope import CONTENT_TYPE
from jajo.events import Catalogue, EventType

CATALOGUES = ("services.registration.events", "services.activity.events", "services.survey.events")
DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"

PREAMBLE = f"""\
Written from the declarations in `services/<service>/events.py` by `make events-doc` (a test fails when this
file and they differ): change the declarations, not this file.

Every event travels in the CloudEvents envelope of `../shared/contract/api.md` (built by
`jajo.envelope.wrap`): `specversion`, `id`, `source`, `type`, `subject` (the aggregate id),
`time`, `datacontenttype`, `data`, `aggregateversion`, `aggregatetype`, `correlationid`,
`causationid`, `actor`, `dataversion`, and `actorvia` when a portal acted for a person.
On Kafka the envelope is the record's value in the CloudEvents Kafka binding's structured mode (header
`content-type: {CONTENT_TYPE}`, key = `subject`): docs/ecosystem.md, and each write
service's `GET /asyncapi.json`.

`actor` is who asked: `<role>:<token name>` for a token used directly (`staff:alice`), or the signed-in person a
`portal` token named in `X-Jajo-Actor` (`staff:<username>`, `viewer:<username>`, `guardian:<member_id>`). In that
case the extension attribute `actorvia` = `portal:<token name>` says through which portal; it is absent
otherwise (CloudEvents attributes are never null). Events of the services' own workers carry `actor` `system`.

While tracing is on (docs/observability.md), an event also carries the CloudEvents distributed-tracing extension:
`traceparent` (and `tracestate`, if any), the W3C trace context of the command that caused it.

Events are **self-contained**: each carries what a consumer needs to project it without
looking up another event (a `SessionHeld` repeats the session's date, kind, venue and times),
so projections commute and events of different topics may arrive in any order.

**Personal data** (guardian names and phones, children's names and birth dates) is kept only
under `data.personal`, and that field is **sealed**: stored and published encrypted under the member's own
data key (AES-256-GCM, jajo/personal.py), the key kept apart in the `keys` database. Erasure destroys the
key, so every copy of the event keeps its ciphertext and no copy opens again. Fields marked `(sealed)` below
are sealed; nothing else identifies a person except opaque ids (free text, such as notes and reasons, must not
name one; viewers never see it).

**What viewers see** in reporting's audit (`viewers see` below, `EventType.viewer_fields`): an allow-list of
`data` fields per type — ids, dates, counts, amounts, statuses and the names staff give to groups, sessions and
surveys; never `personal`, free text (notes, reasons, descriptions, filenames, meeting links, dial-ins, expense
categories) or survey answers. A type not declared here shows viewers no `data` at all. Staff see everything but
`personal`, which they ask for with `personal=true`.

Dates are `YYYY-MM-DD`, times `HH:MM`, amounts whole KRW (integers).
"""


def catalogues() -> list[Catalogue]:
    return [importlib.import_module(name).CATALOGUE for name in CATALOGUES]


def declared_types() -> dict[str, EventType]:
    """Every service's event types by name."""
    return {event.name: event for catalogue in catalogues() for event in catalogue.types}


def render(catalogues: list[Catalogue]) -> str:
    versions = sorted({event.dataversion for catalogue in catalogues for event in catalogue.types})
    parts = [f"# Event catalogue (`dataversion` {', '.join(map(str, versions))})\n", PREAMBLE]
    for catalogue in catalogues:
        rows = "".join(
            f"| `{event.name}` | {event.subject} | `{event.described_fields()}` | {_viewers(event)} |\n"
            for event in catalogue.types
        )
        parts.append(
            f"## {catalogue.topic} (source `/{catalogue.source}`)\n\n"
            "| type | subject | data | viewers see |\n| --- | --- | --- | --- |\n" + rows
        )
        if catalogue.notes:
            parts.append(catalogue.notes)
    return "\n".join(parts)


def _viewers(event: EventType) -> str:
    hidden = [name for name in event.fields if name not in event.viewer_fields]
    if not hidden:
        return "all"
    return "all but " + ", ".join(f"`{name}`" for name in hidden) if event.viewer_fields else "nothing"


def main(argv: list[str]) -> int:
    text = render(catalogues())
    if "--check" in argv:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} differs from the event declarations: run python -m jajo.events_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
