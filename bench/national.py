"""National scale (issue 17 item 5): `--events` events (~1M) through Kafka into reporting's read models and audit.

`python -m bench.national --events 1000000`: the program years the events need (bench.yeargen, oldest one cut at its
start), published with a plain producer, then one projector process (`bench.replay projector`, the real
EventConsumer and ReportingProjection) from the start of the topics until every event is recorded. Prints the time,
the rate, each reporting collection's size (collStats) and the peak memory of the projector and of SecantusDB
(when the bench started it), and whether the read models equal an in-memory replay of the same events.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.harness import peak_rss_mb, servers
from bench.projection import _replay, _same_as
from bench.yeargen import produce, published_history
from jajo.config import Settings
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from services.reporting.projection import replay

DEADLINE = 6 * 3600.0


def _secantus_pid(settings: Settings) -> int | None:
    """The embedded SecantusDB serving this run's URI (none when MONGODB_URI names another server)."""
    port = settings.mongodb_uri.rsplit(":", 1)[1].split("/")[0]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "secantusd" in command and f"--port {port}" in command:
                return int(entry.name)
    return None


def _sizes(settings: Settings) -> list[tuple[str, int, float, float]]:
    db = client_of(settings)[settings.database_name("reporting")]
    found = []
    for name in sorted(db.list_collection_names()):
        stats = db.command("collStats", name)
        found.append(
            (name, stats.get("count", 0), stats.get("size", 0) / 2**20, stats.get("totalIndexSize", 0) / 2**20)
        )
    return found


def run(settings: Settings, events: int) -> dict:
    settings = settings.override(db_prefix="nat_", topic_prefix="nat-")
    ensure_topics(settings)
    started = time.perf_counter()
    messages = list(published_history(events))
    produced = produce(settings, messages)
    published = time.perf_counter() - started
    [result] = _replay(settings, "projector", produced, deadline=DEADLINE)
    elapsed = result["last"] - result["started"]
    expected = replay(envelope for _, envelope in messages)
    db = client_of(settings)[settings.database_name("reporting")]
    pid = _secantus_pid(settings)
    return {
        "events": produced,
        "published_s": published,
        "projected_s": elapsed,
        "rate": produced / elapsed,
        "projector_rss": result["rss_mb"],
        "secantus_rss": peak_rss_mb(pid) if pid else float("nan"),
        "sizes": _sizes(settings),
        "exact": _same_as(db, expected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.national")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with servers() as settings:
        found = run(settings, args.events)
    print(
        f"{found['events']:,} events: published in {found['published_s']:,.0f} s; projected in "
        f"{found['projected_s']:,.0f} s ({found['rate']:,.0f} events/s); read models equal the in-memory replay: "
        f"{found['exact']}; peak RSS projector {found['projector_rss']:,.0f} MiB, SecantusDB "
        f"{found['secantus_rss']:,.0f} MiB"
    )
    print("| collection | documents | data MiB | indexes MiB |")
    print("| --- | --- | --- | --- |")
    for name, count, data, indexes in found["sizes"]:
        print(f"| {name} | {count:,} | {data:,.1f} | {indexes:,.1f} |")


if __name__ == "__main__":
    main()
