"""Annual report latency against the size of the history, and `as_of` reports: over HTTP with a staff token,
as the portal sees it (reporting under gunicorn, one keep-alive client, `GET /api/v1/reports/annual/2025`)."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from bench.harness import HEADERS, gunicorn, percentile
from bench.yeargen import years
from jajo.config import Settings
from jajo.consumer import Message
from jajo.envelope import encode
from services.reporting.bootstrap import bootstrap

CALLS = 60
AS_OF = "2025-07-01T00:00:00Z"


def load(settings: Settings, count: int) -> Settings:
    """A reporting database with `count` program years in its history (projected in process, not measured)."""
    reporting = bootstrap(settings).ensure_indexes()
    loop = reporting.consumer()
    messages = [Message(t, 0, i, None, encode(e)) for i, (t, e) in enumerate(years(count))]
    for i in range(0, len(messages), 2000):
        loop.handle(messages[i : i + 2000])
    return settings


def latency(http: requests.Session, url: str, calls: int = CALLS) -> dict:
    """p50/p99 in ms of `calls` GETs, each timed from the request sent to the whole answer read."""

    def get() -> None:
        response = http.get(url, timeout=120)
        assert response.status_code == 200, (response.status_code, response.text[:200])

    get()  # warm
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(times, 50), "p99": percentile(times, 99)}


def run(settings: Settings, history: Settings, history_events: int, work_dir: Path) -> dict:
    """Reports of 2025 with 1 and 10 program years in history, and with the catch-up benchmark's history."""
    cases, as_of = [], []
    databases = (
        (load(settings.override(db_prefix="b4a_"), 1), 1099, "1k"),
        (load(settings.override(db_prefix="b4b_"), 10), 10990, "10k"),
        (history, history_events, f"{history_events / 1000:.0f}k"),
    )
    for case, events, label in databases:
        # no projector runs beside these read-only databases: its stopped members must not fail /readyz
        process, base = gunicorn("reporting", case, work_dir, JAJO_CONSUMER_STALLED_SECONDS="864000")
        try:
            http = requests.Session()
            http.headers.update(HEADERS)
            url = f"{base}/api/v1/reports/annual/2025"
            cases.append({"history": label, "events": events, **latency(http, url)})
            if label in ("1k", "10k"):
                as_of.append({"history": label, **latency(http, f"{url}?as_of={AS_OF}", calls=5)})
        finally:
            process.stop()
    return {"cases": cases, "as_of": as_of, "flat": cases[-1]["p99"] / cases[0]["p99"]}
