"""Staff accounts (roles `staff`, `viewer`) in the portal's own database, with argon2id password hashes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

ROLES = ("staff", "viewer")
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY = _hasher.hash("a password nobody has")  # verified against for unknown names: equal timing


class AccountError(ValueError):
    """A rule about accounts was broken; `field` names the form field."""

    def __init__(self, message: str, field: str = "username"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    display_name: str
    active: bool

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.username}"

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"


def _account(doc: dict) -> Account:
    return Account(doc["_id"], doc["role"], doc.get("display_name") or doc["_id"], doc.get("active", True))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다.", "password")


def new_password() -> str:
    return secrets.token_urlsafe(12)


class Accounts:
    def __init__(self, db: Database):
        self.collection = db["accounts"]
        self.sessions = db["sessions"]

    def get(self, username: str) -> Account | None:
        doc = self.collection.find_one({"_id": username})
        return _account(doc) if doc else None

    def all(self) -> list[Account]:
        return [_account(doc) for doc in self.collection.find({}, sort=[("_id", 1)])]

    def add(self, username: str, password: str, role: str = "staff", display_name: str | None = None) -> Account:
        if not USERNAME.match(username or ""):
            raise AccountError("아이디는 영문 소문자로 시작하는 2~32자(영문 소문자, 숫자, . _ -)여야 합니다.")
        if role not in ROLES:
            raise AccountError("역할은 staff 또는 viewer입니다.", "role")
        check_password(password)
        doc = {
            "_id": username,
            "role": role,
            "display_name": display_name or username,
            "active": True,
            "password": _hasher.hash(password),
            "created_at": datetime.now(timezone.utc),
        }
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            raise AccountError("이미 있는 아이디입니다.") from None
        return _account(doc)

    def verify(self, username: str, password: str) -> Account | None:
        """The account when the name and password match an active account, else None (same work either way)."""
        doc = self.collection.find_one({"_id": username})
        try:
            _hasher.verify(doc["password"] if doc else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        if doc is None or not doc.get("active", True):
            return None
        if _hasher.check_needs_rehash(doc["password"]):
            self.collection.update_one({"_id": username}, {"$set": {"password": _hasher.hash(password)}})
        return _account(doc)

    def _change(self, username: str, changes: dict) -> Account:
        if self.collection.update_one({"_id": username}, {"$set": changes}).matched_count == 0:
            raise AccountError("그런 아이디가 없습니다.")
        self.sessions.delete_many({"username": username})  # a change of standing signs the person out
        account = self.get(username)
        assert account is not None  # it matched just now
        return account

    def disable(self, username: str) -> Account:
        return self._change(username, {"active": False})

    def enable(self, username: str) -> Account:
        return self._change(username, {"active": True})

    def reset(self, username: str, password: str) -> Account:
        check_password(password)
        return self._change(username, {"password": _hasher.hash(password), "active": True})

    def ensure_first(self, name: str, password: str) -> bool:
        """Create the first staff account unless any account exists; True when it was created."""
        if self.collection.find_one({}, projection={"_id": 1}) is not None:
            return False
        try:
            self.add(name, password, "staff")
        except AccountError as exc:
            if "이미" in str(exc):
                return False
            raise
        return True
