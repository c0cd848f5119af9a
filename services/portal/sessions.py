"""Server-side sign-in sessions: a random token in an HttpOnly SameSite=Lax cookie, its hash in MongoDB.

Each session carries its CSRF token; it ends on sign-out, after `session_hours`, after `idle_minutes` unused,
and when the account is disabled or its password reset (accounts.Accounts deletes its sessions)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pymongo.database import Database

COOKIE = "jajo_portal"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Session:
    id: str
    username: str
    role: str
    csrf: str
    flash: list = field(default_factory=list)


class SessionStore:
    def __init__(self, db: Database, lifetime: timedelta, idle: timedelta):
        self.collection = db["sessions"]
        self.lifetime, self.idle = lifetime, idle

    def ensure_indexes(self) -> None:
        self.collection.create_index("username")

    def create(self, username: str, role: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        at = now()
        doc: dict[str, Any] = {
            "_id": _hash(token),
            "username": username,
            "role": role,
            "csrf": secrets.token_urlsafe(24),
            "created_at": at,
            "seen_at": at,
            "expires_at": at + self.lifetime,
            "flash": [],
        }
        self.collection.insert_one(doc)
        return token, Session(doc["_id"], username, role, doc["csrf"])

    def load(self, token: str | None) -> Session | None:
        if not token:
            return None
        doc = self.collection.find_one({"_id": _hash(token)})
        if doc is None:
            return None
        at = now()
        if at >= doc["expires_at"] or at - doc["seen_at"] >= self.idle:
            self.collection.delete_one({"_id": doc["_id"]})
            return None
        if at - doc["seen_at"] >= TOUCH_EVERY:
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {"seen_at": at}})
        return Session(doc["_id"], doc["username"], doc["role"], doc["csrf"], doc.get("flash") or [])

    def end(self, session: Session) -> None:
        self.collection.delete_one({"_id": session.id})

    def flash(self, session: Session, message: str, category: str = "success") -> None:
        self.collection.update_one(
            {"_id": session.id}, {"$push": {"flash": {"message": message, "category": category}}}
        )

    def take_flash(self, session: Session) -> list:
        if not session.flash:
            return []
        self.collection.update_one({"_id": session.id}, {"$set": {"flash": []}})
        taken, session.flash = session.flash, []
        return taken


def same_token(offered: str | None, expected: str) -> bool:
    return offered is not None and bool(offered) and hmac.compare_digest(offered.encode(), expected.encode())


class SigninLimiter:
    """At most `attempts` failed sign-ins per account name and per client address in a sliding window."""

    def __init__(self, db: Database, attempts: int, window: timedelta):
        self.collection = db["signin_failures"]
        self.attempts, self.window = attempts, window

    def _keys(self, username: str, address: str) -> list[str]:
        return [f"user:{username}", f"addr:{address}"]

    def blocked(self, username: str, address: str) -> bool:
        since = now() - self.window
        return any(
            doc["count"] >= self.attempts and doc["since"] > since
            for doc in self.collection.find({"_id": {"$in": self._keys(username, address)}})
        )

    def failed(self, username: str, address: str) -> None:
        """A fixed window that starts with the first failure: `count` failures since `since`."""
        at = now()
        for key in self._keys(username, address):
            doc = self.collection.find_one({"_id": key})
            if doc is None or doc["since"] <= at - self.window:
                self.collection.replace_one({"_id": key}, {"_id": key, "count": 1, "since": at}, upsert=True)
            else:
                self.collection.update_one({"_id": key}, {"$inc": {"count": 1}})

    def succeeded(self, username: str) -> None:
        self.collection.delete_one({"_id": f"user:{username}"})
