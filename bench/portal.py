"""`python -m bench.portal`: server time of each portal page (p50/p99) with program years loaded.

Starts Kafka and MongoDB (embedded unless given), the four services and their workers and the portal under
gunicorn, loads `--years` program years through the public APIs (the demo's plan for 2025 and for 2020, 2021, …
on each year's own dates, about 1,000 commands a year; two years at a time), signs in as a staff member and times
each of the eight pages of the navigation bar (and a group's page, a group's documents and the freshness line)
`--calls` times for 2025 (loopback, keep-alive: the time is the portal's answer plus its calls to the services).

    .venv/bin/python -m bench.portal --years 10"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.harness import TOKEN, gunicorn, machine, percentile, servers, worker, workdir
from demo.client import Api, wait_until_caught_up
from demo.load import Loader
from demo.plan import YEAR, plan
from jajo.init import initialise
from jajo.mongo import client_of
from services.portal.accounts import Accounts

PORTAL_TOKEN = "bench-portal-token-0123456789abcdefghij"
PAGES = [
    "/?year=2025",
    "/groups/?year=2025",
    "/groups/{group}",
    "/schedule/?week=2025-05-12",
    "/funding/?year=2025",
    "/documents/?year=2025",
    "/documents/?group_id={group}&year=2025",
    "/surveys/?year=2025",
    "/audit/",
    "/operations/",
    "/freshness",
]
SERVICES = ("registration", "activity", "survey", "reporting")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal")
    parser.add_argument("--years", type=int, default=10, help="program years loaded: 2025, then 2020, 2021, …")
    parser.add_argument("--calls", type=int, default=100, help="calls of each page per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages: p99 is the median round's")
    args = parser.parse_args()
    work = workdir()
    tokens = f"staff:bench:{TOKEN},portal:web:{PORTAL_TOKEN}"
    with servers() as settings:
        initialise(settings, 60)
        processes, urls = [], {}
        try:
            for name in SERVICES:
                process, urls[name] = gunicorn(name, settings, work, API_TOKENS=tokens, WEB_CONCURRENCY="2")
                processes.append(process)
                processes.append(worker(f"services.{name}.worker", settings, work, f"{name}-worker", API_TOKENS=tokens))
            extra = {f"PORTAL_{name.upper()}_URL": url for name, url in urls.items()}
            process, portal = gunicorn("portal", settings, work, API_TOKENS=tokens, WEB_CONCURRENCY="2", **extra)
            processes.append(process)
            started = time.monotonic()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda year: load(urls, year), program_years(args.years)))
            apis = {name: Api(urls[name], TOKEN, "bench") for name in SERVICES}
            wait_until_caught_up([apis[n] for n in SERVICES[:3]], apis["reporting"], timeout=900)
            loaded = time.monotonic() - started
            group = apis["registration"].get("/groups?year=2025")["groups"][0]["id"]
            Accounts(client_of(settings)[settings.database_name("portal")]).add("bench", "bench-password-1", "staff")
            load_before = os.getloadavg()[0]
            rows = measure(portal, args.calls, args.rounds, group)
            load_after = os.getloadavg()[0]
        finally:
            for process in processes:
                process.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"portal pages, {args.years} program years loaded in {loaded:.0f} s; {args.rounds} rounds of {args.calls} "
        f"calls each; {machine()}; load average {load_before:.1f} → {load_after:.1f} during the measure"
    )
    print("| page | p50 ms | p99 ms |\n| --- | --- | --- |")
    for page, p50, p99 in rows:
        print(f"| `{page}` | {p50:.0f} | {p99:.0f} |")


def program_years(count: int) -> list[int]:
    """2025 (the measured year) and the years from 2020 on (the services take 2020–2100)."""
    return [YEAR] + [year for year in range(2020, 2100) if year != YEAR][: count - 1]


def load(urls: dict[str, str], year: int) -> None:
    apis = {name: Api(urls[name], TOKEN, f"bench{year}", timeout=300) for name in SERVICES}
    Loader(apis["registration"], apis["activity"], apis["survey"], year, log=False, year=year).load(
        plan(year, year=year), 3
    )


def measure(portal: str, calls: int, rounds: int, group: str) -> list[tuple[str, float, float]]:
    """p50 of every call of a page; p99 the median of its rounds' p99s (the rounds go over all pages in turn,
    so that a burst of load from elsewhere on the machine lands in one round of a few pages, not in all)."""
    http = requests.Session()
    token = re.findall(r'name="csrf_token" value="([^"]+)"', http.get(f"{portal}/signin").text)[0]
    http.post(f"{portal}/signin", data={"csrf_token": token, "username": "bench", "password": "bench-password-1"})
    pages = [p.format(group=group) for p in PAGES]
    times: dict[str, list[list[float]]] = {page: [] for page in pages}
    for _ in range(rounds):
        for page in pages:
            this_round = []
            for _ in range(calls):
                answer = http.get(portal + page, timeout=30)
                if answer.status_code != 200:
                    sys.exit(f"{page}: {answer.status_code}")
                this_round.append(answer.elapsed.total_seconds() * 1000)
            times[page].append(this_round)
    return [
        (page, statistics.median([t for r in runs for t in r]), statistics.median(percentile(r, 99) for r in runs))
        for page, runs in times.items()
    ]


if __name__ == "__main__":
    main()
