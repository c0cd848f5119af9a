"""A rebuild runs under a lease with a heartbeat (issue 14): a dead rebuild is taken over cleanly and what it
built is never swapped in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jajo.errors import Conflict
from services.reporting import rebuild, generation
from tests.unit.reporting.program import small_program


def test_a_rebuild_whose_heartbeat_stopped_is_taken_over_and_never_swapped_in(reporting, feed):
    feed(small_program().events)
    dead = rebuild.prepare(reporting.client, reporting.db)
    with pytest.raises(Conflict):  # alive: a second rebuild waits
        rebuild.prepare(reporting.client, reporting.db)
    stale = datetime.now(timezone.utc) - timedelta(seconds=rebuild.STALE_SECONDS + 5)
    reporting.db["state"].update_one({"_id": generation.STATE_ID}, {"$set": {"rebuild.heartbeat_at": stale}})
    alive = rebuild.prepare(reporting.client, reporting.db)  # no force needed: the first one's process died
    assert alive.generation != dead.generation
    assert dead.generation not in generation.existing_generations(reporting.db)  # its half-built generation dropped
    with pytest.raises(rebuild.RebuildAbandoned):
        rebuild.execute(reporting.client, reporting.db, dead)  # it wakes up: it may not swap
    assert generation.state(reporting.db)["current"] == generation.FIRST_GENERATION
    assert dead.generation not in generation.existing_generations(reporting.db)
    rebuild.execute(reporting.client, reporting.db, alive)
    state = generation.state(reporting.db)
    assert state["current"] == alive.generation and state["building"] is None
    assert state["rebuild"]["status"] == "done" and state["rebuild"]["holder"] == alive.holder
