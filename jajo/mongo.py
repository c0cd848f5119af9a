"""One MongoClient per process (clients are not fork-safe) and a retrying transaction runner."""
from __future__ import annotations

import os
import random
import threading
import time
from typing import Callable, TypeVar

from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from jajo.errors import Unavailable

T = TypeVar("T")
_clients: dict[tuple[int, str], MongoClient] = {}
_clients_lock = threading.Lock()


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


def in_transaction(client: MongoClient, work: Callable[[ClientSession], T], *, attempts: int = 20) -> T:
    """Run `work` in one multi-document transaction, retrying transient conflicts.

    Errors raised by `work` itself (domain errors, duplicate keys) abort the transaction and propagate.
    """
    for attempt in range(attempts):
        try:
            with client.start_session() as session:
                with session.start_transaction(
                    read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
                ):
                    return work(session)
        except ConnectionFailure as exc:
            raise Unavailable() from exc
        except PyMongoError as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.001, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")
