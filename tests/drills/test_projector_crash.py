"""Drill 2: kill -9 the projector process at random moments during the load; restart it each time.

The moments come from a seeded generator (JAJO_DRILL_SEED replays a run; the seed is in the figures), and each
kill must hit a busy projector: events stored that it had not audited yet, and its audit still growing.
"""

from __future__ import annotations

import os
import random
import threading

import pytest

from tests.drills.harness import Load, kill9, stop, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def test_projector_killed_five_times(stack, background, scale, tmp_path):
    seed = int(os.environ.get("JAJO_DRILL_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    units = scale(60, 300)  # long: a program year (a group a day of sessions, ~240 held)
    background(*stack.write_loops())
    log = tmp_path / "projector.log"
    projector = stack.spawn("services.reporting.worker", log)
    load = Load(stack, workers=2).start()  # no cap before the fifth kill: a finished load leaves the projector idle
    audited = lambda: stack.reporting.db["audit_events"].count_documents({})  # noqa: E731
    stored = lambda: sum(s.store.events.count_documents({}) for s in stack.write_services().values())  # noqa: E731
    kills, backlogs = [], []
    try:
        for _ in range(5):
            seen = audited()
            eventually(lambda: audited() > seen, timeout=60, what="the projector made progress")
            threading.Event().wait(rng.uniform(*scale((0.2, 1.5), (1.0, 6.0))))  # a random moment
            before = audited()
            eventually(
                lambda: audited() > before and stored() > audited(),
                timeout=30,
                interval=0.05,
                what="the projector busy at the kill, with events left to audit",
            )
            waiting = stored()
            kill9(projector)
            kills.append(audited())
            backlog = waiting - kills[-1]  # stored before the kill, never audited by the killed projector
            backlogs.append(backlog)
            assert backlog > 0, f"kill {len(kills)} (seed {seed}) hit an idle projector"
            projector = stack.spawn("services.reporting.worker", log)
        load.max_units = max(load.units, units)
        load.drain(timeout=300)
        figures = verify(
            stack,
            "2 projector crash",
            load=load,
            held=f"{load.units} groups, 2 workers",
            faults="projector process kill -9 five times, restarted",
            timeout=300,
            extra={"audited_at_kills": kills, "backlog_at_kills": backlogs, "seed": seed},
        )
    finally:
        stop(projector)
    assert figures["lost"] == figures["duplicated"] == 0
