"""The AsyncAPI 3.0 description of a write service's topic, written from its event declarations (the catalogue
`services/<service>/events.py` lists, as docs/events.md is) and the envelope's own rules (jajo.envelope). Each write
service serves its own at `GET /asyncapi.json` (jajo.http.asyncapi); docs/ecosystem.md explains the binding."""

from __future__ import annotations

from typing import Any

from jajo.config import Settings
from jajo.envelope import CONTENT_TYPE, EVENT_ID, STRINGS
from jajo.events import Catalogue, EventType
from jajo.personal import ALGORITHM

ASYNCAPI = "3.0.0"
KAFKA_BINDING = "0.5.0"
SASL_SCHEMES = {"PLAIN": "plain", "SCRAM-SHA-256": "scramSha256", "SCRAM-SHA-512": "scramSha512"}
SEALED = {
    "type": "object",
    "description": "sealed under the data key of the person the event names (jajo/personal.py)",
    "properties": {
        "sealed": {"const": ALGORITHM},
        "key_id": {"type": "string"},
        "nonce": {"type": "string", "contentEncoding": "base64"},
        "ciphertext": {"type": "string", "contentEncoding": "base64"},
    },
    "required": ["sealed", "key_id", "nonce", "ciphertext"],
}


def document(catalogue: Catalogue, settings: Settings) -> dict[str, Any]:
    """The whole document: one server, the catalogue's topic as its one channel, the relay's send operation."""
    channel = catalogue.topic
    address = settings.topic(catalogue.topic)
    return {
        "asyncapi": ASYNCAPI,
        "info": {
            "title": f"Jajo {catalogue.source} events",
            "version": "1.0.0",
            "description": (
                f"The events `{catalogue.source}` publishes on `{catalogue.topic}`: CloudEvents 1.0 in the Kafka "
                "protocol binding's structured content mode (the whole JSON envelope is the value, header "
                f"`content-type: {CONTENT_TYPE}`), keyed by the envelope's `subject`. See docs/events.md and "
                "docs/ecosystem.md."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"kafka": _server(settings)},
        "channels": {
            channel: {
                "address": address,
                "title": catalogue.topic,
                "description": (
                    f"`{catalogue.topic}` with the deployment's topic prefix (JAJO_TOPIC_PREFIX, here "
                    f"`{settings.topic_prefix}`). Every record of one subject goes to one partition, in commit order."
                ),
                "servers": [{"$ref": "#/servers/kafka"}],
                "messages": {event.name: {"$ref": f"#/components/messages/{event.name}"} for event in catalogue.types},
                "bindings": {
                    "kafka": {
                        "topic": address,
                        "partitions": settings.topic_partitions,
                        "bindingVersion": KAFKA_BINDING,
                    }
                },
            }
        },
        "operations": {
            f"publish{catalogue.source.title()}Events": {
                "action": "send",
                "title": f"{catalogue.source}'s outbox relay publishes",
                "summary": "At least once, in commit order per subject; consumers dedupe by the envelope's `id`.",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [{"$ref": f"#/channels/{channel}/messages/{event.name}"} for event in catalogue.types],
            }
        },
        "components": {
            "messages": {event.name: _message(catalogue, event) for event in catalogue.types},
            "correlationIds": {
                "correlationid": {
                    "description": "the id shared by every event one request caused, and by the events they caused",
                    "location": "$message.payload#/correlationid",
                }
            },
        },
    }


def _server(settings: Settings) -> dict[str, Any]:
    server: dict[str, Any] = {
        "host": settings.kafka_bootstrap_servers,
        "protocol": "kafka-secure" if settings.kafka_security_protocol.startswith("SASL_SSL") else "kafka",
        "description": "The deployment's brokers (KAFKA_BOOTSTRAP_SERVERS).",
    }
    scheme = SASL_SCHEMES.get(settings.kafka_sasl_mechanism or "")
    if scheme:
        server["security"] = [{"type": scheme, "description": "a SCRAM user per service (docker-compose.yml)"}]
    return server


def _message(catalogue: Catalogue, event: EventType) -> dict[str, Any]:
    return {
        "name": event.name,
        "title": event.name,
        "summary": f"subject: {event.subject}; data: {event.described_fields()}",
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}},
            "required": ["content-type"],
        },
        "payload": envelope_schema(catalogue, event),
        "correlationId": {"$ref": "#/components/correlationIds/correlationid"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"the envelope's `subject` ({event.subject}), UTF-8"},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


OPTIONAL = ("actorvia", "traceparent", "tracestate")  # present only when a portal acted, or a trace was on


def envelope_schema(catalogue: Catalogue, event: EventType) -> dict[str, Any]:
    """The JSON Schema (draft 7) of one event type's envelope. Open to other extension attributes (CloudEvents
    lets any hop add some); `data` holds exactly the declared fields."""
    properties: dict[str, Any] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "pattern": EVENT_ID.pattern},
        "source": {"const": f"/{catalogue.source}"},
        "type": {"const": event.name},
        "subject": {"type": "string", "minLength": 1, "description": event.subject},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "data": _data_schema(event),
        "aggregateversion": {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
        "aggregatetype": {"type": "string"},
        "correlationid": {"type": "string"},
        "causationid": {"type": "string"},
        "actor": {"type": "string", "description": "`<role>:<name>`, or `system` for a service's own workers"},
        "dataversion": {"const": event.dataversion},
        "actorvia": {"type": "string", "description": "`portal:<token name>` when a portal acted for `actor`"},
        "traceparent": {"type": "string", "description": "W3C trace context (CloudEvents distributed tracing)"},
        "tracestate": {"type": "string", "description": "W3C trace state, with `traceparent`"},
    }
    for name, (_required, longest) in STRINGS.items():
        if "const" not in properties[name]:
            properties[name]["maxLength"] = longest
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in OPTIONAL],
    }


def _data_schema(event: EventType) -> dict[str, Any]:
    def field(name: str) -> dict[str, Any]:
        if name in event.personal:
            return SEALED
        return {"description": event.shapes[name]} if name in event.shapes else {}

    return {
        "type": "object",
        "properties": {name: field(name) for name in event.fields},
        "required": list(event.fields),
        "additionalProperties": False,
    }
