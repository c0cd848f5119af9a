"""Stored idempotent answers keep no personal data past their replay window (jajo.answers), on real MongoDB."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jajo.answers import ANSWERS, CLAIMS, TTL_INDEX, StoredAnswers, forget_answers
from services.registration.app import create_app
from tests.integration.registration.conftest import Registration

pytestmark = pytest.mark.integration

NAMES = ("김보호", "010-1234-5678", "김하늘")


def keyed(key: str) -> dict:
    return {"Idempotency-Key": key}


def test_a_retry_within_the_window_replays_the_first_answer_and_the_claim_names_no_one(reg):
    group = reg.form()
    first = reg.join(group["id"], headers=keyed("join-1"))
    again = reg.join(group["id"], headers=keyed("join-1"))
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.get_json()["guardian_name"] == "김보호"
    member = first.get_json()

    claims, answers = reg.db[CLAIMS], reg.db[ANSWERS]
    claim = claims.find_one({"response.status": 201, "response.resource": member["id"]})
    assert claim["response"]["headers"]["Location"] == first.headers["Location"]
    assert not any(value in str(claim) for value in NAMES)  # the claim, kept for good, holds ids only
    answer = answers.find_one({"_id": claim["_id"]})
    assert "김보호" in answer["body"].decode()
    child = member["children"][0]["id"]
    assert {group["id"], member["id"], child} <= set(answer["subjects"])
    ttl = answers.index_information()[TTL_INDEX]
    assert ttl["key"] == [("at", 1)] and ttl["expireAfterSeconds"] == 24 * 3600


def test_a_retry_after_the_window_gets_the_status_and_the_resource_but_no_personal_data(reg, settings, clock):
    group = reg.form()
    first = reg.join(group["id"], headers=keyed("join-late"))
    approved = reg.post(f"/groups/{group['id']}/approve", headers=keyed("approve-late"))
    assert first.status_code == 201 and approved.status_code == 200

    # The same databases, served with a window already over: every stored answer is past it.
    late = create_app(settings.override(idempotent_answer_seconds=0), clock=clock)
    after = Registration(late.test_client(), reg.db, reg.store)
    again = after.join(group["id"], headers=keyed("join-late"))
    assert reg.db[ANSWERS].index_information()[TTL_INDEX]["expireAfterSeconds"] == 0  # the new window applies
    assert again.status_code == 201 and again.mimetype == "application/problem+json"
    assert again.headers["Idempotent-Replayed"] == "expired"
    assert again.headers["Location"] == first.headers["Location"]
    problem = again.get_json()
    assert problem["type"].endswith("/answer-expired") and problem["status"] == 201
    assert first.headers["Location"] in problem["detail"]
    assert not any(value in again.get_data(as_text=True) for value in NAMES)

    approve_again = after.post(f"/groups/{group['id']}/approve", headers=keyed("approve-late"))
    assert approve_again.status_code == 200 and approve_again.mimetype == "application/problem+json"
    assert group["id"] in approve_again.get_json()["detail"]  # no Location: the resource by its id
    assert "김보호" not in approve_again.get_data(as_text=True)

    different = after.join(group["id"], headers=keyed("join-late"), guardian_name="이보호")
    assert different.status_code == 422 and "Idempotency-Key" in different.get_json()["detail"]
    assert [e["type"] for e in reg.events(group["id"])] == ["GroupFormed", "MemberJoined", "GroupApproved"]


def test_the_ttl_index_expires_bodies_and_replay_refuses_one_older_than_the_window(reg):
    group = reg.form()
    assert reg.join(group["id"], headers=keyed("join-old")).status_code == 201
    key = reg.db[CLAIMS].find_one({"response.status": 201, "response.headers.Location": {"$regex": "/members/"}})
    now = datetime.now(timezone.utc)
    window = StoredAnswers(reg.db, 3600, clock=lambda: now)
    assert window.replayable(key["_id"]) is not None
    later = StoredAnswers(reg.db, 3600, clock=lambda: now + timedelta(hours=1, seconds=1))
    assert later.replayable(key["_id"]) is None  # the TTL monitor may not have run yet: replay treats it as gone


def test_forgetting_a_member_deletes_every_answer_naming_them_and_leaves_the_claims(reg):
    group = reg.form()
    first = reg.join(group["id"], headers=keyed("join-a")).get_json()
    second = reg.join(group["id"], headers=keyed("join-b"), guardian_name="박보호", phone="010-9999-0000").get_json()
    assert reg.post(f"/groups/{group['id']}/approve", headers=keyed("approve")).status_code == 200
    claims_before = reg.db[CLAIMS].count_documents({})

    assert forget_answers(reg.db, first["id"]) == 2  # its join, and the approval's group view listing it
    assert reg.db[CLAIMS].count_documents({}) == claims_before
    assert not reg.db[ANSWERS].find_one({"subjects": first["id"]})
    assert "김보호" not in "".join(doc["body"].decode() for doc in reg.db[ANSWERS].find())

    forgotten = reg.join(group["id"], headers=keyed("join-a"))
    assert forgotten.status_code == 201 and forgotten.headers["Idempotent-Replayed"] == "expired"
    assert "김보호" not in forgotten.get_data(as_text=True)
    kept = reg.join(group["id"], headers=keyed("join-b"), guardian_name="박보호", phone="010-9999-0000")
    assert kept.headers["Idempotent-Replayed"] == "true" and kept.get_json() == second
