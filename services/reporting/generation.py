"""Read models in MongoDB: generations of collections, the projector's state document, bulk upserts.

Read models live in collections `rm<generation>_<name>`. The state document `state/projector` holds
the audit sequence counter, the `current` generation the queries read and, during a rebuild, the
`building` one that the live projector also writes to. The projector changes this document in
every batch's transaction, so a batch and the start or the swap of a rebuild never interleave.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import CollectionInvalid

from services.reporting.projection import COLLECTIONS, Op

STATE_ID = "projector"
FIRST_GENERATION = 1
INDEXED = {"groups": "year", "sessions": "group_id", "expenses": "group_id", "documents": "group_id", "surveys": "year"}


def collection_name(generation: int, name: str) -> str:
    return f"rm{generation}_{name}"


def state(db: Database, session: ClientSession | None = None) -> dict:
    found = db["state"].find_one({"_id": STATE_ID}, session=session) or {}
    return {"seq": 0, "current": FIRST_GENERATION, "building": None, **found}


def advance(db: Database, count: int, last_event_at, session: ClientSession) -> dict:
    """Reserve `count` audit sequence numbers in this transaction; returns the state after."""
    update: dict[str, Any] = {"$inc": {"seq": count}, "$setOnInsert": {"current": FIRST_GENERATION}}
    if last_event_at is not None:
        update["$max"] = {"last_event_at": last_event_at}
    doc = db["state"].find_one_and_update(
        {"_id": STATE_ID}, update, upsert=True, return_document=ReturnDocument.AFTER, session=session
    )
    return {"building": None, **doc}  # type: ignore[dict-item]  # upserted


def generations(doc: dict) -> list[int]:
    return [g for g in (doc.get("current", FIRST_GENERATION), doc.get("building")) if g is not None]


def ensure_generation(db: Database, generation: int) -> None:
    existing = set(db.list_collection_names())
    for name in COLLECTIONS:
        full = collection_name(generation, name)
        if full not in existing:
            try:
                db.create_collection(full)
            except CollectionInvalid:
                pass  # another member of a split projector created it first
        if name in INDEXED:
            db[full].create_index([(INDEXED[name], ASCENDING)])


def drop_generation(db: Database, generation: int) -> None:
    for name in COLLECTIONS:
        db.drop_collection(collection_name(generation, name))


def existing_generations(db: Database) -> set[int]:
    found = set()
    for name in db.list_collection_names():
        head, _, rest = name.partition("_")
        if head.startswith("rm") and head[2:].isdigit() and rest in COLLECTIONS:
            found.add(int(head[2:]))
    return found


def _update(op: Op) -> dict:
    update: dict[str, Any] = {}
    if op.inc:
        update["$inc"] = op.inc
    if op.add:
        update["$addToSet"] = {path: {"$each": values} for path, values in op.add.items()}
    if op.set:
        update["$set"] = op.set
    return update


def apply_ops(db: Database, generation: int, ops: Iterable[Op], session: ClientSession | None = None) -> None:
    """One bulk write per collection."""
    per_collection: dict[str, list[UpdateOne]] = defaultdict(list)
    for op in ops:
        if not (op.inc or op.add or op.set):
            continue
        per_collection[op.coll].append(UpdateOne({"_id": op.id}, _update(op), upsert=True))
    for name, requests in per_collection.items():
        db[collection_name(generation, name)].bulk_write(requests, ordered=True, session=session)


class MongoModels:
    """The read models of one generation, read the way report.py asks."""

    def __init__(self, db: Database, generation: int):
        self.db = db
        self.generation = generation

    def get(self, coll: str, doc_id: str) -> dict | None:
        return self.db[collection_name(self.generation, coll)].find_one({"_id": doc_id})

    def find(self, coll: str, **equal: Any) -> list[dict]:
        return list(self.db[collection_name(self.generation, coll)].find(equal))

    def dump(self) -> dict[str, dict[str, dict]]:
        """Every document (sets sorted) for comparing generations."""
        return {
            name: {doc["_id"]: _normalise(doc) for doc in self.db[collection_name(self.generation, name)].find()}
            for name in COLLECTIONS
        }


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    return value


def current_models(db: Database) -> MongoModels:
    return MongoModels(db, state(db)["current"])
