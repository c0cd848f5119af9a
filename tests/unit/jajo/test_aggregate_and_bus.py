from dataclasses import dataclass

import pytest

from jajo.commands import CommandBus
from jajo.domain import Aggregate, DomainEvent
from jajo.errors import ConcurrencyConflict, PreconditionFailed
from jajo.events import EventType

Added = EventType("Added", "counter id", ("amount",))


@dataclass
class Counter(Aggregate):
    aggregate_type = "counter"
    total: int = 0

    def add(self, amount: int) -> None:
        self.record(Added, amount=amount)

    def on_added(self, data: dict) -> None:
        self.total += data["amount"]


def test_state_is_rebuilt_from_events_and_versions_count_them():
    counter = Counter.rehydrate(
        "c", [DomainEvent("Added", {"amount": 2}, 1, 1), DomainEvent("Added", {"amount": 3}, 1, 2)]
    )
    assert (counter.total, counter.version, counter.pending) == (5, 2, [])
    counter.add(4)
    assert counter.total == 9 and counter.version == 3
    assert [(e.type, e.aggregate_version) for e in counter.take_pending()] == [("Added", 3)]


def test_a_recorded_event_has_exactly_its_declared_fields():
    with pytest.raises(TypeError, match="missing fields"):
        Counter("c").record(Added)
    with pytest.raises(TypeError, match="undeclared fields"):
        Counter("c").record(Added, amount=1, note="x")
    assert Counter("c").pending == []


def test_an_event_without_a_handler_is_refused():
    with pytest.raises(TypeError):
        Counter.rehydrate("c", [DomainEvent("Removed", {}, 1, 1)])


class FakeUow:
    def __init__(self, expected_version=None):
        self.expected_version = expected_version


def test_the_bus_retries_lost_races_until_the_handler_wins():
    attempts = []

    def handler(command, uow):
        attempts.append(command)
        if len(attempts) < 3:
            raise ConcurrencyConflict()
        return "done"

    bus = CommandBus({str: handler}, FakeUow, retries=5)
    assert bus.handle("go") == "done" and len(attempts) == 3


def test_a_lost_race_under_if_match_is_a_failed_precondition():
    def handler(command, uow):
        raise ConcurrencyConflict()

    with pytest.raises(PreconditionFailed):
        CommandBus({str: handler}, FakeUow, retries=5).handle("go", expected_version=1)


def test_every_committed_event_counts_in_the_appended_metric():
    from prometheus_client import REGISTRY

    from jajo.memory import InMemoryEventStore, InMemoryUnitOfWork

    def appended() -> float:
        return REGISTRY.get_sample_value("jajo_events_appended_total", {"service": "counting", "type": "Added"}) or 0

    before = appended()
    uow = InMemoryUnitOfWork(InMemoryEventStore(), "counting")
    uow.add(Counter("c")).add(2)
    uow.get(Counter, "c").add(3)
    uow.commit()
    assert appended() == before + 2


def test_a_request_counts_its_events_once_they_commit_not_when_written_or_aborted(monkeypatch):
    """A request's unit of work is written in a held transaction that the request commits with its answer
    (jajo.http.commit): the events count when it commits, never when a view fails or a commit did not happen."""
    from flask import Flask, jsonify
    from prometheus_client import REGISTRY
    from pymongo.errors import OperationFailure

    from jajo.http.commit import committed_view, held_commit
    from jajo.memory import InMemoryEventStore, InMemoryUnitOfWork, MemoryTransaction

    def appended() -> float:
        return REGISTRY.get_sample_value("jajo_events_appended_total", {"service": "held", "type": "Added"}) or 0

    store, written = InMemoryEventStore(), []

    def view(fails: bool = False):
        uow = InMemoryUnitOfWork(store, "held", held=held_commit())
        uow.add(Counter(f"c{len(written)}")).add(2)
        uow.get(Counter, f"c{len(written)}").add(3)
        written.append(uow.commit())
        assert appended() == before  # written, not committed yet
        if fails:
            raise RuntimeError("the view failed after the command: the request aborts its transaction")
        return jsonify(done=True)

    before = appended()
    with Flask(__name__).test_request_context():
        with pytest.raises(RuntimeError):
            committed_view(lambda: view(fails=True))
        assert appended() == before and store.streams == {}

        commits = []

        def commit_once_transient(self) -> None:  # the first commit did not happen (a write conflict at commit)
            commits.append(self)
            if len(commits) == 1:
                raise OperationFailure("WriteConflict", code=112)
            self.ended = True

        monkeypatch.setattr(MemoryTransaction, "commit", commit_once_transient)
        assert committed_view(view).get_json() == {"done": True}
    assert len(commits) == 2 and list(store.streams) == ["c2"]  # the view ran again; only its second try committed
    assert appended() == before + 2
