"""Hypothesis strategies for hostile input: messages on a topic of every shape, valid and not (issue 14)."""

from __future__ import annotations

import copy
import json

from hypothesis import strategies as st

from jajo.consumer import EventConsumer, Message
from jajo.envelope import EnvelopeError, decode
from tests.unit.reporting.program import small_program

TEMPLATES = [envelope for _, envelope in small_program().events]
ENVELOPE_FIELDS = (
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "data",
    "aggregateversion",
    "dataversion",
    "actor",
    "correlationid",
)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)  # lone surrogates, controls
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT
    | st.sampled_from(["", "1.0", "GroupFormed", "2025-03-14T00:00:00Z", "0001-01-01T00:00:00+12:00"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(ANY_TEXT | st.sampled_from(["$gt", "a.b", "group_id"]), inner, max_size=4)
    ),
    max_leaves=12,
)
OPERATORS = st.sampled_from([{"$gt": ""}, {"$ne": None}, ["a"], {"$in": ["x"]}])


@st.composite
def mutated_envelope(draw) -> dict:
    """A real event of the program with some fields or data fields replaced, removed or made operators."""
    envelope = copy.deepcopy(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["envelope", "data", "data"]))
        target = envelope if where == "envelope" or not isinstance(envelope.get("data"), dict) else envelope["data"]
        names = list(ENVELOPE_FIELDS) if target is envelope else [*target, "extra"]
        name = draw(st.sampled_from(names))
        action = draw(st.sampled_from(["replace", "delete", "operator"]))
        if action == "delete":
            target.pop(name, None)
        else:
            # a copy: sampled_from hands out its own objects, and a later mutation of this field would change
            # them for every following example (hypothesis then sees the data generation as flaky)
            target[name] = copy.deepcopy(draw(JSON if action == "replace" else OPERATORS))
    return envelope


def _dumps(envelope) -> bytes:
    return json.dumps(envelope, ensure_ascii=True, allow_nan=True).encode()


MESSAGE_VALUES = st.one_of(
    mutated_envelope().map(_dumps),
    mutated_envelope().map(_dumps),
    JSON.map(_dumps),
    st.binary(max_size=64),
    st.just(b"[" * 5000),
    st.none(),
)


def check_every_message_applied_or_dead_lettered(consumer: EventConsumer, messages: list[Message]) -> None:
    """The property: `handle` raised nothing (the caller called it), each message is tracked as applied or is
    a dead letter, and the checkpoint moved past all of them."""
    import hashlib

    db = consumer.db
    for message in messages:
        digest = hashlib.sha256(message.topic.encode() + b"\0" + (message.value or b"")).hexdigest()
        if db["dead_letters"].find_one({"_id": digest}, {"_id": 1}) is not None:
            continue
        try:
            envelope = decode(message.value, consumer.projection.known_types)
        except EnvelopeError as exc:
            raise AssertionError(f"undecodable message {message.value!r} is no dead letter") from exc
        assert db["processed"].find_one({"_id": envelope["id"]}) is not None, (
            f"{envelope['id']} neither applied nor set aside"
        )
    last = max(m.offset for m in messages)
    assert db["checkpoints"].find_one({"_id": f"{messages[0].topic}:0"})["offset"] >= last  # type: ignore[index]


# --- HTTP bodies ------------------------------------------------------------------------------------------------
HOSTILE_TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        [
            "\ud800",
            "a\x00b",
            "\x1b[31m",
            "\u202egpj.exe",
            "\u200b",
            "\ufeff",
            "\u0085",
            "\u2028",
            "\u1112\u1162\u11ab",
            "=cmd|' /C calc'!A0",
            '{"$gt": ""}',
            "😀" * 600,
            "가" * 2001,
        ]
    ),
)
HOSTILE_VALUE = st.one_of(JSON, HOSTILE_TEXT, OPERATORS)
DEEP = [b"[" * n + b"]" * n for n in (33, 1000, 100_000)]


@st.composite
def hostile_body(draw, properties: list[str]) -> bytes:
    """A JSON object with the operation's field names (and others) holding hostile values, or raw hostile JSON."""
    kind = draw(st.sampled_from(["fields", "fields", "fields", "deep", "raw"]))
    if kind == "deep":
        inner = draw(st.sampled_from(DEEP))
        return b'{"' + draw(st.sampled_from(properties or ["x"])).encode() + b'": ' + inner + b"}"
    if kind == "raw":
        return draw(
            st.sampled_from(
                [
                    b'{"a": NaN}',
                    b'{"a": ' + b"9" * 5000 + b"}",
                    b'{"a": 1e999}',
                    b'{"\\u0000": 1}',
                    b'"\\udfff"',
                    b"\xff\xfe",
                ]
            )
        )
    names = st.sampled_from(properties) if properties else ANY_TEXT
    body = draw(st.dictionaries(names, HOSTILE_VALUE, max_size=max(3, len(properties))))
    return json.dumps(body, ensure_ascii=True, allow_nan=True).encode()
