"""A lease in MongoDB: one holder at a time for a job that must not run twice at once (a service's outbox relay,
a rebuild). The holder renews it (its heartbeat); a holder that died lets it expire, and the next one takes over."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, collection: Collection, name: str, seconds: float = 10.0, holder: str | None = None):
        self.collection, self.name, self.seconds = collection, name, seconds
        self.holder = holder or holder_id()

    def acquire(self, **details) -> bool:
        """Take the lease if it is free or expired, or renew it if this holder has it; False if another has it."""
        now = datetime.now(timezone.utc)
        try:
            self.collection.find_one_and_update(
                {"_id": self.name, "$or": [{"holder": self.holder}, {"expires_at": {"$lt": now}}]},
                {
                    "$set": {
                        "holder": self.holder,
                        "expires_at": now + timedelta(seconds=self.seconds),
                        "renewed_at": now,
                        **details,
                    }
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return True
        except DuplicateKeyError:  # the lease exists, unexpired, with another holder
            return False

    def held(self) -> bool:
        doc = self.collection.find_one({"_id": self.name}) or {}
        return doc.get("holder") == self.holder and doc.get(
            "expires_at", datetime.min.replace(tzinfo=timezone.utc)
        ) > datetime.now(timezone.utc)

    def release(self) -> None:
        self.collection.delete_one({"_id": self.name, "holder": self.holder})
