"""Annual report latency against the size of the history, and `as_of` reports."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from bench.harness import percentile
from bench.yeargen import years
from jajo.config import Settings
from jajo.consumer import Message
from jajo.envelope import encode
from services.reporting.bootstrap import bootstrap

CALLS = 60


def load(settings: Settings, count: int):
    """A reporting database with `count` program years in its history (projected in process, not measured)."""
    reporting = bootstrap(settings).ensure_indexes()
    loop = reporting.consumer()
    messages = [Message(t, 0, i, None, encode(e)) for i, (t, e) in enumerate(years(count))]
    for i in range(0, len(messages), 2000):
        loop.handle(messages[i:i + 2000])
    return reporting


def latency(call, calls: int = CALLS) -> dict:
    call()  # warm
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(times, 50), "p99": percentile(times, 99)}


def run(settings: Settings, history: Settings, history_events: int) -> dict:
    """Reports of 2025 with 1 and 10 program years in history, and with the catch-up benchmark's history."""
    cases = []
    for label, reporting, events in (
        ("1k", load(settings.override(db_prefix="b4a_"), 1), 1099),
        ("10k", load(settings.override(db_prefix="b4b_"), 10), 10990),
        (f"{history_events / 1000:.0f}k", bootstrap(history).ensure_indexes(), history_events),
    ):
        cases.append({"history": label, "events": events, **latency(lambda: reporting.views.annual(2025))})
    as_of = []
    moment = datetime(2025, 7, 1, tzinfo=timezone.utc)
    for label, reporting in (("1k", bootstrap(settings.override(db_prefix="b4a_")).ensure_indexes()), ("10k", bootstrap(settings.override(db_prefix="b4b_")).ensure_indexes())):
        as_of.append({"history": label, **latency(lambda: reporting.views.annual(2025, as_of=moment), calls=5)})
    return {"cases": cases, "as_of": as_of, "flat": cases[-1]["p99"] / cases[0]["p99"]}
