"""The CloudEvents 1.0 structured envelope of the portal contract."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from jajo.domain import DomainEvent

REQUIRED = ("specversion", "id", "source", "type", "subject", "time", "data", "aggregateversion")
KNOWN_DATAVERSION = 1


class EnvelopeError(ValueError):
    """A message that is not a usable Jajo event envelope."""


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
    return envelope


def unwrap(envelope: dict) -> DomainEvent:
    return DomainEvent(
        envelope["type"], envelope["data"], envelope.get("dataversion", 1), envelope["aggregateversion"]
    )


def encode(envelope: dict) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes | None, known_types: frozenset[str] | None = None) -> dict:
    """Parse and check a message value; raise EnvelopeError saying why it cannot be used."""
    try:
        envelope: Any = json.loads(raw or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    if not isinstance(envelope, dict):
        raise EnvelopeError("envelope is not a JSON object")
    missing = [name for name in REQUIRED if name not in envelope]
    if missing:
        raise EnvelopeError(f"envelope lacks {', '.join(missing)}")
    if envelope["specversion"] != "1.0":
        raise EnvelopeError(f"unsupported specversion {envelope['specversion']!r}")
    if not isinstance(envelope["data"], dict):
        raise EnvelopeError("data is not an object")
    if not isinstance(envelope["aggregateversion"], int) or envelope["aggregateversion"] < 1:
        raise EnvelopeError("aggregateversion is not a positive integer")
    if envelope.get("dataversion", 1) != KNOWN_DATAVERSION:
        raise EnvelopeError(f"unknown dataversion {envelope.get('dataversion')!r}")
    if known_types is not None and envelope["type"] not in known_types:
        raise EnvelopeError(f"unknown event type {envelope['type']!r}")
    return envelope
