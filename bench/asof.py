"""The annual report `as_of` a past moment at scale (issue 17): from snapshots at 10k and 100k events in the
history, and the full replay of the audit history at 10k side by side.

The histories are written straight into reporting's audit collection in bulk (bench.yeargen's program years,
as the projector records them), not through the services; reports are asked in process
(`ReportingViews.annual`, no HTTP) at random moments of 2025, whose events are the same in every history. The
first `as_of` of a history makes its snapshots (timed apart, as `cold`); the percentiles are of the calls after.

    python -m bench.asof [--large 100] [--calls 200]      (part of `python -m bench`)
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Iterable

from bench.harness import percentile, servers
from bench.yeargen import years
from jajo.config import Settings
from jajo.mongo import in_transaction
from services.reporting import audit, generation, snapshots
from services.reporting.bootstrap import bootstrap

YEAR = 2025
CHUNK = 5000
FULL_REPLAY_CALLS = 5
SMALL = 10  # program years: about 11k events


def write(db, envelopes: Iterable[dict]) -> int:
    """The envelopes into an empty audit collection in bulk, CHUNK to a transaction as the projector records them,
    and the state's sequence counter after them; returns how many."""
    written, stream = 0, iter(envelopes)
    while chunk := list(itertools.islice(stream, CHUNK)):
        in_transaction(db.client, partial(audit.record, db, chunk, written + 1))
        written += len(chunk)
    db["state"].update_one({"_id": generation.STATE_ID}, {"$set": {"seq": written}}, upsert=True)
    return written


def load(settings: Settings, program_years: int):
    """A reporting database whose audit holds `program_years` program years (about 1,100 events each)."""
    views = bootstrap(settings).ensure_indexes().views
    return views, write(views.db, (envelope for _, envelope in years(program_years)))


def moments(rng: random.Random, count: int) -> list[datetime]:
    start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
    return [start + timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(count)]


def timed(views, at: list[datetime], full_replay: bool = False) -> list[float]:
    times = []
    for moment in at:
        started = time.perf_counter()
        views.annual(YEAR, moment, full_replay=full_replay)
        times.append((time.perf_counter() - started) * 1000)
    return times


def case(settings: Settings, program_years: int, calls: int, rng: random.Random, full_replay: bool) -> dict:
    started = time.perf_counter()
    views, events = load(settings.override(db_prefix=f"basof{program_years}_"), program_years)
    loaded = time.perf_counter() - started
    cold = timed(views, [datetime(YEAR + 1, 1, 1, tzinfo=timezone.utc)])[0]
    warm = timed(views, moments(rng, calls))
    found = {
        "events": events,
        "load_s": loaded,
        "cold_ms": cold,
        "snapshots": snapshots.count(views.db),
        "p50": percentile(warm, 50),
        "p99": percentile(warm, 99),
    }
    if full_replay:
        replayed = timed(views, moments(rng, FULL_REPLAY_CALLS), full_replay=True)
        found |= {"full_p50": percentile(replayed, 50), "full_p99": percentile(replayed, 99)}
    return found


def run(settings: Settings, large: int = 91, calls: int = 200) -> dict:
    """`large` program years: 91 ≈ 100k events."""
    started = time.perf_counter()
    rng = random.Random(17)
    small = case(settings, SMALL, calls, rng, full_replay=True)
    big = case(settings, large, calls, rng, full_replay=False)
    return {
        "small": small,
        "large": big,
        "flat": big["p99"] / small["p99"],
        "speedup": small["full_p50"] / small["p50"],
        "seconds": time.perf_counter() - started,
    }


def rows(result: dict) -> list[tuple[str, ...]]:
    small, big = result["small"], result["large"]
    out: list[tuple[str, ...]] = []
    for label, c in (("small", small), ("large", big)):
        out.append(
            (
                f"4c annual report as_of from snapshots, {c['events']:,} events in history",
                f"p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms (first call {c['cold_ms'] / 1000:.1f} s: "
                f"{c['snapshots']} snapshots made; history written in {c['load_s']:.0f} s)",
                f"full replay p50 {small['full_p50']:,.0f} ms, p99 {small['full_p99']:,.0f} ms"
                if label == "small"
                else "—",
                f"{result['speedup']:.0f}× faster" if label == "small" else "—",
                "p99 < 100 ms",
                "yes" if c["p99"] < 100 else "no",
            )
        )
    out.append(
        (
            "4c as_of flatness",
            f"p99 {big['events']:,} / p99 {small['events']:,}",
            "—",
            f"{result['flat']:.2f}",
            "≤ 1.5",
            "yes" if result["flat"] <= 1.5 else "no",
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.asof")
    parser.add_argument("--large", type=int, default=91, help="program years of the large history (91 ≈ 100k)")
    parser.add_argument("--calls", type=int, default=200, help="as_of reports per history")
    args = parser.parse_args()
    with servers() as settings:
        result = run(settings, args.large, args.calls)
    print(f"as_of benchmark: {result['seconds']:.0f} s\n")
    print("| # measure | Jajo | bare limit, same run | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows(result):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
