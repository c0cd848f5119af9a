"""Drill 4: every topic's whole history is published a second time."""

from __future__ import annotations

import pytest

from jajo.envelope import decode
from tests.drills.harness import Load, partition_ends, produce, projector_caught_up, read_topic, settle, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration

TOPICS = ("registration.events", "activity.events", "survey.events")


def test_whole_history_redelivered(stack, background, scale):
    background(*stack.write_loops(), stack.reporting.consumer())
    load = Load(stack, workers=2, max_units=scale(20, 200)).start()
    load.drain(timeout=300)
    settle(stack, timeout=300)
    models, annual = stack.models(), stack.annual()
    audited = stack.reporting.db["audit_events"].count_documents({})
    again = [(name, r.key, r.value) for name in TOPICS for r in read_topic(stack.settings, name)]
    assert {decode(value)["id"] for _, _, value in again} == set(stack.store_events()), (
        "the second publication does not hold every stored event"
    )
    before = partition_ends(stack.settings, TOPICS)
    produce(stack.settings, again)
    after = partition_ends(stack.settings, TOPICS)
    assert sum(after.values()) - sum(before.values()) == len(again), "not every message was published again"
    checkpoints = stack.reporting.db["checkpoints"]

    def passed_the_new_ends() -> bool:
        done = {d["_id"]: d["offset"] + 1 for d in checkpoints.find({"_id": {"$in": list(after)}})}
        return all(done.get(key, 0) >= end for key, end in after.items() if end > before.get(key, 0))

    eventually(passed_the_new_ends, timeout=300, interval=0.3, what="the projector's checkpoints past the new ends")
    assert projector_caught_up(stack)
    assert stack.models() == models and stack.annual() == annual
    assert stack.reporting.db["audit_events"].count_documents({}) == audited
    figures = verify(
        stack,
        "4 redelivery",
        load=load,
        held=f"{load.units} groups",
        faults=f"all {len(again)} messages of the three topics published again",
        extra={"redelivered": len(again)},
    )
    assert figures["lost"] == figures["duplicated"] == 0
