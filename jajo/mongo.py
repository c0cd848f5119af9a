"""One MongoClient per process (clients are not fork-safe) and a retrying transaction runner."""

from __future__ import annotations

import atexit
import os
import random
import uuid
import threading
import time
from typing import Any, Callable, Iterable, Mapping, TypeVar

from bson import Binary
from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import (
    ClientBulkWriteException,
    CollectionInvalid,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from jajo.config import Settings
from jajo.errors import ConcurrencyConflict, Unavailable

T = TypeVar("T")
_clients: dict[tuple[int, str, str], MongoClient] = {}
_clients_lock = threading.Lock()


@atexit.register
def _close_clients() -> None:
    for client in _clients.values():
        client.close()


def client_for(uri: str, timeout_ms: int = 5000, *, username: str = "", password: str = "") -> MongoClient:
    key = (os.getpid(), uri, username)
    credentials: dict[str, Any] = {"username": username, "password": password} if username else {}
    with _clients_lock:
        if key not in _clients:
            _clients[key] = MongoClient(
                uri,
                serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms,
                tz_aware=True,
                uuidRepresentation="standard",
                **credentials,
            )
        return _clients[key]


def client_of(settings: Settings) -> MongoClient:
    """The process's client for the settings' MongoDB, as the settings' user (MONGODB_USERNAME, and the password
    from MONGODB_PASSWORD_FILE) when one is set."""
    return client_for(settings.mongodb_uri, username=settings.mongodb_username, password=settings.mongodb_password)


def is_transient(exc: PyMongoError) -> bool:
    labels = ("TransientTransactionError", "UnknownTransactionCommitResult")
    if any(exc.has_error_label(label) for label in labels):
        return True
    return isinstance(exc, OperationFailure) and exc.code in (112, 251)  # WriteConflict, NoSuchTransaction


NO_SUCH_TRANSACTION = 251
DUPLICATE_KEY = 11000


def duplicate_key(exc: Exception, index: int | None = None) -> bool:
    """A duplicate key error: of a single write, or among a bulk's write errors (of the write at `index` only,
    when given)."""
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = (getattr(exc, "details", None) or {}).get("writeErrors") or []
    return any(e.get("code") == DUPLICATE_KEY and index in (None, e.get("idx")) for e in errors)


def ensure_collections(db: Database, names: Iterable[str]) -> None:
    """Create the collections that transactions write to: two transactions that both create one by their first
    insert conflict, even on different documents."""
    existing = set(db.list_collection_names())
    for name in names:
        if name not in existing:
            try:
                db.create_collection(name)
            except CollectionInvalid:
                pass  # another process created it first


def bulk_write(client: MongoClient, writes: list[Any], session: ClientSession | None) -> None:
    """Writes to several collections in one round trip (MongoDB 8.0's client bulkWrite), in order. A failure of
    the whole command (a write conflict, a lost connection) is raised as itself, labels and all, so transactions
    retry it as they would a single write's; the writes' own errors come as ClientBulkWriteException."""
    try:
        client.bulk_write(writes, session=session, ordered=True)
    except ClientBulkWriteException as exc:
        if isinstance(exc.error, PyMongoError):
            raise exc.error from None
        raise


class OpenTransaction:
    """A transaction whose work is written but not committed yet: its caller adds to it, then commits or aborts."""

    def __init__(self, session: ClientSession, owned: bool):
        self.session = session
        self._owned = owned  # started for this transaction: ended with it
        self._lsid = session.session_id  # still known once the session has ended

    def commit(self) -> None:
        """Raises CommitOutcomeUnknown when MongoDB never said whether it committed; a transient error means the
        transaction did not commit (it may be run again)."""
        try:
            _commit(self.session)
        finally:
            self._end()

    def abort(self) -> None:
        if self.session.in_transaction:
            _abort_quietly(self.session)
        self._end()

    def forget(self) -> None:
        """After an unknown outcome: end the transaction on the server, so that reading what it wrote tells for
        certain whether it committed (a commit still queued there can no longer happen)."""
        self._end()
        kill_session(self.session.client, self._lsid)

    def _end(self) -> None:
        if self._owned and not self.session.has_ended:
            self.session.end_session()


def open_transaction(
    client: MongoClient, work: Callable[[ClientSession], T], *, attempts: int = 20
) -> tuple[OpenTransaction, T]:
    """Start a multi-document transaction and run `work` in it, retrying transient conflicts; the caller
    commits or aborts the transaction it gets back. Errors raised by `work` itself (domain errors, duplicate
    keys) abort the transaction and propagate."""
    return _retrying(lambda: _begin(client, work, None), attempts)


def in_transaction(
    client: MongoClient, work: Callable[[ClientSession], T], *, attempts: int = 20, session: ClientSession | None = None
) -> T:
    """Run `work` in one multi-document transaction and commit it, retrying transient conflicts.

    A commit whose outcome is unknown (the connection broke during commitTransaction) is retried as a
    commit only: running `work` again could store its events a second time (a command whose first try
    did commit would then be applied twice). If the outcome stays unknown the caller gets CommitOutcomeUnknown
    (503). `session` reuses a long-lived session (a consumer's, whose id it records), else each try starts one.
    """

    def attempt() -> T:
        transaction, result = _begin(client, work, session)
        transaction.commit()
        return result

    return _retrying(attempt, attempts)


def _begin(
    client: MongoClient, work: Callable[[ClientSession], T], session: ClientSession | None
) -> tuple[OpenTransaction, T]:
    transaction = OpenTransaction(session or client.start_session(), owned=session is None)
    try:
        transaction.session.start_transaction(
            read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )
        return transaction, work(transaction.session)
    except BaseException:
        transaction.abort()
        raise


def _retrying(attempt: Callable[[], T], attempts: int) -> T:
    for n in range(attempts):
        try:
            return attempt()
        except ConnectionFailure as exc:
            raise Unavailable() from exc
        except PyMongoError as exc:
            if not is_transient(exc):
                raise
            if n == attempts - 1:  # still conflicting: the command bus retries it afresh, else 409
                raise ConcurrencyConflict() from exc
            time.sleep(random.uniform(0.001, 0.01 * (n + 1)))
    raise AssertionError("unreachable")


class CommitOutcomeUnknown(Unavailable):
    def __init__(self) -> None:
        super().__init__("the database did not confirm the commit; retry with the same Idempotency-Key")


def _commit(session: ClientSession, deadline_seconds: float = 10.0) -> None:
    """commitTransaction, retried (it is idempotent) while its outcome is unknown.

    NoSuchTransaction is an unknown outcome too, even on the first call: pymongo retries a commit once by
    itself after a network error, and a SecantusDB restarted in between knows nothing of the transaction,
    committed or not (MongoDB keeps committed transactions' records; SecantusDB keeps them in memory). Only
    the transaction's own writes can tell then."""
    deadline = time.monotonic() + deadline_seconds
    unknown = False
    while True:
        try:
            session.commit_transaction()
            return
        except PyMongoError as exc:
            if isinstance(exc, OperationFailure) and exc.code == NO_SUCH_TRANSACTION:
                raise CommitOutcomeUnknown() from exc
            if exc.has_error_label("UnknownTransactionCommitResult") or isinstance(exc, ConnectionFailure):
                unknown = True
                if time.monotonic() > deadline:
                    raise CommitOutcomeUnknown() from exc
                time.sleep(0.2)
                continue
            if unknown:  # it may have committed before this error
                raise CommitOutcomeUnknown() from exc
            raise


def _abort_quietly(session: ClientSession) -> None:
    try:
        session.abort_transaction()
    except PyMongoError:
        pass  # the server drops an abandoned transaction by itself


def kill_session(client: MongoClient, session_id: Mapping[str, Any]) -> None:
    """End a dead process's session: its open transaction would hold its write locks for a minute."""
    raw = session_id["id"]
    if isinstance(raw, uuid.UUID):  # read back through a client that decodes UUIDs
        raw = Binary.from_uuid(raw)
    try:
        client.admin.command("killSessions", [{"id": raw}])
    except PyMongoError:
        pass  # already gone


MEMBER_SESSIONS = "consumer_sessions"


class MemberSessions:
    """The long-lived sessions of one worker member ("reporting-projector:0/1", a group member's name), one per
    purpose (its batches, the projector's audit reservations), their ids kept in MongoDB. The member started again
    ends every session its previous run recorded, before it starts its own, and a member taking over its
    partitions does too (`end_sessions_of`): a kill -9 leaves a transaction open, and an open transaction holds its
    write locks until MongoDB expires it (60 s). One process per member name."""

    def __init__(self, client: MongoClient, db: Database, member: str):
        self.client, self.db, self.member = client, db, member
        self._sessions: dict[str, ClientSession] = {}

    def get(self, purpose: str = "batches") -> ClientSession:
        if purpose not in self._sessions:
            if not self._sessions:
                end_sessions_of(self.client, self.db, self.member)  # the previous run's
            session = self.client.start_session()
            self.db[MEMBER_SESSIONS].replace_one(
                {"_id": self.member if purpose == "batches" else f"{self.member} {purpose}"},
                {"member": self.member, "lsid": session.session_id},
                upsert=True,
            )
            self._sessions[purpose] = session
        return self._sessions[purpose]

    def close(self) -> None:
        for session in self._sessions.values():
            session.end_session()
        self._sessions.clear()


def end_sessions_of(client: MongoClient, db: Database, member: str) -> int:
    """End the recorded sessions of `member` (a dead run's, or a member's that lost its partitions unreleased)."""
    recorded = list(db[MEMBER_SESSIONS].find({"$or": [{"_id": member}, {"member": member}]}, {"lsid": 1}))
    for doc in recorded:
        kill_session(client, doc["lsid"])
    return len(recorded)
