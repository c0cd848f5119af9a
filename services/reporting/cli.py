"""Reporting's command line: `python -m services.reporting.cli rebuild [--force]` (`make rebuild`), and
`reseal [--dry-run]` (`make reseal`), the one-off migration that seals the personal fields of envelopes stored before
they were declared sealed, in every service's event store and outbox and in the audit history, and gives the audit
records made before `people` was recorded their `people` (docs/privacy.md). It writes every service's database: run
it as the `init` user (docker-compose.yml) with the services stopped."""

from __future__ import annotations

import argparse

from jajo.config import load_settings
from jajo.http.logs import configure_logging
from services.reporting import audit
from services.reporting.bootstrap import bootstrap
from services.reporting.rebuild import rebuild
from services.reporting.reseal import reseal_stack


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.reporting.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    rebuilding = commands.add_parser("rebuild", help="rebuild reporting's read models from the audit history")
    rebuilding.add_argument("--force", action="store_true", help="start even if a rebuild is marked as running")
    resealing = commands.add_parser("reseal", help="seal personal fields stored in plain text before they were sealed")
    resealing.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "reseal":
        configure_logging("reporting-reseal", settings.log_level)
        resealed, people = reseal_stack(bootstrap(settings), dry_run=args.dry_run)
        for place, done in resealed.items():
            print(f"{place}: {done.sealed} sealed, {done.blanked} of erased people blanked")
        print(f"reporting.{audit.COLLECTION}: {people} records given their people")
        return
    configure_logging("reporting-rebuild", settings.log_level)
    reporting = bootstrap(settings)
    reporting.ensure_indexes()
    plan = rebuild(reporting.client, reporting.db, force=args.force, show_progress=True)
    print(f"read models rebuilt from {plan.total} events: generation {plan.generation} is live")


if __name__ == "__main__":
    main()
