"""A one-off migration: seal the personal fields of envelopes stored before they were declared sealed.

A stack that ran before a field was declared `personal` (jajo.events.EventType) holds it in plain text in the event
stores, their outboxes and reporting's audit history. `reseal` rewrites each such stored envelope's `data` in place
with the field sealed under its owner's key (the same seal the event store applies on the way in), and for a person
already erased (their key destroyed) it blanks the field to `null`, which is what the erasure meant. The rest of the
envelope (id, version, time) is unchanged, so consumers and the audit see the same event.

It is idempotent (sealed fields are left as they are) and may be stopped and run again. The topics hold the old
plain copies until they are recreated (docs/privacy.md says how).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import UpdateOne
from pymongo.collection import Collection

from jajo.personal import EnvelopeCipher, Erased


@dataclass
class Resealed:
    sealed: int = 0  # envelopes whose plain personal fields were sealed
    blanked: int = 0  # envelopes of erased people whose plain personal fields were set to null


def resealed_data(envelope: dict, cipher: EnvelopeCipher) -> tuple[dict | None, bool]:
    """The envelope's `data` with its plain personal fields sealed (None when nothing is plain), and whether they
    were blanked instead because their owner's key is destroyed."""
    plain = cipher.plain_fields(envelope)
    if not plain:
        return None, False
    try:
        [sealed] = cipher.seal([envelope])
    except Erased:
        return {**envelope["data"], **{name: None for name in plain}}, True
    return sealed["data"], False


def reseal_collection(collection: Collection, cipher: EnvelopeCipher, *, batch: int = 500, dry_run: bool = False):
    """Reseal every stored envelope (`{"envelope": ...}` documents) of the collection, `batch` writes at a time."""
    done, writes = Resealed(), []
    query = {"envelope.type": {"$in": sorted(cipher.types)}}
    for document in collection.find(query, {"envelope": 1}).batch_size(batch):
        data, blanked = resealed_data(document["envelope"], cipher)
        if data is None:
            continue
        if blanked:
            done.blanked += 1
        else:
            done.sealed += 1
        writes.append(UpdateOne({"_id": document["_id"]}, {"$set": {"envelope.data": data}}))
        if len(writes) >= batch:
            _write(collection, writes, dry_run)
    _write(collection, writes, dry_run)
    return done


def _write(collection: Collection, writes: list[Any], dry_run: bool) -> None:
    if writes and not dry_run:
        collection.bulk_write(writes, ordered=False)
    writes.clear()
