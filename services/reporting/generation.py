"""Read models in MongoDB: generations of collections, the projector's state document, bulk upserts.

Read models live in collections `rm<generation>_<name>`. The state document `state/projector` holds
the audit sequence counter, the `current` generation the queries read and, during a rebuild, the
`building` one that the live projector also writes to. Every batch's reservation of sequence numbers
changes this document in a transaction and names the generations its batch writes, so a reservation and
the start or the swap of a rebuild never interleave (services/reporting/sequence.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from pymongo import ASCENDING, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.mongo import ensure_collections
from services.reporting.projection import COLLECTIONS, COUNTERS, Op

STATE_ID = "projector"
FIRST_GENERATION = 1
OF = "of"  # every document part names the document it belongs to
INDEXED = {"groups": "year", "sessions": "group_id", "expenses": "group_id", "documents": "group_id", "surveys": "year"}


def collection_name(generation: int, name: str) -> str:
    return f"rm{generation}_{name}"


def state(db: Database, session: ClientSession | None = None) -> dict:
    found = db["state"].find_one({"_id": STATE_ID}, session=session) or {}
    return {"seq": 0, "current": FIRST_GENERATION, "building": None, **found}


def generations(doc: dict) -> list[int]:
    return [g for g in (doc.get("current", FIRST_GENERATION), doc.get("building")) if g is not None]


def ensure_generation(db: Database, generation: int) -> None:
    ensure_collections(db, [collection_name(generation, name) for name in COLLECTIONS])
    for name in COLLECTIONS:
        full = collection_name(generation, name)
        if name in INDEXED:
            db[full].create_index([(INDEXED[name], ASCENDING)])
        db[full].create_index([(OF, ASCENDING)])


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
    update: dict[str, Any] = {"$set": {OF: op.id}}
    if op.inc:
        update["$inc"] = op.inc
    if op.add:
        update["$addToSet"] = {path: {"$each": values} for path, values in op.add.items()}
    if op.set:
        update["$set"].update(op.set)
    return update


def part_id(op: Op) -> str:
    """The document, or the part of it one projector member writes: two members' batch transactions never write
    the same document (MongoDB transactions conflict on any write to one), and reads sum the parts (`merge`)."""
    return op.id if op.shard is None else f"{op.id}#{op.shard}"


def apply_ops(db: Database, generation: int, ops: Iterable[Op], session: ClientSession | None = None) -> None:
    """One bulk write per collection."""
    per_collection: dict[str, list[UpdateOne]] = defaultdict(list)
    for op in ops:
        if not (op.inc or op.add or op.set):
            continue
        per_collection[op.coll].append(UpdateOne({"_id": part_id(op)}, _update(op), upsert=True))
    for name, requests in per_collection.items():
        db[collection_name(generation, name)].bulk_write(requests, ordered=True, session=session)


class MongoModels:
    """The read models of one generation, read the way report.py asks: each document with its parts merged."""

    def __init__(self, db: Database, generation: int):
        self.db = db
        self.generation = generation

    def get(self, coll: str, doc_id: str) -> dict | None:
        parts = list(self._coll(coll).find({OF: doc_id}))
        if all(part["_id"] != doc_id for part in parts):  # no first part, or one written before parts had `of`
            found = self._coll(coll).find_one({"_id": doc_id})
            parts += [found] if found is not None else []
        return merge(coll, parts) if parts else None

    def find(self, coll: str, **equal: Any) -> list[dict]:
        """The documents one of whose parts has the fields equal (the part that states them), all parts merged."""
        matching = list(self._coll(coll).find(equal))
        ids = sorted({doc.get(OF, doc["_id"]) for doc in matching})
        return self._whole(coll, matching, list(self._coll(coll).find({OF: {"$in": ids}})) if ids else [])

    def dump(self) -> dict[str, dict[str, dict]]:
        """Every document (sets sorted) for comparing generations."""
        out = {}
        for name in COLLECTIONS:
            parts = list(self._coll(name).find())
            out[name] = {doc["_id"]: _normalise(doc) for doc in self._whole(name, parts, [])}
        return out

    def _coll(self, name: str):
        return self.db[collection_name(self.generation, name)]

    @staticmethod
    def _whole(coll: str, *found: list[dict]) -> list[dict]:
        parts: dict[str, dict[str, dict]] = defaultdict(dict)
        for doc in (doc for docs in found for doc in docs):
            parts[doc.get(OF, doc["_id"])][doc["_id"]] = doc
        return [merge(coll, list(parts[doc_id].values())) for doc_id in sorted(parts)]


def merge(coll: str, parts: list[dict]) -> dict:
    """One document from its parts: the counters (projection.COUNTERS) summed, the sets united, the facts (stated
    alike by every event that states them) taken from the first part that has them."""
    ordered = sorted(parts, key=lambda doc: doc["_id"])
    whole: dict[str, Any] = {"_id": ordered[0].get(OF, ordered[0]["_id"])}
    for part in ordered:
        for key, value in part.items():
            if key not in ("_id", OF):
                whole[key] = _combined(whole[key], value, key in COUNTERS.get(coll, ())) if key in whole else value
    return whole


def _combined(mine: Any, theirs: Any, counted: bool) -> Any:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        both = dict(mine)
        for key, value in theirs.items():
            both[key] = _combined(both[key], value, counted) if key in both else value
        return both
    if isinstance(mine, list) and isinstance(theirs, list):
        return mine + [v for v in theirs if v not in mine]
    if counted and isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
        return mine + theirs
    return mine


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
