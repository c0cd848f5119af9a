"""Held-session commands through activity under gunicorn against the same store's bare insert_one rate.

Both sides run with CLIENTS concurrent clients and are timed from before the first client starts to after the
last one ends. The Jajo side runs as in production: activity's worker (outbox relay, registration view) and
reporting's worker (the projector) run beside the service; after the rounds every held session must have
reached reporting's audit history through them (else the row fails).
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import requests

from bench.harness import HEADERS, concurrent_rate, gunicorn, side_by_side, worker
from bench.yeargen import program_year
from jajo.config import Settings
from jajo.consumer import EventConsumer, Message
from jajo.embedded import wait_until
from jajo.envelope import encode
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from services.activity.bootstrap import bootstrap
from services.activity.commands import ScheduleSession
from services.activity.views import RegistrationView

CLIENTS = 8


def seed(settings: Settings, sessions: int) -> tuple[Any, list[tuple[str, dict]]]:
    """Activity knows a program year's groups; `sessions` sessions are scheduled (in process, not measured)."""
    activity = bootstrap(settings).ensure_indexes()
    registration = [e for topic, e in program_year(2025) if topic == "registration.events"]
    view = EventConsumer(RegistrationView(activity.db, settings, activity.files), activity.client, activity.db)
    view.handle([Message("registration.events", 0, i, None, encode(e)) for i, e in enumerate(registration)])
    members: dict[str, list[tuple[str, list[str]]]] = {}
    for e in registration:
        if e["type"] == "MemberJoined":
            members.setdefault(e["subject"], []).append(
                (e["data"]["member_id"], [c["child_id"] for c in e["data"]["children"]])
            )
    groups = list(members)
    work = []
    for n in range(sessions):
        group_id = groups[n % len(groups)]
        day = date(2025, 3 + n % 10, 1 + n // len(groups) % 28)
        assert activity.bus is not None
        session = activity.bus.handle(
            ScheduleSession(group_id, day, "10:00", "12:00", "regular", "external", title="벤치 정기모임")
        )
        attendees = members[group_id][: 3 + n % 4]
        body = {"guardians": [m for m, _ in attendees], "children": [kids[0] for _, kids in attendees]}
        work.append((session.id, body))
    return activity, work


def hold_all(base: str, work: list[tuple[str, dict]], clients: int = CLIENTS) -> float:
    """Commands per second: `clients` threads, each with its own keep-alive connection, timed by the same
    `concurrent_rate` as the bare limit (the same start and stop points)."""
    local = threading.local()
    failures: list[str] = []

    def hold(i: int) -> None:
        if not hasattr(local, "http"):
            local.http = requests.Session()
            local.http.headers.update(HEADERS)
        session_id, body = work[i]
        response = local.http.post(
            f"{base}/api/v1/sessions/{session_id}/attendance",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            timeout=60,
        )
        if response.status_code != 200:
            failures.append(f"{response.status_code} {response.text[:200]}")

    rate = concurrent_rate(hold, len(work), clients)
    if failures:
        raise RuntimeError(f"{len(failures)} commands failed, e.g. {failures[0]}")
    return rate


def run(settings: Settings, work_dir: Path, rounds: int, per_round: int) -> dict:
    settings = settings.override(db_prefix="b1_", topic_prefix="b1-")
    ensure_topics(settings)
    warmup = 40
    activity, work = seed(settings, warmup + rounds * per_round)
    beside = [
        worker("services.activity.worker", settings, work_dir, "b1-activity-worker"),
        worker("services.reporting.worker", settings, work_dir, "b1-reporting-worker"),
    ]
    process, base = gunicorn("activity", settings, work_dir)
    try:
        hold_all(base, work[:warmup])  # every worker wires itself lazily on its first requests
        batches = [work[warmup + r * per_round : warmup + (r + 1) * per_round] for r in range(rounds)]
        bare = activity.db["bare_inserts"]
        sample = {"specversion": "1.0", "type": "SessionHeld", "data": {"parents": 3, "notes": "벤치"}}

        def insert(_: int) -> None:
            bare.insert_one({**sample, "_id": uuid.uuid4().hex})

        medians = side_by_side(
            {
                "held-session commands (HTTP, gunicorn)": lambda r: hold_all(base, batches[r], CLIENTS),
                f"bare insert_one ({CLIENTS} clients)": lambda r: concurrent_rate(insert, per_round, CLIENTS),
            },
            rounds,
        )
        rss = process.peak_rss()
        audit = client_of(settings)[settings.database_name("reporting")]["audit_events"]
        wait_until(
            lambda: audit.count_documents({"type": "SessionHeld"}) >= len(work),
            180,
            "every held session through the relay and the projector running beside the service",
            0.5,
        )
    finally:
        process.stop()
        for loop in beside:
            loop.stop()
    names = list(medians)
    return {
        "medians": medians,
        "ratio": medians[names[0]] / medians[names[1]],
        "rss": rss,
        "workers": len(rss["children"]),
        "clients": CLIENTS,
    }
