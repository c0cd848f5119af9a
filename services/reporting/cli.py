"""Reporting's command line: `python -m services.reporting.cli rebuild [--force]` (`make rebuild`)."""

from __future__ import annotations

import argparse

from jajo.config import load_settings
from jajo.http.logs import configure_logging
from services.reporting.bootstrap import bootstrap
from services.reporting.rebuild import rebuild


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.reporting.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    rebuilding = commands.add_parser("rebuild", help="rebuild reporting's read models from the audit history")
    rebuilding.add_argument("--force", action="store_true", help="start even if a rebuild is marked as running")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging("reporting-rebuild", settings.log_level)
    reporting = bootstrap(settings)
    reporting.ensure_indexes()
    plan = rebuild(reporting.client, reporting.db, force=args.force, show_progress=True)
    print(f"read models rebuilt from {plan.total} events: generation {plan.generation} is live")


if __name__ == "__main__":
    main()
