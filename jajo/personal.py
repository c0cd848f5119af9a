"""Crypto-shredding: the one module through which personal data is sealed and opened.

Every field an event type declares `personal` (jajo.events.EventType) is stored sealed with AES-256-GCM under a
data key of the person its `owner` field names (a member id; for a document's filename, the document's id, whose
key the erasure that names the document destroys). Keys live in a database of their own (`keys`),
never on Kafka and never in a read model. Erasing a person destroys their key: every copy of the ciphertext, in
the event stores, the outboxes, the topics, the audit history and the dead letters, stays where it is and can no
longer be read. An opened field whose key is gone reads as `None`, and whoever shows it shows `(삭제됨)`.

A sealed value: `{"sealed": "AES-256-GCM", "key_id": <owner id>, "nonce": <base64>, "ciphertext": <base64>}`;
the owner id and the field name are the authenticated data, so a ciphertext moved to another person or field
does not open.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.domain import new_id
from jajo.errors import Conflict
from jajo.events import EventType

ALGORITHM = "AES-256-GCM"
ERASED = "(삭제됨)"
KEYS = "data_keys"
EPOCHS, EPOCH = "key_epochs", "destroyed"
POOL = 64  # new people's keys made at once (KeyStore.new_owner)
DOCUMENT_KEY = "document:"  # a document's data key (its filename), apart from every member's


def document_key(document_id: str) -> str:
    return f"{DOCUMENT_KEY}{document_id}"


class Erased(Conflict):
    """The person's key was destroyed: nothing can be sealed for them any more (a command racing their erasure
    is refused with 409, nothing stored)."""

    def __init__(self, owner_id: str):
        super().__init__("this person's personal data was erased: nothing more can be recorded about them")
        self.owner_id = owner_id


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and value.get("sealed") == ALGORITHM and "ciphertext" in value


class Keys(Protocol):
    """What sealing and erasure need of a key store (KeyStore; jajo.memory.InMemoryKeyStore in handler tests)."""

    def key_for(self, owner_id: str, session: Any = None) -> bytes: ...

    def keys_of(self, owner_ids: Iterable[str], session: Any = None, trust_cache: bool = False) -> dict[str, bytes]: ...

    def destroy(self, owner_id: str, session: Any = None) -> None: ...

    def new_owner(self) -> str: ...


class KeyStore:
    """One 256-bit data key per person (`_id` = the owner id); a destroyed key leaves a tombstone, so the
    person's data is never sealed again under a new key (a late retry of their join is refused).

    Keys read are kept in memory for as long as no key was destroyed: every destruction counts up the `epoch`
    in the same transaction, and every read first reads the epoch (one read by `_id`), so a key destroyed
    anywhere is never used again by any process once the destruction has committed. SecantusDB reads a
    hundred keys by id in ~20 ms; the epoch costs ~0.3 ms."""

    def __init__(self, db: Database):
        self.db = db
        self.keys = db[KEYS]
        self.epochs = db[EPOCHS]
        self._cache: dict[str, bytes] = {}
        self._epoch: int | None = None
        self._lock = threading.Lock()
        self._pool: list[tuple[str, bytes]] = []  # new people's ids whose keys are stored already
        self._fresh: dict[str, bytes] = {}  # ids handed out by new_owner whose key has not been asked for yet

    def ensure_indexes(self) -> None:
        """Nothing beyond `_id`: keys are read by owner id only."""

    def new_owner(self) -> str:
        """The id for a new person, whose key is stored already: ids and keys are made POOL at a time in one insert
        outside any transaction, so that a join writes no key of its own (a key whose join never committed is
        nobody's: it seals nothing). Nobody else knows a pooled id, so its key cannot have been destroyed."""
        with self._lock:
            if not self._pool:
                pool = [(new_id(), os.urandom(32)) for _ in range(POOL)]
                self.keys.insert_many([{"_id": owner, "key": key, "created_at": _now()} for owner, key in pool])
                self._pool = pool
            owner, key = self._pool.pop()
            self._fresh[owner] = key
        return owner

    def key_for(self, owner_id: str, session: ClientSession | None = None) -> bytes:
        """The owner's key, made in the caller's transaction if it has none; one that has a key (another service
        made it, or new_owner) or a tombstone keeps it. One upsert: a duplicate-key insert would abort the
        transaction."""
        with self._lock:
            fresh = self._fresh.pop(owner_id, None)
            if fresh is not None:
                self._cache[owner_id] = fresh
                return fresh
        key = os.urandom(32)
        document = (
            self.keys.find_one_and_update(
                {"_id": owner_id},
                {"$setOnInsert": {"key": key, "created_at": _now()}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            or {}
        )  # upserted: never None
        if document.get("key") is None:
            raise Erased(owner_id)
        if bytes(document["key"]) != key:
            return bytes(document["key"])
        with self._lock:  # a new owner's key is nobody's destroyed key: it may be kept at once
            self._cache[owner_id] = key
        return key

    def keys_of(
        self, owner_ids: Iterable[str], session: ClientSession | None = None, trust_cache: bool = False
    ) -> dict[str, bytes]:
        """The live keys of these owners (destroyed and unknown ones are absent). `trust_cache`: keys kept in memory
        are used without reading the epoch, for a caller whose own input records every destruction of them
        (EventStore.erasure_in_history)."""
        wanted = sorted(set(owner_ids))
        if not wanted:
            return {}
        if trust_cache:
            with self._lock:
                if all(owner in self._cache for owner in wanted):
                    return {owner: self._cache[owner] for owner in wanted}
        epoch = (self.epochs.find_one({"_id": EPOCH}, session=session) or {}).get("n", 0)
        with self._lock:
            if epoch != self._epoch:
                self._cache, self._epoch = {}, epoch
            cached = {owner: self._cache[owner] for owner in wanted if owner in self._cache}
        missing = [owner for owner in wanted if owner not in cached]
        if missing:
            found = self.keys.find({"_id": {"$in": missing}, "key": {"$ne": None}}, {"key": 1}, session=session)
            fetched = {document["_id"]: bytes(document["key"]) for document in found}
            with self._lock:
                if self._epoch == epoch:  # not a key read before a destruction another thread has seen
                    self._cache.update(fetched)
            cached.update(fetched)
        return cached

    def destroy(self, owner_id: str, session: ClientSession | None = None) -> None:
        """Shred: the key is overwritten by a tombstone and the epoch counts up (idempotent; a never-keyed
        owner gets a tombstone too)."""
        self.keys.replace_one(
            {"_id": owner_id}, {"_id": owner_id, "key": None, "destroyed_at": _now()}, upsert=True, session=session
        )
        self.epochs.update_one({"_id": EPOCH}, {"$inc": {"n": 1}}, upsert=True, session=session)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aad(owner_id: str, name: str) -> bytes:
    return f"{owner_id}/{name}".encode()


def seal(key: bytes, owner_id: str, name: str, value: Any) -> dict:
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = AESGCM(key).encrypt(nonce, plain, _aad(owner_id, name))
    return {
        "sealed": ALGORITHM,
        "key_id": owner_id,
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }


def open_sealed(key: bytes, name: str, sealed: dict) -> Any:
    """The plain value; a ciphertext that does not authenticate (tampered, moved) opens as `None`."""
    try:
        plain = AESGCM(key).decrypt(
            base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]), _aad(sealed["key_id"], name)
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
    return json.loads(plain)


def _still_plain(event_type: EventType, data: dict) -> list[str]:
    return [name for name in event_type.personal if data.get(name) is not None and not is_sealed(data[name])]


class EnvelopeCipher:
    """Seals and opens the declared personal fields of whole envelopes, a batch at a time (one key read)."""

    def __init__(self, keys: Keys, types: Mapping[str, EventType]):
        self.keys = keys
        self.types = {name: t for name, t in types.items() if t.personal}

    def _personal(self, envelope: dict) -> tuple[EventType, str] | None:
        event_type = self.types.get(envelope.get("type", ""))
        data = envelope.get("data")
        if event_type is None or not isinstance(data, dict):
            return None
        owner = data.get(event_type.owner or "")
        return (event_type, event_type.key_prefix + owner) if isinstance(owner, str) and owner else None

    def plain_fields(self, envelope: dict) -> list[str]:
        """The envelope's personal fields that hold a value not sealed yet (none for a type without an owner)."""
        found = self._personal(envelope)
        return _still_plain(found[0], envelope["data"]) if found else []

    def seal(self, envelopes: Iterable[dict], session: ClientSession | None = None) -> list[dict]:
        """Copies of the envelopes with their personal fields sealed (already sealed ones are left as they are);
        raises Erased for a person whose key was destroyed."""
        sealed = []
        for envelope in envelopes:
            found = self._personal(envelope)
            plain = _still_plain(found[0], envelope["data"]) if found else []
            if found is None or not plain:
                sealed.append(envelope)
                continue
            owner = found[1]
            data = dict(envelope["data"])
            key = self.keys.key_for(owner, session)  # one key per person, made once
            data.update({name: seal(key, owner, name, data[name]) for name in plain})
            sealed.append({**envelope, "data": data})
        return sealed

    def open(
        self, envelopes: Iterable[dict], session: ClientSession | None = None, trust_cache: bool = False
    ) -> list[dict]:
        """Copies with every sealed field opened; a field whose key was destroyed reads `None` (`trust_cache`:
        KeyStore.keys_of)."""
        envelopes = list(envelopes)
        owners = [
            value["key_id"]
            for envelope in envelopes
            if isinstance(envelope.get("data"), dict)
            for value in envelope["data"].values()
            if is_sealed(value)
        ]
        keys = self.keys.keys_of(owners, session, trust_cache=trust_cache)
        return [self._opened(envelope, keys) for envelope in envelopes]

    @staticmethod
    def _opened(envelope: dict, keys: Mapping[str, bytes]) -> dict:
        data = envelope.get("data")
        if not isinstance(data, dict) or not any(is_sealed(value) for value in data.values()):
            return envelope
        opened = {
            name: (open_sealed(keys[value["key_id"]], name, value) if value["key_id"] in keys else None)
            if is_sealed(value)
            else value
            for name, value in data.items()
        }
        return {**envelope, "data": opened}


def key_store(client: Any, settings: Any) -> KeyStore:
    """The stack's key store: database `keys` beside the services' own (settings.database_name)."""
    return KeyStore(client[settings.database_name("keys")])
