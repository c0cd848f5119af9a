"""Every field of an envelope is checked for its JSON type and range: a consumer must survive any bytes."""

import json

import pytest

from jajo.envelope import EnvelopeError, decode, encode
from tests.unit.jajo.test_envelope import envelope

KNOWN = frozenset({"GroupFormed"})
WRONG = [[], {}, True, False, 2**70, 1.5, None, ""]


@pytest.mark.parametrize("field", ["id", "type", "subject", "source", "time", "aggregateversion"])
@pytest.mark.parametrize("value", WRONG, ids=repr)
def test_a_field_of_the_wrong_type_is_an_envelope_error(field, value):
    with pytest.raises(EnvelopeError):
        decode(json.dumps(envelope(**{field: value})).encode(), KNOWN)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"id": {"$gt": ""}}, "id"),
        ({"id": "a b\n"}, "id"),
        ({"id": "x" * 129}, "id"),
        ({"aggregateversion": True}, "aggregateversion"),
        ({"aggregateversion": 2**60}, "aggregateversion"),
        ({"dataversion": True}, "dataversion"),
        ({"time": "2025-01-01"}, "time"),
        ({"time": "2025-01-01T00:00:00"}, "time zone"),
        ({"time": "0001-01-01T00:00:00+12:00"}, "out of range"),
        ({"actor": ["staff"]}, "actor"),
        ({"correlationid": 7}, "correlationid"),
        ({"data": {"name": "x", "amount": 2**64}}, "64 bits"),
        ({"data": {"k\x00": 1}}, "NUL"),
    ],
)
def test_types_and_ranges_are_checked(changes, reason):
    with pytest.raises(EnvelopeError, match=reason):
        decode(encode(envelope(**changes)), KNOWN)


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not usable JSON"),
        (b'{"a": NaN}', "not usable JSON"),
        (b'{"a": Infinity}', "not usable JSON"),
    ],
)
def test_json_python_cannot_hold_is_an_envelope_error(raw, reason):
    with pytest.raises(EnvelopeError, match=reason):
        decode(raw, KNOWN)


def test_lone_surrogates_and_deep_data_are_envelope_errors():
    with pytest.raises(EnvelopeError, match="surrogate"):
        decode(encode(envelope()).replace("햇살".encode(), b"\\ud800"), KNOWN)
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(EnvelopeError, match="nested deeper"):
        decode(encode(envelope(data=deep)), KNOWN)


def test_an_unhashable_type_is_not_looked_up_in_the_known_types():
    with pytest.raises(EnvelopeError, match="type"):
        decode(json.dumps(envelope(type=["GroupFormed"])).encode(), KNOWN)
