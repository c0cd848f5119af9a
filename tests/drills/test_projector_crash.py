"""Drill 2: kill -9 the projector process at random moments during the load; restart it each time."""
from __future__ import annotations

import random
import threading

import pytest

from tests.drills.harness import Load, kill9, stop, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def test_projector_killed_five_times(stack, background, scale, tmp_path):
    rng = random.Random()
    units = scale(60, 300)  # long: a program year (a group a day of sessions, ~240 held)
    background(*stack.write_loops())
    log = tmp_path / "projector.log"
    projector = stack.spawn("services.reporting.worker", log)
    load = Load(stack, workers=2, max_units=units).start()
    audited = lambda: stack.reporting.db["audit_events"].count_documents({})  # noqa: E731
    kills = []
    try:
        for _ in range(5):
            seen = audited()
            eventually(lambda: audited() > seen, timeout=60, what="the projector made progress")
            threading.Event().wait(rng.uniform(*scale((0.2, 1.5), (1.0, 6.0))))  # a random moment
            kill9(projector)
            kills.append(audited())
            projector = stack.spawn("services.reporting.worker", log)
        load.drain(timeout=300)
        figures = verify(stack, "2 projector crash", load=load, held=f"{load.units} groups, 2 workers",
                         faults="projector process kill -9 five times, restarted", timeout=300,
                         extra={"audited_at_kills": kills})
    finally:
        stop(projector)
    assert figures["lost"] == figures["duplicated"] == 0
