"""Who read what: an access record for every read of personal data, in one database all services share.

A record says who (`actor`, and `actorvia` when a portal acted for the person), when (`at`), how (`method`, the
URL rule as `route` and the filled-in `path`, which holds ids only) and whose data (`subjects`: the group, member,
document … ids the answer showed). It never holds a value that was read, nor the query string. Records live in
`settings.database_name("access")`, collection `access_records`, indexed by time, subject and actor; registration
lists them to staff at `GET /api/v1/access-records`.

A read that must be recorded calls `record_read(*ids)` after it has found what it shows: a record that cannot be
written fails the read (503 from MongoDB's own errors), so no personal data leaves unrecorded.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app, request
from pymongo import ASCENDING
from pymongo.database import Database

from jajo.config import Settings
from jajo.http.auth import current_principal
from jajo.mongo import client_of

DATABASE = "access"
COLLECTION = "access_records"


def record_id(now_ns: int) -> str:
    """Sortable by time: a page's cursor is the last record's id."""
    return f"{now_ns:020d}-{uuid.uuid4().hex[:12]}"


class AccessLog:
    def __init__(self, db: Database):
        self.db = db
        self.records = db[COLLECTION]

    @classmethod
    def of(cls, settings: Settings) -> AccessLog:
        """The shared access records of the settings' MongoDB (every service writes the same collection)."""
        return cls(client_of(settings)[settings.database_name(DATABASE)])

    def ensure_indexes(self) -> None:
        self.records.create_index([("at", ASCENDING)], name="by_time")
        self.records.create_index([("subjects", ASCENDING), ("at", ASCENDING)], name="by_subject")
        self.records.create_index([("actor", ASCENDING), ("at", ASCENDING)], name="by_actor")

    def record(self, *, actor: str, via: str | None, method: str, route: str, path: str, subjects: Iterable[str]):
        now_ns = time.time_ns()
        document = {
            "_id": record_id(now_ns),
            "at": datetime.fromtimestamp(now_ns / 1e9, timezone.utc),
            "actor": actor,
            "actorvia": via,
            "method": method,
            "route": route,
            "path": path,
            "subjects": sorted({subject for subject in subjects if subject}),
        }
        self.records.insert_one(document)
        return document

    def page(
        self,
        limit: int,
        cursor: str | None = None,
        subject: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[dict], str | None]:
        """Up to `limit` records, oldest first, and the cursor of the next page (None on the last)."""
        query: dict[str, Any] = {}
        if cursor:
            query["_id"] = {"$gt": cursor}
        if subject:
            query["subjects"] = subject
        if actor:
            query["actor"] = actor
        if since or until:
            query["at"] = {**({"$gte": since} if since else {}), **({"$lte": until} if until else {})}
        found = list(self.records.find(query).sort("_id", ASCENDING).limit(limit + 1))
        more = len(found) > limit
        found = found[:limit]
        return [shown(doc) for doc in found], (found[-1]["_id"] if more and found else None)


def shown(document: dict) -> dict:
    at: datetime = document["at"]
    at = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    return {
        "id": document["_id"],
        "at": at.isoformat().replace("+00:00", "Z"),
        **{name: document[name] for name in ("actor", "actorvia", "method", "route", "path", "subjects")},
    }


def record_read(*subjects: str) -> dict:
    """Record that the current request reads personal data of `subjects` (ids only)."""
    principal = current_principal()
    access: AccessLog = current_app.extensions["jajo"].wired.access
    return access.record(
        actor=principal.actor if principal else "anonymous",
        via=principal.via if principal else None,
        method=request.method,
        route=request.url_rule.rule if request.url_rule is not None else request.path,
        path=request.path,
        subjects=subjects,
    )
