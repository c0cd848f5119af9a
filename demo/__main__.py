"""`python -m demo` (`make demo`): load the plan into a running stack, wait for the report, print and check it."""

from __future__ import annotations

import argparse
import sys
import time

import demo
from demo.client import Api, default_token, default_url, wait_until_caught_up
from demo.load import Loader
from demo.plan import YEAR, plan
from demo.report import check, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=demo.__doc__.split("\n\n")[0])
    for service, port in (("registration", 8001), ("activity", 8002), ("survey", 8003), ("reporting", 8004)):
        parser.add_argument(f"--{service}", default=default_url(service, port), help=f"{service}'s base URL")
    parser.add_argument(
        "--token",
        default=default_token(),
        help="a staff token (default: JAJO_TOKEN, API_TOKENS or the embedded stack's saved one)",
    )
    parser.add_argument("--run", default="2025", help="idempotency namespace: the same run id loads nothing twice")
    parser.add_argument("--seed", type=int, default=YEAR)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("no staff token: pass --token or set JAJO_TOKEN")
    apis = {
        name: Api(getattr(args, name), args.token, args.run)
        for name in ("registration", "activity", "survey", "reporting")
    }
    started = time.monotonic()
    Loader(apis["registration"], apis["activity"], apis["survey"], args.seed).load(plan(args.seed), args.workers)
    print(f"loaded in {time.monotonic() - started:.1f} s; waiting for the report to catch up …", file=sys.stderr)
    wait_until_caught_up([apis["registration"], apis["activity"], apis["survey"]], apis["reporting"])
    report = apis["reporting"].get(f"/reports/annual/{YEAR}")
    print(table(report))
    problems = check(report)
    if problems:
        print("\nthe report does not match the center's 2025 figures: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("\n223 회기 · 보호자 948 · 아동 877 · 활동 지원/운영 긍정 100% ✓")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
