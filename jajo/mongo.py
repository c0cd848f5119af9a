"""One MongoClient per process (clients are not fork-safe) and a retrying transaction runner."""
from __future__ import annotations

import atexit
import os
import random
import uuid
from contextlib import nullcontext
import threading
import time
from typing import Callable, TypeVar

from bson import Binary
from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from jajo.errors import ConcurrencyConflict, Unavailable

T = TypeVar("T")
_clients: dict[tuple[int, str], MongoClient] = {}
_clients_lock = threading.Lock()


@atexit.register
def _close_clients() -> None:
    for client in _clients.values():
        client.close()


def client_for(uri: str, timeout_ms: int = 5000) -> MongoClient:
    key = (os.getpid(), uri)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = MongoClient(
                uri,
                serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms,
                tz_aware=True,
                uuidRepresentation="standard",
            )
        return _clients[key]


def is_transient(exc: PyMongoError) -> bool:
    labels = ("TransientTransactionError", "UnknownTransactionCommitResult")
    if any(exc.has_error_label(label) for label in labels):
        return True
    return isinstance(exc, OperationFailure) and exc.code in (112, 251)  # WriteConflict, NoSuchTransaction


def in_transaction(
    client: MongoClient, work: Callable[[ClientSession], T], *, attempts: int = 20, session: ClientSession | None = None
) -> T:
    """Run `work` in one multi-document transaction, retrying transient conflicts.

    Errors raised by `work` itself (domain errors, duplicate keys) abort the transaction and propagate.
    A commit whose outcome is unknown (the connection broke during commitTransaction) is retried as a
    commit only: running `work` again could store its events a second time (a command whose first try
    did commit would then be applied twice). If the outcome stays unknown the caller gets Unavailable
    (503): a retry with the same Idempotency-Key is answered from the idempotency record if it committed.
    `session` reuses a long-lived session (a consumer's, whose id it records), else each try starts one.
    """
    for attempt in range(attempts):
        try:
            with nullcontext(session) if session is not None else client.start_session() as current:
                current.start_transaction(read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
                try:
                    result = work(current)
                except BaseException:
                    if current.in_transaction:
                        _abort_quietly(current)
                    raise
                _commit(current)
                return result
        except ConnectionFailure as exc:
            raise Unavailable() from exc
        except PyMongoError as exc:
            if not is_transient(exc):
                raise
            if attempt == attempts - 1:  # still conflicting: the command bus retries it afresh, else 409
                raise ConcurrencyConflict() from exc
            time.sleep(random.uniform(0.001, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")


class CommitOutcomeUnknown(Unavailable):
    def __init__(self) -> None:
        super().__init__("the database did not confirm the commit; retry with the same Idempotency-Key")


def _commit(session: ClientSession, deadline_seconds: float = 10.0) -> None:
    """commitTransaction, retried (it is idempotent) while its outcome is unknown."""
    deadline = time.monotonic() + deadline_seconds
    unknown = False
    while True:
        try:
            session.commit_transaction()
            return
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult") or isinstance(exc, ConnectionFailure):
                unknown = True
                if time.monotonic() > deadline:
                    raise CommitOutcomeUnknown() from exc
                time.sleep(0.2)
                continue
            if unknown:  # e.g. NoSuchTransaction after a restart: it may have committed before
                raise CommitOutcomeUnknown() from exc
            raise


def _abort_quietly(session: ClientSession) -> None:
    try:
        session.abort_transaction()
    except PyMongoError:
        pass  # the server drops an abandoned transaction by itself


def kill_session(client: MongoClient, session_id: dict) -> None:
    """End a dead process's session: its open transaction would hold its write locks for a minute."""
    raw = session_id["id"]
    if isinstance(raw, uuid.UUID):  # read back through a client that decodes UUIDs
        raw = Binary.from_uuid(raw)
    try:
        client.admin.command("killSessions", [{"id": raw}])
    except PyMongoError:
        pass  # already gone
