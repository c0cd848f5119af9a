"""Drill 3: the outbox relay dies (like kill -9) between Kafka's acknowledgement and the outbox delete.

The crash point is `JAJO_RELAY_CRASH_AFTER_PUBLISH=1` (jajo/relay.py): the restarted relay publishes the
same events again, so the topic holds duplicates; no read model may change because of them.
"""

from __future__ import annotations

import pytest

from tests.drills.harness import Load, stop, topic_size, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def test_relay_crash_between_publish_and_delete(stack, background, scale, tmp_path):
    crashes = scale(3, 10)
    loops = stack.write_loops()
    background(*[loop for loop in loops if loop.name != "registration-relay"], stack.reporting.consumer())
    load = Load(stack, workers=2, max_units=scale(25, 150)).start()
    log = tmp_path / "relay.log"
    codes = []
    for _ in range(crashes):
        eventually(lambda: stack.registration.store.pending_count() > 0, timeout=60, what="events waiting")
        relay = stack.spawn("services.registration.worker", log, JAJO_RELAY_CRASH_AFTER_PUBLISH="1")
        codes.append(relay.wait(60))
    relay = stack.spawn("services.registration.worker", log)  # the fixed relay: publishes what is left
    try:
        load.drain(timeout=300)
        stored = stack.registration.store.events.count_documents({})
        eventually(lambda: stack.registration.store.pending_count() == 0, timeout=60, what="outbox drained")
        on_topic = topic_size(stack.settings, "registration.events")
        figures = verify(
            stack,
            "3 relay crash",
            load=load,
            held=f"{load.units} groups, 2 workers",
            faults=f"registration relay exits after publish, before delete, {crashes} times",
            extra={"duplicates_on_topic": on_topic - stored},
        )
    finally:
        stop(relay)
    assert codes == [137] * crashes
    assert on_topic > stored  # the crashes republished events ...
    assert figures["lost"] == figures["duplicated"] == 0  # ... and no read model counted them twice
