"""Drill 5: malformed and unknown messages mixed into the topics land in the dead letters with their reason."""

from __future__ import annotations

import json

import pytest

from jajo.envelope import build, encode
from services.reporting.projection import EVENT_TYPES
from tests.conftest import STAFF, VIEWER
from tests.drills.harness import Load, produce, projector_caught_up, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration

TOPICS = ("registration.events", "activity.events", "survey.events")
KINDS = ("not JSON", "wrong envelope", "unknown type", "invalid data", "future dataversion")


def poison(i: int) -> tuple[str, bytes | None, bytes]:
    envelope = build(
        "GroupFormed",
        {"group_id": f"g-poison-{i}", "name": "독", "year": 2025},
        subject=f"g-poison-{i}",
        source="registration",
        aggregate_type="group",
        time="2025-03-01T00:00:00Z",
        event_id=f"poison-{i}",
    )
    kind = KINDS[i % len(KINDS)]
    if kind == "not JSON":
        value = f"{{not json {i}".encode()
    elif kind == "wrong envelope":
        value = json.dumps({"specversion": "1.0", "id": f"poison-{i}", "data": []}).encode()
    elif kind == "unknown type":
        value = encode({**envelope, "type": f"GroupTeleported{i}"})
    elif kind == "invalid data":
        value = encode({**envelope, "data": {"group_id": f"g-poison-{i}"}})  # no year
    else:
        value = encode({**envelope, "dataversion": 2})
    return TOPICS[i % len(TOPICS)], f"k{i}".encode(), value


class OlderProjector:
    """The live projector as deployed before it learned SessionCancelled (re-driven after the 'upgrade')."""

    def __init__(self, projection):
        self.projection = projection
        self.name, self.topics = projection.name, projection.topics
        self.known_types = EVENT_TYPES - {"SessionCancelled"}

    def apply_batch(self, envelopes, session):
        self.projection.apply_batch(envelopes, session)


def all_dead_letters(http, page: int = 400) -> list[dict]:
    letters: list[dict] = []
    while True:
        body = http.get(f"/api/v1/admin/dead-letters?limit={page}&offset={len(letters)}", headers=STAFF).get_json()
        letters += body["dead_letters"]
        if len(letters) >= body["total"] or not body["dead_letters"]:
            return letters


def test_poison_messages_are_set_aside_and_counted(stack, background, scale):
    count = scale(200, 1000)
    consumer = stack.reporting.consumer()
    consumer.projection = OlderProjector(consumer.projection)
    background(*stack.write_loops(), consumer)
    load = Load(stack, workers=2, max_units=scale(20, 100)).start()
    produce(stack.settings, [poison(i) for i in range(count)])
    load.drain(timeout=300)
    cancelled = stack.activity.store.events.count_documents({"type": "SessionCancelled"})
    assert cancelled > 0  # the redrive loop below has something to redrive
    eventually(
        lambda: stack.pending() == 0 and projector_caught_up(stack),
        timeout=300,
        interval=0.3,
        what="everything consumed",
    )
    http = stack.client("reporting")
    status = http.get("/api/v1/projections/status", headers=VIEWER).get_json()
    assert status["dead_letters"] == count + cancelled

    assert http.get("/api/v1/admin/dead-letters", headers=VIEWER).status_code == 403
    letters = all_dead_letters(http)
    assert len(letters) == count + cancelled
    reasons = {letter["value"]: letter["reason"] for letter in letters}
    assert all(reasons.values())
    expected = {
        "not JSON": "not JSON",
        "wrong envelope": "envelope lacks",
        "unknown type": "unknown event type",
        "invalid data": "KeyError",
        "future dataversion": "unknown dataversion",
    }
    for i in range(min(count, 50)):
        _, _, value = poison(i)
        reason = reasons.get(value.decode())
        assert reason is not None and expected[KINDS[i % len(KINDS)]] in reason, (KINDS[i % len(KINDS)], reason)

    poisoned = next(letter for letter in letters if letter["value"].startswith("{not json"))
    redrive = http.post(f"/api/v1/admin/dead-letters/{poisoned['id']}/redrive", headers=STAFF)
    assert redrive.status_code == 422 and redrive.mimetype == "application/problem+json"
    redriven = 0
    for letter in all_dead_letters(http):
        if '"type":"SessionCancelled"' in letter["value"]:
            response = http.post(f"/api/v1/admin/dead-letters/{letter['id']}/redrive", headers=STAFF)
            assert response.status_code == 200, response.get_json()
            redriven += 1
    assert redriven == cancelled
    after = http.get("/api/v1/projections/status", headers=VIEWER).get_json()
    assert after["dead_letters"] == count
    figures = verify(
        stack,
        "5 poison messages",
        load=load,
        held=f"{load.units} groups",
        faults=f"{count} poison messages (5 kinds) + {cancelled} events of a type the projector "
        "did not know yet, re-driven",
        extra={"dead_letters": count, "redriven": redriven},
    )
    assert figures["lost"] == figures["duplicated"] == 0
