"""Rebuild every read model from the audit history into a fresh generation, then swap it in.

    python -m services.reporting.cli rebuild [--force]   (or POST /api/v1/admin/rebuild)

1. `prepare`: in one transaction on the state document, mark generation N+1 as `building` and note
   the audit sequence S reserved so far. Every batch reserved from then on writes to both generations
   (services/reporting/sequence.py); the batches up to S are in the audit history once the committed
   watermark reaches S.
2. `execute`: wait for the watermark to reach S, then replay the audit history up to S into generation N+1
   (bulk writes, a progress bar).
   The updates commute, so it does not matter that the live projector wrote newer events first.
3. Swap: `current` = N+1 (queries read it from the next request on); older generations are dropped
   except the one just replaced, which requests already running may still be reading. The `as_of` snapshots
   of other generations are dropped too (services/reporting/snapshots.py): the next `as_of` makes them again
   with the projection code that rebuilt.

`POST /api/v1/admin/rebuild` only prepares (1) and records the request; the reporting worker's `RebuildRunner`
takes it (its holder written into the state document) and runs 2 and 3, so no rebuild runs inside a gunicorn
worker. `python -m services.reporting.rebuild` prepares and runs one in its own process.

A rebuild holds a lease in the state document (`rebuild.holder`, renewed as `rebuild.heartbeat_at` with every
chunk). A rebuild whose heartbeat stopped for STALE_SECONDS (its process died) is abandoned by the next `prepare`,
which drops its half-built generation and starts afresh; the swap happens only if the state still names this
holder's generation as `building`, so a rebuild that was taken over never swaps in what it built.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from pymongo import MongoClient
from pymongo.database import Database
from tqdm import tqdm

from jajo.errors import Conflict
from jajo.lease import holder_id
from jajo.mongo import in_transaction
from services.reporting import audit, generation, sequence, snapshots
from services.reporting.projection import project_all

log = logging.getLogger(__name__)
CHUNK = 1000
STALE_SECONDS = 60.0


class RebuildAbandoned(Exception):
    """Another rebuild took over this one's generation: nothing is swapped in."""


@dataclass(frozen=True)
class Plan:
    generation: int
    previous: int
    upto: int
    total: int
    holder: str | None = ""  # None: a request no runner has taken yet


def _running(doc: dict) -> bool:
    """A rebuild is building and its heartbeat is fresh."""
    if doc.get("building") is None:
        return False
    beat = (doc.get("rebuild") or {}).get("heartbeat_at") or (doc.get("rebuild") or {}).get("started_at")
    return beat is not None and (datetime.now(timezone.utc) - beat).total_seconds() < STALE_SECONDS


def prepare(client: MongoClient, db: Database, force: bool = False, *, run_here: bool = True) -> Plan:
    """Mark the next generation as being built. `run_here`: this process runs it (holds the lease); else it is a
    request, with no holder yet, that a RebuildRunner takes."""
    before = generation.state(db)
    holder = holder_id() if run_here else None
    if _running(before) and not force:
        raise Conflict(f"a rebuild into generation {before['building']} is running", retry_after=5)
    number = max({before["current"], before.get("building") or 0} | generation.existing_generations(db)) + 1
    generation.drop_generation(db, number)
    generation.ensure_generation(db, number)

    def mark(session) -> dict:
        doc = generation.state(db, session)
        if _running(doc) and not force and doc["building"] != number:
            raise Conflict(f"a rebuild into generation {doc['building']} is running", retry_after=5)
        now = datetime.now(timezone.utc)
        rebuild = {
            "generation": number,
            "status": "running",
            "processed": 0,
            "total": None,
            "started_at": now,
            "heartbeat_at": now,
            "holder": holder,
            "finished_at": None,
            "upto": doc["seq"],
        }
        db["state"].update_one(
            {"_id": generation.STATE_ID},
            {
                "$set": {"building": number, "rebuild": rebuild},
                "$setOnInsert": {"seq": 0, "current": generation.FIRST_GENERATION},
            },
            upsert=True,
            session=session,
        )
        return {**doc, "building": number}

    marked = in_transaction(client, mark)
    abandoned = before.get("building")
    if abandoned is not None and abandoned not in (number, marked["current"]):
        generation.drop_generation(db, abandoned)  # the half-built generation of a dead (or forced-out) rebuild
        log.warning("abandoned a rebuild whose heartbeat stopped", extra={"generation": abandoned})
    upto = marked["seq"]
    plan = Plan(number, marked["current"], upto, audit.count(db, upto), holder)
    db["state"].update_one({"_id": generation.STATE_ID}, {"$set": {"rebuild.total": plan.total}})
    return plan


def execute(client: MongoClient, db: Database, plan: Plan, progress: Callable[[int], None] | None = None) -> None:
    done = 0
    chunk: list[dict] = []

    def flush() -> None:
        nonlocal done
        generation.apply_ops(db, plan.generation, project_all(chunk, on_error=lambda e, exc: None))
        done += len(chunk)
        if progress:
            progress(len(chunk))
        beat = db["state"].update_one(
            {"_id": generation.STATE_ID, "rebuild.holder": plan.holder},
            {"$set": {"rebuild.processed": done, "rebuild.heartbeat_at": datetime.now(timezone.utc)}},
        )
        chunk.clear()
        if beat.matched_count == 0:
            raise RebuildAbandoned(f"generation {plan.generation} was taken over by another rebuild")

    def beat() -> None:
        db["state"].update_one(
            {"_id": generation.STATE_ID, "rebuild.holder": plan.holder},
            {"$set": {"rebuild.heartbeat_at": datetime.now(timezone.utc)}},
        )

    try:
        sequence.wait_committed(db, plan.upto, on_wait=beat)  # batches reserved before the start commit first
        for envelope in audit.stream(db, upto=plan.upto):
            chunk.append(envelope)
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
    except RebuildAbandoned:
        _drop_if_abandoned(db, plan.generation)
        raise
    except Exception:
        db["state"].update_one(
            {"_id": generation.STATE_ID, "building": plan.generation, "rebuild.holder": plan.holder},
            {"$set": {"building": None, "rebuild.status": "failed"}},
        )
        raise

    def swap(session) -> bool:
        swapped = db["state"].update_one(
            {"_id": generation.STATE_ID, "building": plan.generation, "rebuild.holder": plan.holder},
            {
                "$set": {
                    "current": plan.generation,
                    "building": None,
                    "rebuild.status": "done",
                    "rebuild.finished_at": datetime.now(timezone.utc),
                }
            },
            session=session,
        )
        return swapped.matched_count == 1

    if not in_transaction(client, swap):
        _drop_if_abandoned(db, plan.generation)
        raise RebuildAbandoned(f"generation {plan.generation} is no longer the one being built: not swapped in")
    snapshots.drop_other_generations(db, plan.generation)
    for old in generation.existing_generations(db) - {plan.generation, plan.previous}:
        generation.drop_generation(db, old)
    log.info("rebuilt read models", extra={"generation": plan.generation, "events": done})


def _drop_if_abandoned(db: Database, number: int) -> None:
    doc = generation.state(db)
    if number not in (doc["current"], doc.get("building")):
        generation.drop_generation(db, number)


def claim(db: Database, holder: str) -> Plan | None:
    """Take the requested rebuild, if one waits and is still fresh (a stale one is abandoned by the next request)."""
    doc = generation.state(db)
    request = doc.get("rebuild") or {}
    if not _running(doc) or request.get("holder") is not None:
        return None
    taken = db["state"].update_one(
        {
            "_id": generation.STATE_ID,
            "building": doc["building"],
            "rebuild.holder": None,
            "rebuild.heartbeat_at": request["heartbeat_at"],
        },
        {"$set": {"rebuild.holder": holder, "rebuild.heartbeat_at": datetime.now(timezone.utc)}},
    )
    if taken.matched_count == 0:
        return None  # another runner took it, or a new request replaced it
    return Plan(doc["building"], doc["current"], request["upto"], request.get("total") or 0, holder)


class RebuildRunner:
    """The reporting worker's loop that runs requested rebuilds, one at a time (several workers: one takes it)."""

    name = "reporting-rebuild"
    poll_seconds = 1.0  # how often an idle runner looks for a request (a state read on the single MongoDB)

    def __init__(self, client: MongoClient, db: Database):
        self.client, self.db, self.holder = client, db, holder_id()
        self._looked_at = float("-inf")

    def run_once(self) -> int:
        if time.monotonic() - self._looked_at < self.poll_seconds:
            return 0
        self._looked_at = time.monotonic()
        plan = claim(self.db, self.holder)
        if plan is None:
            return 0
        execute_logged(self.client, self.db, plan)
        return max(plan.total, 1)

    def close(self) -> None:
        pass


def execute_logged(client: MongoClient, db: Database, plan: Plan) -> None:
    """`execute` for the worker: a rebuild taken over ends with a log line, not a traceback."""
    try:
        execute(client, db, plan)
    except RebuildAbandoned as exc:
        log.warning("rebuild abandoned", extra={"generation": plan.generation, "reason": str(exc)})


def rebuild(client: MongoClient, db: Database, force: bool = False, show_progress: bool = False) -> Plan:
    plan = prepare(client, db, force)
    with tqdm(
        total=plan.total,
        unit="event",
        desc=f"rebuild → generation {plan.generation}",
        disable=not show_progress,
        file=sys.stderr,
    ) as bar:
        execute(client, db, plan, bar.update)
    return plan


class Rebuilds:
    """The rebuilds `POST /admin/rebuild` asks for: prepared here, run by the reporting worker's RebuildRunner."""

    def __init__(self, client: MongoClient, db: Database):
        self.client, self.db = client, db

    def start(self, force: bool = False) -> Plan:
        return prepare(self.client, self.db, force, run_here=False)

    def runner(self) -> RebuildRunner:
        return RebuildRunner(self.client, self.db)
