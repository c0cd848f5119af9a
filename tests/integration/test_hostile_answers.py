"""Answers never lost (issue 14): a command whose commit outcome was unknown but that did commit gives, and then
replays, its real answer; one that did not commit answers 503 and runs afresh on a retry."""
from __future__ import annotations

import pytest

from jajo import mongo
from services.registration.app import create_app as registration_app
from tests.conftest import STAFF


@pytest.fixture
def http(settings):
    return registration_app(settings).test_client()


def post(http, key: str):
    return http.post("/api/v1/groups", json={"name": "햇살", "year": 2026}, headers={**STAFF, "Idempotency-Key": key})


def test_a_commit_whose_outcome_was_unknown_but_happened_gives_and_replays_its_real_answer(http, monkeypatch):
    real_commit = mongo._commit

    def committed_then_connection_lost(session, deadline_seconds=10.0):
        real_commit(session)
        raise mongo.CommitOutcomeUnknown()

    monkeypatch.setattr(mongo, "_commit", committed_then_connection_lost)
    first = post(http, "k-unknown")
    monkeypatch.setattr(mongo, "_commit", real_commit)
    assert first.status_code == 201 and first.get_json()["name"] == "햇살"
    again = post(http, "k-unknown")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert len(http.get("/api/v1/groups?year=2026", headers=STAFF).get_json()["groups"]) == 1


def test_a_commit_whose_outcome_was_unknown_and_did_not_happen_is_503_and_runs_afresh(http, monkeypatch):
    def aborted_then_connection_lost(session, deadline_seconds=10.0):
        session.abort_transaction()
        raise mongo.CommitOutcomeUnknown()

    monkeypatch.setattr(mongo, "_commit", aborted_then_connection_lost)
    first = post(http, "k-lost")
    monkeypatch.undo()
    assert first.status_code == 503 and first.mimetype == "application/problem+json"
    assert "Location" not in first.headers
    again = post(http, "k-lost")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(http.get("/api/v1/groups?year=2026", headers=STAFF).get_json()["groups"]) == 1
