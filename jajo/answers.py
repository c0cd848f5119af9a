"""Stored idempotent answers: the claim stays for good, the answer's body only for its replay window.

A claim (collection `idempotency`, `_id` = the actor-scoped key) keeps the request's fingerprint and, once its
request committed, the answer's `outcome`: status, `Location`/`ETag` and the resource id — ids only, never personal
data. The answer itself (its body, which may hold names and phones) lives in `idempotency_answers` under the same
`_id`, with the time it was given (`at`) and the ids it names (`subjects`). A TTL index on `at` deletes it after
`Settings.idempotent_answer_seconds` (default 24 h); since a TTL monitor runs only every minute or so (mongod's and
SecantusDB's alike), an answer older than the window is treated as gone on replay too.

A retry within the window gets the first answer again; a later retry with the same request gets the original
status with a problem+json naming the resource (`expired_answer`), and the same key with a different request
still gets 422. `forget_answers(db, subject_id)` deletes the stored answers that name one id (a member's erasure).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import OperationFailure

CLAIMS = "idempotency"
ANSWERS = "idempotency_answers"
TTL_INDEX = "answer_expiry"
INDEX_OPTIONS_CONFLICT = (85, 86)  # IndexOptionsConflict, IndexKeySpecsConflict
OUTCOME_HEADERS = ("Location", "ETag")
ID_KEYS = ("id", "member_id")
API_PREFIX = ("api", "v1")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def outcome_of(answer: dict) -> dict:
    """What the claim keeps for good: the status, the resource's `Location`/`ETag` and its id."""
    headers = {name: answer["headers"][name] for name in OUTCOME_HEADERS if name in answer["headers"]}
    body = json_of(answer)
    resource = body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None
    return {"status": answer["status"], "headers": headers, "resource": resource}


def json_of(answer: dict) -> Any:
    """An answer's body as JSON, or None when it is none."""
    if "json" not in answer["headers"].get("Content-Type", ""):
        return None
    try:
        return json.loads(answer["body"])
    except ValueError:
        return None


def subjects_of(body: Any, location: str | None) -> list[str]:
    """The ids an answer names: every `id` and `member_id` in its JSON body, at any depth, and the id segments of
    its `Location` (`/api/v1/groups/g1/members/m1` → g1, m1)."""
    found = set(_ids_in(body))
    if location:
        segments = [part for part in location.split("?")[0].split("/") if part]
        if tuple(segments[:2]) == API_PREFIX:
            segments = segments[2:]
        found.update(segments[1::2])  # collection/id/collection/id
    return sorted(found)


def _ids_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ID_KEYS and isinstance(inner, str):
                yield inner
            else:
                yield from _ids_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _ids_in(inner)


class StoredAnswers:
    """One service's idempotent answers (its own database); `clock` is injectable for tests."""

    def __init__(self, db: Database, window_seconds: int, clock: Callable[[], datetime] = _now):
        self.db = db
        self.window = timedelta(seconds=window_seconds)
        self.window_seconds = int(window_seconds)
        self.clock = clock
        self.claims = db[CLAIMS]
        self.answers = db[ANSWERS]

    def ensure_indexes(self) -> None:
        try:
            self._create_ttl_index()
        except OperationFailure as exc:
            if exc.code not in INDEX_OPTIONS_CONFLICT:
                raise
            # the window setting changed: the TTL index takes the new one
            self.db.command("collMod", ANSWERS, index={"name": TTL_INDEX, "expireAfterSeconds": self.window_seconds})
        self.answers.create_index([("subjects", ASCENDING)], name="answer_subjects")

    def _create_ttl_index(self) -> None:
        self.answers.create_index([("at", ASCENDING)], name=TTL_INDEX, expireAfterSeconds=self.window_seconds)

    def document(self, key: str, answer: dict) -> dict:
        """The answer as stored under its claim's key."""
        return {
            "_id": key,
            "status": answer["status"],
            "body": answer["body"],
            "headers": answer["headers"],
            "at": self.clock(),
            "subjects": subjects_of(json_of(answer), answer["headers"].get("Location")),
        }

    def store(self, key: str, answer: dict) -> None:
        """The answer of a request that stored nothing through a unit of work, after its claim."""
        self.answers.insert_one(self.document(key, answer))

    def replayable(self, key: str) -> dict | None:
        """The stored answer, if it is still within its replay window (else None: expired or forgotten)."""
        stored = self.answers.find_one({"_id": key})
        if stored is None or _aware(stored["at"]) <= self.clock() - self.window:
            return None
        return stored


def forget_answers(db: Database, subject_id: str, session: ClientSession | None = None) -> int:
    """The stored idempotent answers of one service's database that name `subject_id` (a member id), deleted:
    what a member's erasure calls (in its transaction). Returns how many were deleted."""
    return db[ANSWERS].delete_many({"subjects": subject_id}, session=session).deleted_count


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
