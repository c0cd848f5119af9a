"""The command path's round trips to MongoDB (issue 17): a held session is seven, none of them on a document every
command shares; a command that changes nothing still stores its claim and answer, and both replay."""

from __future__ import annotations

import pytest

from bench.roundtrips import RoundTrips, counting

pytestmark = pytest.mark.integration

HELD_SESSION = [
    ("find", "idempotency"),  # a retry with the key gets the first answer, and runs nothing
    ("find", "events"),  # the session's stream
    ("find", "registration_groups"),  # its group's current members
    ("insert", "events"),  # alone and first: the version's unique index decides a race
    ("bulkWrite", "outbox, session_views"),
    ("bulkWrite", "idempotency, idempotency_answers"),  # the claim with the answer's outcome, and the answer
    ("commitTransaction", ""),
]


@pytest.fixture
def trips() -> RoundTrips:
    return RoundTrips()


@pytest.fixture
def settings(settings, trips):
    """The tests' settings, with the process's MongoDB client for them one that reports its commands to `trips`."""
    with counting(settings, trips) as counted:
        yield counted


def schedule(api, group_id: str) -> dict:
    body = {"group_id": group_id, "date": "2026-05-09", "start": "10:00", "end": "12:00", "kind": "regular"}
    return api.post("/api/v1/sessions", json={**body, "venue": "external", "title": "숲 놀이"}).get_json()


def test_a_held_session_takes_seven_round_trips_and_replays(api, registry, activity, trips):
    group_id, members = registry.approved_group()
    member, kids = next(iter(members.items()))
    session = schedule(api, group_id)
    body, key = {"guardians": [member], "children": [kids[0]]}, {"Idempotency-Key": "hold-1"}
    url = f"/api/v1/sessions/{session['id']}/attendance"
    answers = []
    assert trips.during(lambda: answers.append(api.post(url, json=body, headers=key))) == HELD_SESSION
    again = api.post(url, json=body, headers=key)
    assert answers[0].status_code == again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == answers[0].get_json()
    assert activity.db["events"].count_documents({"subject": session["id"], "type": "SessionHeld"}) == 1


def test_a_command_that_changes_nothing_stores_its_claim_and_replays(api, registry, activity, trips):
    """Its transaction begins with the claim (no events to store first), which goes as a plain insert."""
    group_id, _ = registry.approved_group()
    session = schedule(api, group_id)
    url = f"/api/v1/sessions/{session['id']}/cancel"
    assert api.post(url, headers={"Idempotency-Key": "cancel-1"}).get_json()["version"] == 2
    nothing = trips.during(lambda: api.post(url, headers={"Idempotency-Key": "cancel-2"}))
    assert ("insert", "idempotency") in nothing and ("insert", "events") not in nothing
    replayed = api.post(url, headers={"Idempotency-Key": "cancel-2"})
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json()["version"] == 2
    assert activity.db["events"].count_documents({"subject": session["id"]}) == 2
