"""Projection catch-up (the projector against a bare consume-and-bulk_write loop), rebuild, scale-out, memory."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from bench.harness import ROOT, environment
from bench.yeargen import produce, years
from jajo.config import Settings
from jajo.kafka import ensure_topics
from jajo.mongo import client_of
from services.reporting import rebuild, generation
from services.reporting.bootstrap import bootstrap
from services.reporting.projection import replay


def _replay(settings: Settings, mode: str, total: int, count: int = 1) -> list[dict]:
    """`count` processes, each reading its share of the partitions (`--member i/count`)."""
    env = environment(settings)
    processes = [
        subprocess.Popen([sys.executable, "-m", "bench.replay", mode, "--member", f"{i}/{count}", "--total", str(total)],
                         env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for i in range(count)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=1200)
        if process.returncode != 0:
            raise RuntimeError(f"bench.replay {mode} failed ({process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _rate(results: list[dict], total: int) -> float:
    started = min(r["first"] for r in results if r["first"])
    ended = max(r["last"] for r in results if r["last"])
    return total / (ended - started)


def run(settings: Settings, rounds: int, scale: int) -> dict:
    base = settings.override(topic_prefix="b2-")
    ensure_topics(base)
    messages = list(years(scale))
    total = produce(base, messages)
    expected = replay(e for _, e in messages)
    projector_rates, bare_rates, rss = [], [], []
    for r in range(rounds):
        results = _replay(base.override(db_prefix=f"b2p{r}_"), "projector", total)
        projector_rates.append(_rate(results, total))
        rss.append(results[0]["rss_mb"])
        results = _replay(base.override(db_prefix=f"b2b{r}_"), "bare", total)
        bare_rates.append(_rate(results, total))
    projector, bare = statistics.median(projector_rates), statistics.median(bare_rates)
    last = bootstrap(base.override(db_prefix=f"b2p{rounds - 1}_")).ensure_indexes()
    exact = _same_as(last.db, expected)

    started = time.perf_counter()
    rebuild.rebuild(last.client, last.db)
    rebuild_rate = total / (time.perf_counter() - started)
    exact = exact and _same_as(last.db, expected)

    one = _replay(base.override(db_prefix="b5one_"), "projector", total)
    two = _replay(base.override(db_prefix="b5two_"), "projector", total, count=2)
    two_db = client_of(base)[base.override(db_prefix="b5two_").database_name("reporting")]
    split = [r["handled"] for r in two]
    no_double = (generation.state(two_db)["seq"] == total and two_db["audit_events"].count_documents({}) == total
                 and _same_as(two_db, expected))
    return {
        "events": total, "scale": scale, "projector": projector, "bare": bare, "ratio": projector / bare,
        "rebuild": rebuild_rate, "rebuild_ratio": rebuild_rate / bare, "exact": exact,
        "one": _rate(one, total), "two": _rate(two, total), "split": split, "no_double": no_double,
        "projector_rss": max(rss + [r["rss_mb"] for r in one + two]),
        "history_db": base.override(db_prefix=f"b2p{rounds - 1}_"),
    }


def _same_as(db, expected) -> bool:
    """The live read models hold exactly what an in-memory replay of the same events gives (no double counting)."""
    live = generation.current_models(db).dump()
    want = {name: {doc_id: generation._normalise(doc) for doc_id, doc in docs.items()}
            for name, docs in expected.docs.items()}
    return live == want
