"""Sealing personal data (issue 13), side by side in one run: a member's join and the audit listing with the
personal fields sealed (jajo/personal.py) against the same code with nothing sealed. Target: ratio ≥ 0.9.

`python -m bench.privacy [--rounds N]`: a private embedded stack unless KAFKA_BOOTSTRAP_SERVERS/MONGODB_URI.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import date
from typing import Callable

from bench.harness import HEADERS, TOKEN, machine, rate, servers, side_by_side
from jajo.config import Settings
from jajo.mongo import in_transaction
from services.registration.bootstrap import bootstrap as registration
from services.registration.commands import FormGroup, JoinGroup, NewChild
from services.registration.domain import GivenConsent
from services.reporting import audit
from services.reporting.app import create_app as reporting_app
from services.reporting.generation import STATE_ID

JOINS_PER_ROUND = 200
GROUP_SIZE = 10  # joins fill groups of ten: every join rebuilds (and opens) the members before it
AUDIT_EVENTS = 1_000
PAGES_PER_ROUND = 60
CONSENT = GivenConsent("2026-01", "2026-03-01T10:00:00+09:00", ("personal_data", "children_data"), (0,))


def joins(settings: Settings, sealed: bool) -> Callable[[int], float]:
    service = registration(settings).ensure_indexes()
    assert service.store is not None and service.bus is not None
    if not sealed:
        service.store.cipher = None
    bus = service.bus

    def round_of_joins(_: int) -> float:
        groups = [bus.handle(FormGroup("벤치 모임", 2026)).id for _ in range(JOINS_PER_ROUND // GROUP_SIZE)]

        def join(i: int) -> None:
            child = NewChild(date(2024, 1 + i % 12, 1 + i % 28), f"아이{i}")
            bus.handle(
                JoinGroup(groups[i // GROUP_SIZE], f"보호자{i}", "용산구", (child,), f"010-0000-{i:04d}", CONSENT)
            )

        return rate(join, JOINS_PER_ROUND)

    return round_of_joins


def audit_pages(settings: Settings, envelopes: list[dict]) -> Callable[[int], float]:
    """Reporting's audit holding `envelopes` (as MemberJoined arrive from the topic), paged by HTTP."""
    app = reporting_app(settings.override(api_tokens=f"staff:bench:{TOKEN}"))
    db = app.extensions["jajo"].wired.db

    def load(session) -> None:
        audit.record(db, envelopes, 1, session)
        db["state"].update_one({"_id": STATE_ID}, {"$set": {"seq": len(envelopes)}}, upsert=True, session=session)

    in_transaction(db.client, load)
    http = app.test_client()

    def page(i: int) -> None:
        after = (i * 100) % (len(envelopes) - 100)
        answer = http.get(f"/api/v1/audit/events?limit=100&cursor={after}&personal=true", headers=HEADERS)
        assert answer.status_code == 200 and len(answer.get_json()["events"]) == 100, answer.get_data(as_text=True)

    return lambda _: rate(page, PAGES_PER_ROUND)


def sealed_joins(settings: Settings) -> tuple[list[dict], list[dict]]:
    """AUDIT_EVENTS MemberJoined envelopes as stored (sealed) and the same opened."""
    service = registration(settings).ensure_indexes()
    assert service.store is not None and service.bus is not None and service.store.cipher is not None
    per_group = GROUP_SIZE
    for g in range(AUDIT_EVENTS // per_group):
        group = service.bus.handle(FormGroup(f"감사 모임 {g}", 2026))
        for i in range(per_group):
            child = NewChild(date(2024, 1 + i, 1), f"아이{g}-{i}")
            service.bus.handle(JoinGroup(group.id, f"보호자{g}-{i}", "용산구", (child,), None, CONSENT))
    stored = [e for e in service.store.all_events() if e["type"] == "MemberJoined"]
    return stored, service.store.cipher.open(stored)


def run(settings: Settings, rounds: int) -> list[tuple[str, str, str, str]]:
    prefix = f"bench_{uuid.uuid4().hex[:6]}_"
    stored, opened = sealed_joins(settings.override(db_prefix=f"{prefix}src_"))
    keys_prefix = f"{prefix}src_"  # the sealed copies open with the keys the source registration made
    join_medians = side_by_side(
        {
            "sealed": joins(settings.override(db_prefix=f"{prefix}a_"), sealed=True),
            "plain": joins(settings.override(db_prefix=f"{prefix}b_"), sealed=False),
        },
        rounds,
    )
    sealed_audit = settings.override(db_prefix=keys_prefix)
    audit_medians = side_by_side(
        {
            "sealed": audit_pages(sealed_audit, stored),
            "plain": audit_pages(settings.override(db_prefix=f"{prefix}c_"), opened),
        },
        rounds,
    )
    return [
        (
            f"member join (groups of {GROUP_SIZE})",
            f"{join_medians['sealed']:,.1f} joins/s",
            f"{join_medians['plain']:,.1f} joins/s",
            f"{join_medians['sealed'] / join_medians['plain']:.2f}",
        ),
        (
            "audit listing, 100 MemberJoined a page, personal=true",
            f"{audit_medians['sealed']:,.1f} pages/s",
            f"{audit_medians['plain']:,.1f} pages/s",
            f"{audit_medians['sealed'] / audit_medians['plain']:.2f}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with servers() as settings:
        rows = run(settings, args.rounds)
    print(f"# Sealed personal data ({machine()}; {args.rounds} alternating rounds, medians)\n")
    print("| measure | sealed | nothing sealed, same run | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, sealed, plain, ratio in rows:
        print(f"| {name} | {sealed} | {plain} | {ratio} | ≥ 0.9 | {'yes' if float(ratio) >= 0.9 else 'no'} |")


if __name__ == "__main__":
    main()
