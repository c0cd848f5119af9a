"""One contract, two event stores (the `eventsourcing` library's pattern): MongoDB's (real SecantusDB) and the
in-memory fake that handler tests use must keep the same promises."""

from __future__ import annotations

import pytest

from jajo.envelope import build
from jajo.errors import ConcurrencyConflict
from jajo.eventstore import EventStore
from jajo.memory import InMemoryEventStore
from jajo.mongo import client_for, in_transaction


def formed(subject: str, version: int = 1, name: str = "햇살 모임") -> dict:
    return build(
        "GroupFormed",
        {"group_id": subject, "name": name, "year": 2026, "theme": None, "description": None},
        subject=subject,
        source="registration",
        aggregate_type="group",
        version=version,
    )


class MemoryBackend:
    def __init__(self) -> None:
        self.store = InMemoryEventStore("registration.events")

    def append(self, envelopes: list[dict]) -> None:
        self.store.append(envelopes)

    def publish_all(self) -> None:
        self.store.outbox.clear()

    def view(self, collection: str, aggregate_id: str) -> dict | None:
        return self.store.views.get(collection, {}).get(aggregate_id)


class MongoBackend:
    def __init__(self, settings) -> None:
        self.client = client_for(settings.mongodb_uri)
        self.store = EventStore(self.client[settings.database_name("contract")], settings.topic("registration.events"))
        self.store.ensure_indexes()

    def append(self, envelopes: list[dict]) -> None:
        in_transaction(self.client, lambda session: self.store.append(envelopes, session))

    def publish_all(self) -> None:
        self.store.outbox.delete_many({})

    def view(self, collection: str, aggregate_id: str) -> dict | None:
        return self.store.db[collection].find_one({"_id": aggregate_id})


class EventStoreContract:
    """What an event store promises; a subclass names the backend."""

    def test_an_aggregate_without_events_loads_as_an_empty_history(self, backend):
        assert backend.store.load("nobody") == []

    def test_appended_events_load_back_unchanged_in_version_order(self, backend):
        first, second, other = formed("g1"), formed("g1", 2, "두 번째"), formed("g2")
        backend.append([first])
        backend.append([other, second])
        assert backend.store.load("g1") == [first, second]
        assert backend.store.load("g2") == [other]

    def test_a_taken_version_conflicts_and_nothing_of_its_batch_is_stored(self, backend):
        backend.append([formed("g1")])
        with pytest.raises(ConcurrencyConflict):
            backend.append([formed("g2"), formed("g1", 1, "늦은 쪽")])
        assert backend.store.load("g2") == [] and len(backend.store.load("g1")) == 1
        assert backend.store.pending_count() == 1

    def test_one_version_twice_in_one_batch_conflicts(self, backend):
        with pytest.raises(ConcurrencyConflict):
            backend.append([formed("g1"), formed("g1")])
        assert backend.store.load("g1") == [] and backend.store.pending_count() == 0

    def test_the_history_holds_what_the_outbox_has_published_by_aggregate_and_version(self, backend):
        backend.append([formed("g2"), formed("g1")])
        backend.append([formed("g1", 2)])
        assert backend.store.pending_count() == 3 and list(backend.store.history()) == []
        backend.publish_all()
        assert [(e["subject"], e["aggregateversion"]) for e in backend.store.history()] == [
            ("g1", 1),
            ("g1", 2),
            ("g2", 1),
        ]
        assert sorted(e["id"] for e in backend.store.all_events()) == sorted(e["id"] for e in backend.store.history())

    def test_a_view_is_replaced_by_the_aggregate_s_next_state(self, backend):
        backend.store.save_view("group_views", {"_id": "g1", "name": "햇살", "version": 1})
        backend.store.save_view("group_views", {"_id": "g1", "name": "달빛", "version": 2})
        assert backend.view("group_views", "g1") == {"_id": "g1", "name": "달빛", "version": 2}

    def test_the_history_topic_id_is_remembered(self, backend):
        assert backend.store.history_topic_id() is None
        backend.store.remember_history_topic_id("topic-1")
        assert backend.store.history_topic_id() == "topic-1"


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def backend(self):
        return MemoryBackend()


@pytest.mark.integration
class TestMongoEventStore(EventStoreContract):
    @pytest.fixture
    def backend(self, settings):
        return MongoBackend(settings)
