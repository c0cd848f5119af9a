"""`make bench`: every benchmark against the bare limits of the stack, measured in the same run."""

from __future__ import annotations

import argparse
import shutil
import time

from bench import asof, commands, eventstore, freshness, projection, reports, republish, roundtrips, uploads
from bench.harness import machine, servers, workdir


def _mb(rss: dict) -> str:
    children = rss["children"]
    if children:
        return f"{max(children):.0f} MiB per worker × {len(children)} (+ master {rss['main']:.0f})"
    return f"{rss['main']:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each side-by-side measure")
    parser.add_argument(
        "--scale",
        type=int,
        default=20,
        help="program years (~1,100 events each) replayed by the catch-up benchmark; 100 ≈ 110k",
    )
    parser.add_argument("--commands", type=int, default=300, help="held-session commands per round")
    parser.add_argument(
        "--asof-years", type=int, default=91, help="program years of the as_of benchmark's large history (91 ≈ 100k)"
    )
    args = parser.parse_args()
    started = time.monotonic()
    work = workdir()
    with servers() as settings:
        store = eventstore.run(settings, args.rounds)
        cmd = commands.run(settings, work, args.rounds, args.commands)
        trips = roundtrips.run(settings, args.commands)
        proj = projection.run(settings, args.rounds, args.scale)
        fresh = freshness.run(settings, work)
        rep = reports.run(settings, proj["history_db"], proj["events"], work)
        past = asof.run(settings, args.asof_years)
        history = republish.run(settings, args.rounds)
        upload = uploads.run(settings, work)
    shutil.rmtree(work, ignore_errors=True)
    c_names = list(cmd["medians"])
    rows: list[tuple[str, ...]] = [
        (
            "1 command throughput",
            f"{cmd['medians'][c_names[0]]:,.0f} held-session commands/s "
            f"({cmd['workers']} gunicorn workers, {cmd['clients']} keep-alive clients)",
            f"{cmd['medians'][c_names[1]]:,.0f} insert_one/s ({cmd['clients']} clients)",
            f"{cmd['ratio']:.2f}",
            "≥ 0.5",
            "yes" if cmd["ratio"] >= 0.5 else "no",
        ),
        (
            "1c round trips of one held-session command (in process)",
            f"{len(trips['sent'])}: " + ", ".join(f"{name} {on}".strip() for name, on in trips["sent"]),
            "1 (insert_one)",
            "—",
            "stated",
            "",
        ),
        (
            f"1c failed commands, {trips['commands']} held sessions from {roundtrips.CLIENTS} threads (in process)",
            (", ".join(f"{n} {name}" for name, n in trips["failures"].items()) or "none")
            + f" ({trips['rate']:,.0f} commands/s)",
            "—",
            "—",
            "no write conflict",
            "yes" if not any("WriteConflict" in name for name in trips["failures"]) else "no",
        ),
        (
            "1b event-store append (in process)",
            store["rows"][0][1],
            f"{store['rows'][1][1]} insert_one",
            f"{store['ratio']:.2f}",
            "—",
            "—",
        ),
        (
            "2 projection catch-up",
            f"{proj['projector']:,.0f} events/s ({proj['events']:,} events, {proj['scale']} program years)",
            f"{proj['bare']:,.0f} events/s consume + bulk_write",
            f"{proj['ratio']:.2f}",
            "≥ 0.5",
            "yes" if proj["ratio"] >= 0.5 else "no",
        ),
        (
            "2b rebuild from the audit history",
            f"{proj['rebuild']:,.0f} events/s",
            "same bare loop",
            f"{proj['rebuild_ratio']:.2f}",
            "—",
            "read models identical" if proj["exact"] else "MISMATCH",
        ),
        (
            "2c relay: the history into a new topic (broker restarted)",
            f"{history['relay']:,.0f} events/s ({history['events']:,} stored events)",
            f"{history['bare']:,.0f} events/s find + plain producer",
            f"{history['ratio']:.2f}",
            "—",
            "—",
        ),
        (
            "3 freshness at 50 commands/s",
            f"p50 {fresh['p50'] * 1000:,.0f} ms, p99 {fresh['p99'] * 1000:,.0f} ms "
            f"(pooled over {fresh['rounds']} rounds of {fresh['count']} commands at {fresh['rate']:.0f}/s; round p99s "
            + ", ".join(f"{p * 1000:,.0f}" for p in fresh["p99s"])
            + " ms)",
            "—",
            "—",
            "p99 < 1 s",
            "yes" if fresh["p99"] < 1 else "no",
        ),
    ]
    for case in rep["cases"]:
        rows.append(
            (
                f"4 annual report over HTTP, {case['events']:,} events in history",
                f"p50 {case['p50']:.1f} ms, p99 {case['p99']:.1f} ms",
                "—",
                "—",
                "",
                "",
            )
        )
    rows.append(
        (
            "4 flatness",
            f"p99 {rep['cases'][-1]['events']:,} / p99 1,099",
            "—",
            f"{rep['flat']:.2f}",
            "≤ 1.5",
            "yes" if rep["flat"] <= 1.5 else "no",
        )
    )
    for case in rep["as_of"]:
        rows.append(
            (
                f"4b annual report as_of 2025-07-01, {case['history']} history",
                f"p50 {case['p50']:.0f} ms, p99 {case['p99']:.0f} ms",
                "—",
                "—",
                "stated",
                "",
            )
        )
    rows += asof.rows(past)
    rows.append(
        (
            "5 scale-out",
            f"two projectors {proj['two']:,.0f} events/s (split {proj['split']})",
            f"one projector {proj['one']:,.0f} events/s",
            f"{proj['two'] / proj['one']:.2f}",
            "> 1",
            ("yes" if proj["two"] > proj["one"] else "no")
            + (", no double counting" if proj["no_double"] else ", DOUBLE COUNTED"),
        )
    )
    rss = fresh["rss"]
    rows.append(
        ("6 memory (peak RSS)", f"projector {proj['projector_rss']:.0f} MiB during the replay", "—", "—", "stated", "")
    )
    for name in ("registration", "activity", "survey", "reporting"):
        rows.append((f"6 memory: {name} service", _mb(rss[name]), "—", "—", "stated", ""))
    rows.append(("6 memory: activity worker (relay + view)", _mb(rss["activity-worker"]), "—", "—", "stated", ""))
    rows.append(("6 memory: activity gunicorn under the throughput run", _mb(cmd["rss"]), "—", "—", "stated", ""))
    rows += [(f"7 {name}", *rest) for name, *rest in uploads.rows(upload)]

    print(
        f"# Jajo benchmarks ({machine()}; {args.rounds} alternating rounds: medians of rates, percentiles pooled; "
        f"{time.monotonic() - started:.0f} s)\n"
    )
    print("| # measure | Jajo | bare limit, same run | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


if __name__ == "__main__":
    main()
