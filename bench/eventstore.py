"""Appends through the event store (transaction: event + outbox + view) against bare insert_one."""

from __future__ import annotations

import uuid

from bench.harness import rate, side_by_side
from jajo.bootstrap import write_service
from jajo.config import Settings
from jajo.envelope import Context
from services.registration.domain import Group

OPS_PER_ROUND = 300


def run(settings: Settings, rounds: int = 5) -> dict:
    service = write_service("benchstore", settings, handlers={}).ensure_indexes()
    bare = service.db["bare_inserts"]
    sample = {"specversion": "1.0", "type": "GroupFormed", "data": {"name": "모임", "year": 2026}}

    def append(_: int) -> None:
        assert service.bus is not None
        uow = service.bus.uow_factory(context=Context(actor="bench"))
        uow.add(Group.form(uuid.uuid4().hex, "벤치 모임", 2026))
        uow.commit()

    def insert(_: int) -> None:
        bare.insert_one({**sample, "_id": uuid.uuid4().hex})

    medians = side_by_side(
        {
            "event store append": lambda r: rate(append, OPS_PER_ROUND),
            "bare insert_one": lambda r: rate(insert, OPS_PER_ROUND),
        },
        rounds,
    )
    ratio = medians["event store append"] / medians["bare insert_one"]
    return {"rows": [(name, f"{value:,.0f}/s") for name, value in medians.items()], "ratio": ratio}
