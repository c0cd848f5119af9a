import json
import re

import pytest

from jajo.domain import DomainEvent
from jajo.envelope import EXTENSIONS, Context, EnvelopeError, decode, encode, unwrap, wrap


def envelope(**changes):
    event = DomainEvent("GroupFormed", {"name": "햇살 모임", "year": 2026}, 1, 1)
    wrapped = wrap(
        event,
        source="registration",
        subject="g1",
        aggregate_type="group",
        context=Context(actor="staff:alice", correlation_id="c1", causation_id="r1"),
    )
    return {**wrapped, **changes}


def test_wrap_fills_every_contract_attribute():
    e = envelope()
    assert e["specversion"] == "1.0" and e["source"] == "/registration" and e["subject"] == "g1"
    assert (e["aggregateversion"], e["dataversion"], e["actor"]) == (1, 1, "staff:alice")
    assert (e["correlationid"], e["causationid"]) == ("c1", "r1")
    assert e["time"].endswith("Z") and e["datacontenttype"] == "application/json"
    assert "actorvia" not in e  # only a portal acting for a person adds it


def test_a_portal_acting_for_a_person_is_recorded_as_actorvia():
    event = DomainEvent("GroupFormed", {"name": "햇살 모임", "year": 2026}, 1, 1)
    e = wrap(
        event,
        source="registration",
        subject="g1",
        aggregate_type="group",
        context=Context(actor="guardian:m1", via="portal:web"),
    )
    assert (e["actor"], e["actorvia"]) == ("guardian:m1", "portal:web")


def test_encode_keeps_korean_text_readable_and_round_trips():
    raw = encode(envelope())
    assert "햇살 모임".encode() in raw
    assert decode(raw) == envelope(id=json.loads(raw)["id"], time=json.loads(raw)["time"])
    assert unwrap(decode(raw)).data["name"] == "햇살 모임"


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"{nope", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"specversion": "1.0"}).encode(), "lacks"),
        (encode(envelope(specversion="0.3")), "specversion"),
        (encode(envelope(data="x")), "data is not an object"),
        (encode(envelope(aggregateversion=0)), "aggregateversion"),
        (encode(envelope(dataversion=2)), "dataversion"),
        (encode(envelope(type="GroupExploded")), "unknown event type"),
    ],
)
def test_decode_names_why_a_message_is_unusable(raw, reason):
    with pytest.raises(EnvelopeError, match=reason):
        decode(raw, frozenset({"GroupFormed"}))


def test_every_attribute_is_a_cloudevents_context_attribute_or_a_well_named_extension():
    """CloudEvents 1.0: attribute names of a-z and 0-9 only, at most 20 characters (a SHOULD; Jajo keeps it)."""
    event = DomainEvent("GroupFormed", {"name": "햇살 모임", "year": 2026}, 1, 1)
    e = wrap(event, source="registration", subject="g1", aggregate_type="group", context=Context(via="portal:web"))
    context = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"}
    assert set(e) - context == set(EXTENSIONS) - {"traceparent", "tracestate"}  # those only while tracing is on
    assert all(re.fullmatch(r"[a-z0-9]{1,20}", name) for name in EXTENSIONS)
