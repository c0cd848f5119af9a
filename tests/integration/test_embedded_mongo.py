"""The embedded MongoDB (SecantusDB) as Jajo starts it keeps every acknowledged transaction across a kill -9."""

from __future__ import annotations

import threading

import pytest
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from jajo import embedded
from jajo.errors import Unavailable
from jajo.mongo import in_transaction

pytestmark = pytest.mark.integration


def test_acknowledged_transactions_survive_a_kill_9(tmp_path):
    port = embedded.free_port()
    server = embedded.start_secantus(port, tmp_path / "data", tmp_path / "mongo.log")
    client = MongoClient(embedded.mongo_uri(port), serverSelectionTimeoutMS=2000)
    acknowledged: list[str] = []
    errors: list[BaseException] = []  # failures before the kill: they would hide a writer that never wrote
    stop, killed = threading.Event(), threading.Event()

    def commit_pairs(writer: int) -> None:
        for n in range(100_000):
            if stop.is_set():
                return
            key = f"{writer}-{n}"
            try:
                in_transaction(
                    client,
                    lambda s, key=key: (
                        client.jajo.events.insert_one({"_id": key}, session=s),  # type: ignore[misc]
                        client.jajo.outbox.insert_one({"_id": key}, session=s),
                    ),
                )
                acknowledged.append(key)
            except (PyMongoError, Unavailable) as exc:  # the server is being killed under the writers
                if not killed.is_set():
                    errors.append(exc)
                    return
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    writers = [threading.Thread(target=commit_pairs, args=(w,)) for w in range(3)]
    try:
        client.jajo.create_collection("events")
        client.jajo.create_collection("outbox")
        [w.start() for w in writers]
        threading.Event().wait(2.0)  # commits under way: the kill lands between them at a random moment
        killed.set()
        server.kill()
        stop.set()
        [w.join(30) for w in writers]
        server = embedded.start_secantus(port, tmp_path / "data", tmp_path / "mongo.log")
        with MongoClient(embedded.mongo_uri(port)) as fresh:
            events = {d["_id"] for d in fresh.jajo.events.find({}, {"_id": 1})}
            outbox = {d["_id"] for d in fresh.jajo.outbox.find({}, {"_id": 1})}
        assert not errors, errors[:3]
        assert len(acknowledged) > 100
        assert not set(acknowledged) - events, "acknowledged transactions lost"
        assert events == outbox
    finally:
        stop.set()
        client.close()
        server.stop()
