"""Answers never lost (issue 14): a command's answer is stored with its idempotency claim inside its transaction,
so a 2xx always means committed events and a retry, in any process, replays it. A commit whose outcome is unknown
is settled by what the transaction wrote. Faults are injected at the real server: SecantusDB's `failCommand`
failpoints on `commitTransaction`, or the server stopped."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from jajo import embedded, mongo
from jajo.http import commit
from jajo.mongo import client_for
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from tests.conftest import STAFF

BODY = {"name": "햇살", "year": 2026}


@pytest.fixture
def own_mongo(tmp_path):
    """A SecantusDB of this test's own, accepting failpoints, that the test may stop."""
    port = embedded.free_port()
    servers = {"mongo": embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log", test_commands=True)}

    def restart():
        servers["mongo"] = embedded.start_secantus(port, tmp_path / "mongo", tmp_path / "mongo.log", test_commands=True)

    servers["restart"] = restart
    yield port, servers
    servers["mongo"].stop()


@pytest.fixture
def own_settings(settings, own_mongo):
    return settings.override(mongodb_uri=embedded.mongo_uri(own_mongo[0]))


@pytest.fixture
def http(own_settings):
    return registration_app(own_settings).test_client()


def fail_commits(settings, mode, **data) -> None:
    client_for(settings.mongodb_uri).admin.command(
        "configureFailPoint", "failCommand", mode=mode, data={"failCommands": ["commitTransaction"], **data}
    )


def post(http, key: str):
    return http.post("/api/v1/groups", json=BODY, headers={**STAFF, "Idempotency-Key": key})


def group_events(settings) -> list[dict]:
    store = bootstrap_registration(settings).ensure_indexes().store
    assert store is not None
    return list(store.events.find({"type": "GroupFormed"}))


def counted() -> float:
    """jajo_events_appended_total of GroupFormed: committed events only, each once, whatever the tries."""
    sample = REGISTRY.get_sample_value("jajo_events_appended_total", {"service": "registration", "type": "GroupFormed"})
    return sample or 0.0


@pytest.fixture
def count_once():
    """After the test: exactly one GroupFormed counted by this process (the one committed)."""
    before = counted()
    yield
    assert counted() == before + 1


@pytest.mark.usefixtures("count_once")
def test_a_commit_made_but_answered_no_such_transaction_gives_and_replays_its_real_answer(http, own_settings):
    """What a SecantusDB restarted between a commit and pymongo's own retry of it answers: it no longer knows the
    transaction, committed or not. Running the command again (a transient error, by the label) made it clash with
    its own committed claim: 409 for a command that was applied."""
    fail_commits(
        own_settings,
        {"times": 1},
        writeConcernError={"code": 251, "errmsg": "NoSuchTransaction"},
        errorLabels=["TransientTransactionError"],
    )  # the commit runs; its answer says it did not
    first = post(http, "k-made")
    assert first.status_code == 201, first.get_json()
    assert len(group_events(own_settings)) == 1
    again = (
        registration_app(own_settings)
        .test_client()
        .post(  # another process: nothing shared in memory
            "/api/v1/groups", json=BODY, headers={**STAFF, "Idempotency-Key": "k-made"}
        )
    )
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert len(group_events(own_settings)) == 1


@pytest.mark.usefixtures("count_once")
def test_a_commit_answered_no_such_transaction_that_did_not_happen_runs_again_once(http, own_settings):
    fail_commits(own_settings, {"times": 1}, errorCode=251)  # refused before it ran
    first = post(http, "k-refused")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert [e["subject"] for e in group_events(own_settings)] == [first.get_json()["id"]]


@pytest.mark.usefixtures("count_once")
def test_a_commit_whose_answer_was_lost_twice_is_committed_once(http, own_settings):
    fail_commits(own_settings, {"times": 2}, writeConcernError={"code": 64, "errmsg": "waiting for replication"})
    first = post(http, "k-unconfirmed")
    assert first.status_code == 201
    assert len(group_events(own_settings)) == 1
    stored = bootstrap_registration(own_settings).ensure_indexes().db["idempotency"].find_one()
    assert stored["response"]["status"] == 201  # stored with the claim, in the transaction


@pytest.mark.usefixtures("count_once")
def test_a_commit_never_confirmed_while_mongodb_is_away_is_503_and_a_retry_runs_it_afresh(
    http, own_settings, own_mongo, monkeypatch
):
    real_commit = mongo._commit

    def server_stops_during_commit(session, deadline_seconds=10.0):
        own_mongo[1]["mongo"].stop()  # before the commit reached it: nothing committed
        raise mongo.CommitOutcomeUnknown()

    monkeypatch.setattr(mongo, "_commit", server_stops_during_commit)
    monkeypatch.setattr(commit, "SETTLE_SECONDS", 0.5)
    first = post(http, "k-away")
    monkeypatch.setattr(mongo, "_commit", real_commit)
    assert first.status_code == 503 and first.mimetype == "application/problem+json"
    assert first.headers["Retry-After"] and "Location" not in first.headers
    own_mongo[1]["restart"]()
    again = post(http, "k-away")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(group_events(own_settings)) == 1
