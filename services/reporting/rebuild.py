"""Rebuild every read model from the audit history into a fresh generation, then swap it in.

    python -m services.reporting.rebuild [--force]

1. `prepare`: in one transaction on the state document, mark generation N+1 as `building` and note
   the audit sequence S reached so far. From then on the live projector writes every batch to both
   generations; the batches up to S are in the audit history.
2. `execute`: replay the audit history up to S into generation N+1 (bulk writes, a progress bar).
   The updates commute, so it does not matter that the live projector wrote newer events first.
3. Swap: `current` = N+1 (queries read it from the next request on); older generations are dropped
   except the one just replaced, which requests already running may still be reading.
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from pymongo import MongoClient
from pymongo.database import Database
from tqdm import tqdm

from jajo.errors import Conflict
from jajo.mongo import in_transaction
from services.reporting import audit, store
from services.reporting.readmodels import project_all

log = logging.getLogger(__name__)
CHUNK = 1000


@dataclass(frozen=True)
class Plan:
    generation: int
    previous: int
    upto: int
    total: int


def prepare(client: MongoClient, db: Database, force: bool = False) -> Plan:
    before = store.state(db)
    if before.get("building") is not None and not force:
        raise Conflict(f"a rebuild into generation {before['building']} is running", retry_after=5)
    generation = max({before["current"], before.get("building") or 0} | store.existing_generations(db)) + 1
    store.drop_generation(db, generation)
    store.ensure_generation(db, generation)

    def mark(session) -> dict:
        doc = store.state(db, session)
        if doc.get("building") is not None and not force and doc["building"] != generation:
            raise Conflict(f"a rebuild into generation {doc['building']} is running", retry_after=5)
        rebuild = {"generation": generation, "status": "running", "processed": 0, "total": None,
                   "started_at": datetime.now(timezone.utc), "finished_at": None, "upto": doc["seq"]}
        db["state"].update_one(
            {"_id": store.STATE_ID},
            {"$set": {"building": generation, "rebuild": rebuild},
             "$setOnInsert": {"seq": 0, "current": store.FIRST_GENERATION}},
            upsert=True, session=session,
        )
        return {**doc, "building": generation}

    marked = in_transaction(client, mark)
    upto = marked["seq"]
    plan = Plan(generation, marked["current"], upto, audit.count(db, upto))
    db["state"].update_one({"_id": store.STATE_ID}, {"$set": {"rebuild.total": plan.total}})
    return plan


def execute(client: MongoClient, db: Database, plan: Plan, progress: Callable[[int], None] | None = None) -> None:
    done = 0
    chunk: list[dict] = []

    def flush() -> None:
        nonlocal done
        store.apply_ops(db, plan.generation, project_all(chunk, on_error=lambda e, exc: None))
        done += len(chunk)
        if progress:
            progress(len(chunk))
        db["state"].update_one({"_id": store.STATE_ID}, {"$set": {"rebuild.processed": done}})
        chunk.clear()

    try:
        for envelope in audit.stream(db, upto=plan.upto):
            chunk.append(envelope)
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
    except Exception:
        db["state"].update_one({"_id": store.STATE_ID, "building": plan.generation},
                               {"$set": {"building": None, "rebuild.status": "failed"}})
        raise

    def swap(session) -> None:
        db["state"].update_one(
            {"_id": store.STATE_ID},
            {"$set": {"current": plan.generation, "building": None, "rebuild.status": "done",
                      "rebuild.finished_at": datetime.now(timezone.utc)}},
            session=session,
        )

    in_transaction(client, swap)
    for old in store.existing_generations(db) - {plan.generation, plan.previous}:
        store.drop_generation(db, old)
    log.info("rebuilt read models", extra={"generation": plan.generation, "events": done})


def rebuild(client: MongoClient, db: Database, force: bool = False, show_progress: bool = False) -> Plan:
    plan = prepare(client, db, force)
    with tqdm(total=plan.total, unit="event", desc=f"rebuild → generation {plan.generation}",
              disable=not show_progress, file=sys.stderr) as bar:
        execute(client, db, plan, bar.update)
    return plan


def main(argv: list[str] | None = None) -> None:
    from jajo.config import load_settings
    from jajo.http.logs import configure_logging
    from services.reporting.bootstrap import wire

    parser = argparse.ArgumentParser(description="Rebuild reporting's read models from the audit history.")
    parser.add_argument("--force", action="store_true", help="start even if a rebuild is marked as running")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging("reporting-rebuild", settings.log_level)
    reporting = wire(settings)
    plan = rebuild(reporting.client, reporting.db, force=args.force, show_progress=True)
    print(f"read models rebuilt from {plan.total} events: generation {plan.generation} is live")


if __name__ == "__main__":
    main()
