"""`python -m bench.portal`: server time of each portal page (p50/p99) with program years loaded.

Starts Kafka and MongoDB (embedded unless given), the four services and their workers and the portal under
gunicorn, loads the demo's 2025 program year through the public APIs (`--years` copies, each under its own
idempotency run), signs in as a staff member and times every page `--calls` times (loopback, keep-alive: the
time is the portal's answer plus its calls to the services)."""
from __future__ import annotations

import argparse
import re
import statistics
import sys

import requests

from bench.harness import TOKEN, gunicorn, machine, percentile, servers, worker, workdir
from jajo.init import initialise
from jajo.mongo import client_of
from services.portal.accounts import Accounts
from services.reporting import demo

PORTAL_TOKEN = "bench-portal-token-0123456789abcdefghij"
PAGES = ["/?year=2025", "/groups/?year=2025", "/schedule/?week=2025-05-12", "/funding/?year=2025",
         "/documents/", "/surveys/?year=2025", "/audit/", "/operations/", "/freshness"]
SERVICES = ("registration", "activity", "survey", "reporting")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal")
    parser.add_argument("--years", type=int, default=1, help="demo program years loaded (distinct idempotency runs)")
    parser.add_argument("--calls", type=int, default=40)
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
                processes.append(worker(f"services.{name}.worker", settings, work, f"{name}-worker",
                                        API_TOKENS=tokens))
            extra = {f"PORTAL_{name.upper()}_URL": url for name, url in urls.items()}
            process, portal = gunicorn("portal", settings, work, API_TOKENS=tokens, WEB_CONCURRENCY="2", **extra)
            processes.append(process)
            for run in range(args.years):
                apis = {name: demo.Api(urls[name], TOKEN, f"bench{run}") for name in SERVICES}
                demo.Loader(apis["registration"], apis["activity"], apis["survey"], demo.YEAR, log=False).load(
                    demo.plan(demo.YEAR), 4)
            demo.wait_until_caught_up([apis[n] for n in SERVICES[:3]], apis["reporting"])
            Accounts(client_of(settings)[settings.database_name("portal")]).add(
                "bench", "bench-password-1", "staff")
            rows = measure(portal, args.calls)
        finally:
            for process in processes:
                process.stop()
    print(f"portal pages, {args.years} program year(s) loaded, {args.calls} calls each; {machine()}")
    print("| page | p50 ms | p99 ms |\n| --- | --- | --- |")
    for page, p50, p99 in rows:
        print(f"| `{page}` | {p50:.0f} | {p99:.0f} |")


def measure(portal: str, calls: int) -> list[tuple[str, float, float]]:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{portal}/signin").text).group(1)
    http.post(f"{portal}/signin", data={"csrf_token": token, "username": "bench", "password": "bench-password-1"})
    rows = []
    for page in PAGES:
        times = []
        for _ in range(calls):
            answer = http.get(portal + page, timeout=30)
            if answer.status_code != 200:
                sys.exit(f"{page}: {answer.status_code}")
            times.append(answer.elapsed.total_seconds() * 1000)
        rows.append((page, statistics.median(times), percentile(times, 99)))
    return rows


if __name__ == "__main__":
    main()
