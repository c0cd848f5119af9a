"""Row 1c: what one held-session command sends to MongoDB, and the write conflicts of 8 concurrent clients.

Counted by a pymongo command listener on the process's client (`counting`), in process through the Flask test
client: the round trips of one `POST /sessions/{id}/attendance` with an `Idempotency-Key`, then 300 of them from 8
threads with every failed command counted by its error (a write conflict makes the command run again).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from pymongo import MongoClient, monitoring

import jajo.mongo
from bench.harness import HEADERS, TOKEN, concurrent_rate
from jajo.config import Settings
from jajo.kafka import ensure_topics

CLIENTS = 8


class RoundTrips(monitoring.CommandListener):
    """The commands one thread sends while it counts (listeners run in the sending thread), and every failed
    command's error name, from any thread."""

    def __init__(self) -> None:
        self.counting: int | None = None
        self.sent: list[tuple[str, str]] = []
        self.failures: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.counting == threading.get_ident():
            self.sent.append((event.command_name, _collections(event.command_name, event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.failures[f"{event.command_name} {event.failure.get('codeName', '')}".strip()] += 1

    def during(self, act: Callable[[], Any]) -> list[tuple[str, str]]:
        self.sent, self.counting = [], threading.get_ident()
        try:
            act()
        finally:
            self.counting = None
        return self.sent


def _collections(name: str, command: Mapping[str, Any]) -> str:
    if name == "bulkWrite":
        return ", ".join(ns["ns"].split(".", 1)[1] for ns in command["nsInfo"])
    if name in ("commitTransaction", "abortTransaction"):
        return ""
    return str(command[name])


@contextmanager
def counting(settings: Settings, trips: RoundTrips) -> Iterator[Settings]:
    """Settings whose process client (jajo.mongo.client_for) reports its commands to `trips`."""
    uri = f"{settings.mongodb_uri}{'&' if '?' in settings.mongodb_uri else '?'}appName=round-trips"
    client: MongoClient = MongoClient(uri, event_listeners=[trips], tz_aware=True, uuidRepresentation="standard")
    key = (os.getpid(), uri, settings.mongodb_username)
    jajo.mongo._clients[key] = client
    try:
        yield settings.override(mongodb_uri=uri)
    finally:
        jajo.mongo._clients.pop(key, None)
        client.close()


def run(settings: Settings, commands: int = 300) -> dict:
    from bench.commands import seed  # the same program year and sessions as row 1
    from services.activity.app import create_app

    base = settings.override(db_prefix="b1c_", topic_prefix="b1c-", api_tokens=f"staff:bench:{TOKEN}")
    trips = RoundTrips()
    with counting(base, trips) as counted:
        ensure_topics(counted)
        _, work = seed(counted, commands + 2)
        app = create_app(counted)
        local = threading.local()

        def hold(i: int) -> None:
            if not hasattr(local, "client"):
                local.client = app.test_client()
            session_id, body = work[i]
            headers = {**HEADERS, "Idempotency-Key": uuid.uuid4().hex}
            response = local.client.post(f"/api/v1/sessions/{session_id}/attendance", json=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

        hold(0)  # the app wires itself (and ensures its indexes) on its first request
        sent = trips.during(lambda: hold(1))
        trips.failures.clear()
        rate = concurrent_rate(lambda i: hold(i + 2), commands, CLIENTS)
    return {"sent": sent, "failures": dict(trips.failures), "commands": commands, "rate": rate}
