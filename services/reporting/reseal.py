"""The reseal migration over the whole stack (`python -m services.reporting.cli reseal`, jajo/reseal.py): every
write service's event store and outbox, then reporting's audit history, whose records also get their `people`."""

from __future__ import annotations

from pymongo import UpdateOne

from jajo.bootstrap import Service
from jajo.reseal import Resealed, reseal_collection
from services.reporting import audit

WRITE_SERVICES = ("registration", "activity", "survey")


def reseal_stack(reporting: Service, dry_run: bool = False) -> tuple[dict[str, Resealed], int]:
    """What each place had resealed, and how many audit records got their `people`; the write services first, so
    that their keys exist when the audit's copies of the same envelopes are sealed (under the same keys)."""
    client, settings, cipher = reporting.client, reporting.settings, reporting.cipher
    done: dict[str, Resealed] = {}
    for service in WRITE_SERVICES:
        db = client[settings.database_name(service)]
        for collection in ("events", "outbox"):
            done[f"{service}.{collection}"] = reseal_collection(db[collection], cipher, dry_run=dry_run)
    done[f"reporting.{audit.COLLECTION}"] = reseal_collection(reporting.db[audit.COLLECTION], cipher, dry_run=dry_run)
    return done, backfill_people(reporting, dry_run)


def backfill_people(reporting: Service, dry_run: bool = False, batch: int = 500) -> int:
    """Audit records made before `people` was recorded get it, so that the 열람 export finds them."""
    records = reporting.db[audit.COLLECTION]
    writes = [
        UpdateOne({"_id": record["_id"]}, {"$set": {"people": audit.people(record["envelope"])}})
        for record in records.find({"people": {"$exists": False}}, {"envelope": 1}).batch_size(batch)
    ]
    for start in range(0, len(writes), batch):
        if not dry_run:
            records.bulk_write(writes[start : start + batch], ordered=False)
    return len(writes)
