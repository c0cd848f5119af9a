"""Drill 4: every topic's whole history is published a second time."""
from __future__ import annotations

import pytest

from tests.drills.harness import Load, produce, projector_caught_up, read_topic, settle, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration

TOPICS = ("registration.events", "activity.events", "survey.events")


def test_whole_history_redelivered(stack, background, scale):
    background(*stack.write_loops(), stack.reporting.event_consumer())
    load = Load(stack, workers=2, max_units=scale(20, 200)).start()
    load.drain(timeout=300)
    settle(stack, timeout=300)
    models, annual = stack.models(), stack.annual()
    audited = stack.reporting.db["audit_events"].count_documents({})
    again = [(name, r.key, r.value) for name in TOPICS for r in read_topic(stack.settings, name)]
    produce(stack.settings, again)
    eventually(lambda: projector_caught_up(stack), timeout=300, interval=0.3, what="redelivery consumed")
    assert stack.models() == models and stack.annual() == annual
    assert stack.reporting.db["audit_events"].count_documents({}) == audited
    figures = verify(stack, "4 redelivery", load=load, held=f"{load.units} groups",
                     faults=f"all {len(again)} messages of the three topics published again",
                     extra={"redelivered": len(again)})
    assert figures["lost"] == figures["duplicated"] == 0
