"""Registration's command line: `python -m services.registration.cli retention [--dry-run] [--on YYYY-MM-DD]`
(`make retention-due` is the dry run)."""

from __future__ import annotations

import argparse
from datetime import date

from jajo.config import load_settings
from jajo.http.logs import configure_logging
from services.registration.bootstrap import bootstrap
from services.registration.retention import DueGroup, Retention


def print_due(due: list[DueGroup], today: date) -> None:
    """One line per member: year, group id, member id (tab-separated; ids only, never names), then a total."""
    for group in due:
        for member_id in group.member_ids:
            print(f"{group.year}\t{group.group_id}\t{member_id}")
    members = sum(len(group.member_ids) for group in due)
    print(f"due on {today.isoformat()}: {members} members of {len(due)} closed groups", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.registration.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    retention_parser = commands.add_parser(
        "retention", help="erase the personal data of members whose retention period (보유기간) has ended"
    )
    retention_parser.add_argument(
        "--dry-run", action="store_true", help="only list the due members (year, group id, member id)"
    )
    retention_parser.add_argument(
        "--on", type=date.fromisoformat, metavar="YYYY-MM-DD", help="with --dry-run: what is due on that day"
    )
    args = parser.parse_args(argv)
    if args.on and not args.dry_run:
        retention_parser.error("--on only lists: use it with --dry-run")
    settings = load_settings()
    configure_logging("registration-retention", settings.log_level)
    retention: Retention = bootstrap(settings).ensure_indexes().retention
    if args.dry_run:
        today = args.on or retention.clock()
        print_due(retention.due(today), today)
    else:
        print(f"erased {retention.erase_due()} members whose retention period had ended", flush=True)


if __name__ == "__main__":
    main()
