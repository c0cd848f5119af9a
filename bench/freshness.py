"""Freshness: from a held-session command's answer to the read model the annual report reads showing it."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.commands import seed
from bench.harness import HEADERS, gunicorn, percentile, worker
from jajo.config import Settings
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from services.reporting import generation
from jajo.embedded import wait_until


def summary(rounds: list[list[float]]) -> dict:
    """p50 and p99 of every round's lags pooled (not a median of the rounds' own), and each round's p99."""
    pooled = [lag for lags in rounds for lag in lags]
    return {
        "p50": percentile(pooled, 50),
        "p99": percentile(pooled, 99),
        "pooled": len(pooled),
        "p99s": [percentile(lags, 99) for lags in rounds],
    }


def run(settings: Settings, work_dir: Path, rate: float = 50.0, seconds: float = 12.0, rounds: int = 3) -> dict:
    """`rounds` paced rounds of `seconds` each; p50 and p99 over the lags of all rounds pooled (each round's p99
    is given too, to show the spread)."""
    settings = settings.override(db_prefix="b3_", topic_prefix="b3-")
    ensure_topics(settings)
    count = int(rate * seconds)
    activity, work = seed(settings, count * rounds + 20)
    reporting_db = client_of(settings)[settings.database_name("reporting")]
    relay = worker("services.activity.worker", settings, work_dir, "activity-worker")
    projector = worker("services.reporting.worker", settings, work_dir, "reporting-worker")
    process, base = gunicorn("activity", settings, work_dir)
    services = {"activity": process}
    try:

        def models():
            return reporting_db[generation.collection_name(generation.state(reporting_db)["current"], "sessions")]

        wait_until(lambda: models().count_documents({}) >= len(work), 180, "the projector catching up", 0.2)
        answered: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()
        local = threading.local()

        def command(item) -> None:
            session_id, body = item
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            response = http.post(
                f"{base}/api/v1/sessions/{session_id}/attendance",
                json=body,
                headers={**HEADERS, "Idempotency-Key": uuid.uuid4().hex},
                timeout=60,
            )
            answered[session_id] = time.monotonic()
            response.raise_for_status()

        def watch() -> None:
            collection = models()
            while not done.is_set() or len(seen) < len(answered):
                waiting = [s for s in answered.copy() if s not in seen]  # a copy: the clients keep adding
                if waiting:
                    found = [d["_id"] for d in collection.find({"_id": {"$in": waiting}, "held": True}, {"_id": 1})]
                    now = time.monotonic()
                    for session_id in found:
                        seen[session_id] = now
                time.sleep(0.01)

        def paced(pool, items) -> tuple[list[float], float]:
            started = time.monotonic()
            futures = []
            for i, item in enumerate(items):
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(command, item))
            for future in futures:
                future.result()
            achieved = len(items) / (time.monotonic() - started)
            wait_until(lambda: all(i[0] in seen for i in items), 60, "the round's sessions in the report", 0.05)
            return [max(0.0, seen[i[0]] - answered[i[0]]) for i in items], achieved

        with ThreadPoolExecutor(16) as pool:
            for item in work[:20]:  # warm every gunicorn worker up
                pool.submit(command, item).result()
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            results = [paced(pool, work[20 + r * count : 20 + (r + 1) * count]) for r in range(rounds)]
        done.set()
        watcher.join(60)
        lags = summary([lags for lags, _ in results])
        rss = {
            "activity": process.peak_rss(),
            "activity-worker": relay.peak_rss(),
            "reporting-worker": projector.peak_rss(),
        }
        for name in ("registration", "survey", "reporting"):
            other, other_base = gunicorn(name, settings, work_dir)
            services[name] = other
            for path in ("/readyz", "/openapi.json", "/metrics"):
                requests.get(f"{other_base}{path}", headers=HEADERS, timeout=30)
            if name == "reporting":
                for _ in range(20):
                    requests.get(f"{other_base}/api/v1/reports/annual/2025", headers=HEADERS, timeout=30)
            rss[name] = other.peak_rss()
    finally:
        for p in [*services.values(), relay, projector]:
            p.stop()
    return {"count": count, "rounds": rounds, "rate": statistics.median(a for _, a in results), **lags, "rss": rss}
