"""The audit history at national scale (issue 17): paging and the JSON Lines export over a large history.

The history (bench.yeargen's program years, cut to exactly `--events` records) is written straight into
reporting's audit collection in bulk (bench.asof.write, as the projector records it). Pages are asked over
HTTP through the Flask test client from random cursors, for each filter of the contract; the find commands they
send are caught and `explain`ed (SecantusDB reports mongod's stage tree: the winning plan must be an IXSCAN).
The export of the whole history is timed against a bare `find()` with the same projection, alternately.

    python -m bench.audit_scale [--events 1000000] [--pages 200] [--rounds 3]      (`make bench-scale`)
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

from pymongo import monitoring

from bench import asof
from bench.harness import TOKEN, HEADERS, alternate, children_of, peak_rss_mb, percentile, servers
from bench.yeargen import history
from jajo.config import Settings
from services.reporting import audit
from services.reporting.app import create_app
from services.reporting.bootstrap import bootstrap

TARGET_MS = 50
PAGE = "/api/v1/audit/events"
SAMPLE_EVERY = 997  # one subject in so many kept for the subject filter


@dataclass
class Shape:
    """What the bench remembers of the history while writing it (its counts and a sample of subjects)."""

    types: Counter = field(default_factory=Counter)
    subjects: list[str] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def watch(self, envelopes: Iterator[dict]) -> Iterator[dict]:
        for n, envelope in enumerate(envelopes):
            self.types[envelope["type"]] += 1
            if n % SAMPLE_EVERY == 0:
                self.subjects.append(envelope["subject"])
            moment = datetime.fromisoformat(envelope["time"].replace("Z", "+00:00"))
            self.first = moment if self.first is None else min(self.first, moment)
            self.last = moment if self.last is None else max(self.last, moment)
            yield envelope


class Finds(monitoring.CommandListener):
    """The audit's find commands while `armed` (registered before any client exists)."""

    def __init__(self) -> None:
        self.armed = False
        self.seen: list[dict] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.armed and event.command_name == "find" and event.command.get("find") == audit.COLLECTION:
            self.seen.append({k: event.command[k] for k in ("filter", "sort", "projection") if k in event.command})

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


FINDS = Finds()
monitoring.register(FINDS)


def cases(shape: Shape, last: int, rng: random.Random) -> dict[str, Callable[[], dict]]:
    """The filters of the contract, each a maker of one page's query string (random cursor, subject, window)."""
    common, rare = shape.types.most_common()[0][0], shape.types.most_common()[-1][0]
    assert shape.first is not None and shape.last is not None
    span = (shape.last - shape.first).total_seconds() - 30 * 86400

    def cursor(low: float = 0.0) -> str:
        return str(rng.randrange(int(last * low), last))

    def month() -> dict:
        assert shape.first is not None
        since = shape.first + timedelta(seconds=rng.uniform(0, span))
        until = since + timedelta(days=30)
        return {"since": since.isoformat(), "until": until.isoformat()}

    return {
        "none (first page)": lambda: {},
        "none, random cursor": lambda: {"cursor": cursor()},
        "cursor to a deep page (last 10%)": lambda: {"cursor": cursor(0.9)},
        "subject": lambda: {"subject": rng.choice(shape.subjects)},
        f"type {common} (most common)": lambda: {"type": common, "cursor": cursor()},
        f"type {rare} (rarest)": lambda: {"type": rare, "cursor": cursor()},
        "source": lambda: {"source": rng.choice(["registration", "activity", "survey"]), "cursor": cursor()},
        "since/until, 30 days": month,
        "since/until, 30 days + type": lambda: {**month(), "type": common},
    }


def plan_stages(plan: dict) -> list[str]:
    """The stages of a winning plan, outermost first."""
    stages = []
    while plan:
        stages.append(plan.get("stage", "?") + (f" {plan['indexName']}" if "indexName" in plan else ""))
        plan = plan.get("inputStage") or {}
    return stages


def explained(db, finds: list[dict]) -> list[list[str]]:
    plans = []
    for find in {repr(f): f for f in finds}.values():
        answer = db.command("explain", {"find": audit.COLLECTION, **find}, verbosity="queryPlanner")
        plans.append(plan_stages(answer["queryPlanner"]["winningPlan"]))
    return plans


def pages(client, db, make: Callable[[], dict], count: int) -> dict:
    times: list[float] = []
    FINDS.seen, FINDS.armed = [], True
    for _ in range(count):
        params = make()
        started = time.perf_counter()
        answer = client.get(PAGE, query_string=params, headers=HEADERS)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    FINDS.armed = False
    plans = explained(db, FINDS.seen[:50])
    return {
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "finds": len(FINDS.seen) / count,
        "plans": plans,
        "collscan": any("COLLSCAN" in stage for plan in plans for stage in plan),
    }


def export_rate(client) -> float:
    started = time.perf_counter()
    answer = client.get(PAGE + ".jsonl", headers=HEADERS, buffered=False)
    lines = sum(chunk.count(b"\n") for chunk in answer.response)
    answer.close()
    return lines / (time.perf_counter() - started)


def bare_rate(db) -> float:
    started = time.perf_counter()
    found = sum(1 for _ in db[audit.COLLECTION].find({}, audit.PROJECTION))
    return found / (time.perf_counter() - started)


def sizes(db) -> dict[str, dict]:
    """collStats of each collection and dbStats, in MiB (SecantusDB answers both)."""
    mib = 1024 * 1024
    out = {}
    for name in sorted(db.list_collection_names()):
        stats = db.command("collStats", name)
        out[name] = {
            "count": stats.get("count", 0),
            "data": stats.get("size", 0) / mib,
            "storage": stats.get("storageSize", 0) / mib,
            "indexes": stats.get("totalIndexSize", 0) / mib,
        }
    whole = db.command("dbStats")
    out["(database)"] = {
        "count": whole.get("objects", 0),
        "data": whole.get("dataSize", 0) / mib,
        "storage": whole.get("storageSize", 0) / mib,
        "indexes": whole.get("indexSize", 0) / mib,
    }
    return out


def secantus_rss() -> float:
    """Peak RSS of the SecantusDB server this process started (the private embedded stack), if any."""
    for pid in children_of(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"secantus" in command:
            return peak_rss_mb(pid)
    return float("nan")


def run(settings: Settings, events: int, count: int = 200, rounds: int = 3) -> dict:
    settings = settings.override(db_prefix=f"bscale{events}_", api_tokens=f"staff:bench:{TOKEN}")
    db = bootstrap(settings).ensure_indexes().views.db
    shape = Shape()
    started = time.perf_counter()
    written = asof.write(db, shape.watch(history(events)))
    built = time.perf_counter() - started
    print(f"written: {written:,} records in {built:.0f} s", flush=True)
    client = create_app(settings).test_client()
    logging.getLogger("jajo.access").setLevel(logging.WARNING)  # one line per page otherwise
    rng = random.Random(17)
    measured = {}
    for name, make in cases(shape, written, rng).items():
        measured[name] = found = pages(client, db, make, count)
        print(f"{name}: p50 {found['p50']:.1f} ms, p99 {found['p99']:.1f} ms, plans {found['plans'][:1]}", flush=True)
    export = alternate({"export": lambda _: export_rate(client), "bare": lambda _: bare_rate(db)}, rounds)
    medians = {name: sorted(rates)[len(rates) // 2] for name, rates in export.items()}
    return {
        "events": written,
        "build_s": built,
        "pages": measured,
        "export": medians["export"],
        "bare": medians["bare"],
        "ratio": medians["export"] / medians["bare"],
        "sizes": sizes(db),
        "bench_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "secantus_rss": secantus_rss(),
    }


def report(result: dict) -> list[str]:
    out = [
        f"{result['events']:,} audit records written in {result['build_s']:.0f} s "
        f"({result['events'] / result['build_s']:,.0f} records/s)",
        "",
        "| filter | p50 ms | p99 ms | finds per page | winning plans | met (p99 < 50 ms, no COLLSCAN) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in result["pages"].items():
        plans = "; ".join(" ← ".join(plan) for plan in m["plans"][:2]) + (" …" if len(m["plans"]) > 2 else "")
        met = m["p99"] < TARGET_MS and not m["collscan"]
        out.append(
            f"| {name} | {m['p50']:.1f} | {m['p99']:.1f} | {m['finds']:.1f} | {plans} | {'yes' if met else 'no'} |"
        )
    out += [
        "",
        f"JSONL export of the whole history: {result['export']:,.0f} events/s; bare find() with the same "
        f"projection {result['bare']:,.0f} docs/s; ratio {result['ratio']:.2f} (target ≥ 0.5: "
        f"{'yes' if result['ratio'] >= 0.5 else 'no'})",
        "",
        "| collection | documents | data MiB | storage MiB | indexes MiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, s in result["sizes"].items():
        out.append(f"| {name} | {s['count']:,} | {s['data']:,.1f} | {s['storage']:,.1f} | {s['indexes']:,.1f} |")
    out += ["", f"peak RSS: bench process {result['bench_rss']:.0f} MiB, SecantusDB {result['secantus_rss']:.0f} MiB"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_scale")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit records in the history")
    parser.add_argument("--pages", type=int, default=200, help="pages asked per filter")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of export and bare find()")
    args = parser.parse_args()
    started = time.monotonic()
    with servers() as settings:
        result = run(settings, args.events, args.pages, args.rounds)
    print(f"# Audit at scale ({time.monotonic() - started:.0f} s)\n")
    print("\n".join(report(result)))


if __name__ == "__main__":
    main()
