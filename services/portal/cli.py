"""Staff accounts from the command line: `python -m services.portal.cli add|disable|enable|reset|list|first-admin`.

add <username> [--role staff|viewer] [--name 표시이름]   prints a new random password (or reads PORTAL_PASSWORD)
disable <username> | enable <username>                 a disabled account cannot sign in; its sessions end
reset <username>                                        a new random password (or PORTAL_PASSWORD); sessions end
list
first-admin --file .data/portal-admin                  `make up`: the first staff account from PORTAL_ADMIN
                                                        (name:password) when no account exists, else a random one
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from environs import Env

from jajo.config import load_settings, secret
from services.portal.accounts import AccountError, Accounts, new_password
from services.portal.bootstrap import bootstrap


def accounts() -> Accounts:
    return bootstrap(load_settings()).ensure_indexes().accounts


def first_admin(store: Accounts, spec: str, saved: Path) -> str | None:
    """Returns the line to print: the account made now, or the one made before (kept in `saved`)."""
    name, _, password = spec.partition(":") if spec else ("admin", "", "")
    password = password or new_password()
    if store.ensure_first(name, password):
        if not spec:
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(f"{name}:{password}\n")
            saved.chmod(0o600)
        return f"{name} / {password}" if not spec else f"{name} (password from PORTAL_ADMIN)"
    if saved.exists():
        return saved.read_text().strip().replace(":", " / ", 1) + f"  (saved in {saved})"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.portal.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add")
    add.add_argument("username")
    add.add_argument("--role", default="staff", choices=["staff", "viewer"])
    add.add_argument("--name", default=None)
    for command in ("disable", "enable", "reset"):
        sub.add_parser(command).add_argument("username")
    sub.add_parser("list")
    first = sub.add_parser("first-admin")
    first.add_argument("--file", default=".data/portal-admin")
    args = parser.parse_args(argv)
    store = accounts()
    password = os.environ.get("PORTAL_PASSWORD") or new_password()
    try:
        if args.command == "add":
            account = store.add(args.username, password, args.role, args.name)
            print(f"added {account.username} ({account.role}); password: {password}")
        elif args.command == "reset":
            print(f"reset {store.reset(args.username, password).username}; password: {password}")
        elif args.command in ("disable", "enable"):
            account = getattr(store, args.command)(args.username)
            print(f"{account.username}: {'active' if account.active else 'disabled'}")
        elif args.command == "list":
            for account in store.all():
                print(f"{account.username}\t{account.role}\t{'active' if account.active else 'disabled'}")
        else:
            line = first_admin(store, secret(Env(), "PORTAL_ADMIN", ""), Path(args.file))
            print(line or "accounts exist already (python -m services.portal.cli reset <name> for a new password)")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
