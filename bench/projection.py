"""Projection catch-up (the projector against a bare consume-and-bulk_write loop), rebuild, scale-out, memory."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.harness import ROOT, alternate, environment, servers
from bench.yeargen import produce, years
from jajo.config import Settings
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from services.reporting import rebuild, generation, sequence
from services.reporting.bootstrap import bootstrap
from services.reporting.projection import replay


def _replay(settings: Settings, mode: str, total: int, count: int = 1, deadline: float = 900) -> list[dict]:
    """`count` processes, each reading its share of the partitions (`--member i/count`) for `deadline` seconds
    at the most."""
    env = environment(settings)
    command = [sys.executable, "-m", "bench.replay", mode, "--total", str(total), "--deadline", str(deadline)]
    processes = [
        subprocess.Popen(
            [*command, "--member", f"{i}/{count}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=deadline + 300)
        if process.returncode != 0:
            raise RuntimeError(f"bench.replay {mode} failed ({process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _rate(results: list[dict], total: int) -> float:
    started = min(r["started"] for r in results)
    ended = max(r["last"] for r in results if r["last"])
    return total / (ended - started)


def run(settings: Settings, rounds: int, scale: int) -> dict:
    """Round by round in turn: the projector, the bare loop, a rebuild of that round's read models from its audit,
    one projector and two projectors (scale-out), each on a fresh database; medians of the rounds."""
    base = settings.override(topic_prefix="b2-")
    ensure_topics(base)
    messages = list(years(scale))
    total = produce(base, messages)
    expected = replay(e for _, e in messages)
    rss: list[float] = []
    splits: list[list[int]] = []
    checks = {"exact": True, "no_double": True}

    def projector(r: int) -> float:
        results = _replay(base.override(db_prefix=f"b2p{r}_"), "projector", total)
        rss.append(results[0]["rss_mb"])
        return _rate(results, total)

    def bare(r: int) -> float:
        return _rate(_replay(base.override(db_prefix=f"b2b{r}_"), "bare", total), total)

    def rebuilt(r: int) -> float:
        reporting = bootstrap(base.override(db_prefix=f"b2p{r}_")).ensure_indexes()
        checks["exact"] &= _same_as(reporting.db, expected)
        started = time.perf_counter()
        rebuild.rebuild(reporting.client, reporting.db)
        elapsed = time.perf_counter() - started
        checks["exact"] &= _same_as(reporting.db, expected)
        return total / elapsed

    contenders = {"projector": projector, "bare": bare, "rebuild": rebuilt}
    rates = alternate({**contenders, **_scale_out(base, total, expected, rss, splits, checks)}, rounds)
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "events": total,
        "scale": scale,
        "projector": median["projector"],
        "bare": median["bare"],
        "ratio": median["projector"] / median["bare"],
        "rebuild": median["rebuild"],
        "rebuild_ratio": median["rebuild"] / median["bare"],
        "exact": checks["exact"],
        "one": median["one"],
        "two": median["two"],
        "split": splits[-1],
        "no_double": checks["no_double"],
        "projector_rss": max(rss),
        "rounds": rates,
        "history_db": base.override(db_prefix=f"b2p{rounds - 1}_"),
    }


def _scale_out(base: Settings, total: int, expected, rss: list, splits: list, checks: dict) -> dict:
    """Row 5's contenders: one projector process, and two splitting the partitions ("0/2", "1/2"), each round on a
    fresh database; `checks["no_double"]`: each event in the audit once, no reservation left open, the read
    models (parts merged) equal to the in-memory replay."""

    def one(r: int) -> float:
        results = _replay(base.override(db_prefix=f"b5one{r}_"), "projector", total)
        rss.extend(x["rss_mb"] for x in results)
        return _rate(results, total)

    def two(r: int) -> float:
        prefix = base.override(db_prefix=f"b5two{r}_")
        results = _replay(prefix, "projector", total, count=2)
        rss.extend(x["rss_mb"] for x in results)
        splits.append([x["handled"] for x in results])
        two_db = client_of(base)[prefix.database_name("reporting")]
        seqs = [doc["seq"] for doc in two_db["audit_events"].find({}, {"seq": 1})]
        checks["no_double"] &= (
            len(seqs) == len(set(seqs)) == total
            and sequence.open_count(two_db) == 0
            and max(seqs) <= generation.state(two_db)["seq"]
            and _same_as(two_db, expected)
        )
        return _rate(results, total)

    return {"one": one, "two": two}


def scale_out(settings: Settings, rounds: int, scale: int) -> dict:
    """Row 5 alone (`python -m bench.projection --rounds 3 --scale 20`): one and two projectors, alternating."""
    base = settings.override(topic_prefix="b5-")
    ensure_topics(base)
    messages = list(years(scale))
    total = produce(base, messages)
    rss: list[float] = []
    splits: list[list[int]] = []
    checks = {"no_double": True}
    rates = alternate(_scale_out(base, total, replay(e for _, e in messages), rss, splits, checks), rounds)
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "events": total,
        **median,
        "ratio": median["two"] / median["one"],
        "rounds": rates,
        "splits": splits,
        **checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.projection", description=scale_out.__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()
    with servers() as settings:
        print(json.dumps(scale_out(settings, args.rounds, args.scale), indent=1))


def _same_as(db, expected) -> bool:
    """The live read models hold exactly what an in-memory replay of the same events gives (no double counting)."""
    live = generation.current_models(db).dump()
    want = {
        name: {doc_id: generation._normalise(doc) for doc_id, doc in docs.items()}
        for name, docs in expected.docs.items()
    }
    return live == want


if __name__ == "__main__":
    main()
