"""Drill 1: the Kafka broker stops during a steady load and comes back empty (topics and offsets gone)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.drills.harness import Load, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def test_broker_outage_loses_nothing(stack, background, controllable, scale):
    down = scale(5.0, float(os.environ.get("JAJO_DRILL_OUTAGE_SECONDS", "20")))
    background(*stack.write_loops(), stack.reporting.consumer())
    load = Load(stack, workers=2).start()
    eventually(lambda: load.accepted >= scale(30, 150), timeout=120, what="load before the outage")
    before = load.accepted
    controllable.stop_kafka()
    try:
        threading.Event().wait(down)  # the outage itself
        during = load.accepted - before
        pending = stack.pending()
    finally:
        controllable.start_kafka()
    back = time.monotonic()
    eventually(lambda: load.accepted >= before + during + scale(30, 150), timeout=120, what="load after the outage")
    load.drain()
    figures = verify(
        stack,
        "1 broker outage",
        load=load,
        held=f"{load.units} groups, 2 workers",
        faults=f"Tansu stopped {down:.0f} s, restarted empty",
        extra={
            "accepted_during_outage": during,
            "outbox_at_restart": pending,
            "caught_up_s": round(time.monotonic() - back, 1),
        },
    )
    assert during > 0 and pending > 0  # commands kept being accepted; their events waited in the outboxes
    assert figures["lost"] == figures["duplicated"] == 0
