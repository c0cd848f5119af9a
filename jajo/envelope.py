"""The CloudEvents 1.0 structured envelope of the portal contract."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from jajo import safejson, tracing
from jajo.domain import DomainEvent

REQUIRED = ("specversion", "id", "source", "type", "subject", "time", "data", "aggregateversion")
KNOWN_DATAVERSION = 1
#: CloudEvents' Kafka protocol binding, structured content mode: the whole envelope is the value, this header says so
CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
KAFKA_HEADERS = [("content-type", CONTENT_TYPE.encode("ascii"))]
#: Jajo's CloudEvents extension attributes (names of a-z and 0-9, at most 20 characters, as the spec asks)
EXTENSIONS = (
    "aggregateversion",
    "aggregatetype",
    "correlationid",
    "causationid",
    "actor",
    "dataversion",
    "actorvia",
    "traceparent",  # the CloudEvents distributed-tracing extension (jajo/tracing.py)
    "tracestate",
)


class EnvelopeError(ValueError):
    """A message that is not a usable Jajo event envelope; `kind` is one of DEAD_LETTER_KINDS (a metric label)."""

    def __init__(self, reason: str, kind: str = "invalid_envelope"):
        super().__init__(reason)
        self.kind = kind


#: why a message became a dead letter, in classes few enough for a metric label (jajo_dead_letters_total): the
#: envelope's, and `unapplicable` for an envelope its projection could not apply
DEAD_LETTER_KINDS = (
    "not_json",
    "unsafe_json",
    "invalid_envelope",
    "unknown_type",
    "unknown_dataversion",
    "unapplicable",
)


@dataclass(frozen=True)
class Context:
    """Who asked and in which chain of events: carried into every envelope."""

    actor: str = "system"
    correlation_id: str | None = None
    causation_id: str | None = None
    via: str | None = None  # `portal:<token name>` when a portal acted for `actor`


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def wrap(event: DomainEvent, *, source: str, subject: str, aggregate_type: str, context: Context) -> dict:
    event_id = uuid.uuid4().hex
    correlation_id = context.correlation_id or event_id
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": f"/{source}",
        "type": event.type,
        "subject": subject,
        "time": now_rfc3339(),
        "datacontenttype": "application/json",
        "data": event.data,
        "aggregateversion": event.aggregate_version,
        "aggregatetype": aggregate_type,
        "correlationid": correlation_id,
        "causationid": context.causation_id or correlation_id,
        "actor": context.actor,
        "dataversion": event.dataversion,
    }
    if context.via:
        envelope["actorvia"] = context.via
    if tracing.enabled():
        envelope.update(tracing.trace_fields())
    return envelope


def build(
    event_type: str,
    data: dict,
    *,
    subject: str,
    source: str,
    aggregate_type: str,
    version: int = 1,
    actor: str = "system",
    time: str | None = None,
    event_id: str | None = None,
) -> dict:
    """One event's envelope as a unit of work wraps it, for what feeds stores and consumers by hand (tests,
    benchmarks); `time` and `event_id` pin what is otherwise the clock and a random id."""
    envelope = wrap(
        DomainEvent(event_type, data, KNOWN_DATAVERSION, version),
        source=source,
        subject=subject,
        aggregate_type=aggregate_type,
        context=Context(actor=actor),
    )
    if time is not None:
        envelope["time"] = time
    if event_id is not None:
        envelope.update(id=event_id, correlationid=event_id, causationid=event_id)
    return envelope


def unwrap(envelope: dict) -> DomainEvent:
    return DomainEvent(envelope["type"], envelope["data"], envelope.get("dataversion", 1), envelope["aggregateversion"])


def encode(envelope: dict) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes | None, known_types: frozenset[str] | None = None) -> dict:
    """Parse and check a message value; raise EnvelopeError saying why it cannot be used.

    Any bytes at all may arrive on a topic, so every field is checked for its JSON type and range, and the
    whole document for what MongoDB or Python could not hold later (lone surrogates, NUL in a name,
    integers beyond 64 bits, NaN, nesting deeper than MAX_DEPTH): whatever passes can be stored and
    projected, whatever fails becomes a dead letter with this reason instead of stalling the partition."""
    try:
        envelope: Any = safejson.loads(raw or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc.msg if hasattr(exc, 'msg') else exc}", "not_json") from None
    except safejson.UnsafeJSON as exc:
        raise EnvelopeError(str(exc), "unsafe_json") from None
    if not isinstance(envelope, dict):
        raise EnvelopeError("envelope is not a JSON object")
    missing = [name for name in REQUIRED if name not in envelope]
    if missing:
        raise EnvelopeError(f"envelope lacks {', '.join(missing)}")
    if envelope["specversion"] != "1.0":
        raise EnvelopeError(f"unsupported specversion {_shown(envelope['specversion'])}")
    _check_fields(envelope)
    if known_types is not None and envelope["type"] not in known_types:
        raise EnvelopeError(f"unknown event type {envelope['type']!r}", "unknown_type")
    return envelope


EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
EVENT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,99}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: the envelope's own string fields: (required, longest)
STRINGS = {
    "id": (True, 128),
    "type": (True, 100),
    "subject": (True, 200),
    "source": (True, 200),
    "time": (True, 40),
    "datacontenttype": (False, 100),
    "aggregatetype": (False, 100),
    "correlationid": (False, 300),
    "causationid": (False, 300),
    "actor": (False, 300),
    # the CloudEvents distributed-tracing extension (W3C trace context: 55 characters in version 00, 512 and more
    # in a tracestate are allowed to be cut)
    "traceparent": (False, 128),
    "tracestate": (False, 512),
}


def _shown(value: Any) -> str:
    return repr(value)[:60]


def _check_fields(envelope: dict) -> None:
    for name, (required, longest) in STRINGS.items():
        value = envelope.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not value:
            raise EnvelopeError(f"{name} is not a non-empty string")
        if len(value) > longest or _CONTROL.search(value):
            raise EnvelopeError(f"{name} is longer than {longest} characters or holds control characters")
    if not EVENT_ID.fullmatch(envelope["id"]):
        raise EnvelopeError("id is not a plain token (letters, digits, . _ : -)")
    if not EVENT_TYPE.fullmatch(envelope["type"]):
        raise EnvelopeError("type is not an event type name")
    _check_time(envelope["time"])
    version = envelope["aggregateversion"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**53:
        raise EnvelopeError("aggregateversion is not a positive integer")
    if not isinstance(envelope["data"], dict):
        raise EnvelopeError("data is not an object")
    dataversion = envelope.get("dataversion", 1)
    if isinstance(dataversion, bool) or dataversion != KNOWN_DATAVERSION:
        raise EnvelopeError(f"unknown dataversion {_shown(dataversion)}", "unknown_dataversion")


def _check_time(text: str) -> None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EnvelopeError("time is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None or "T" not in text.upper():
        raise EnvelopeError("time has no time zone")
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise EnvelopeError("time is out of range once converted to UTC") from None
