"""Guardians (members signed in to the portal) in survey: open surveys, answered as themselves only."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF, acting
from tests.integration.survey.conftest import registration_envelope

pytestmark = pytest.mark.integration


def test_a_guardian_reads_open_surveys_and_answers_as_itself_only(client, join, publish, survey_service):
    me, other = join(), join()
    survey, closed = publish(), publish(title="지난 조사")
    assert client.post(f"/api/v1/surveys/{closed['id']}/close", headers=STAFF).status_code == 200
    guardian = acting(f"guardian:{me}")
    listed = client.get("/api/v1/surveys?year=2025", headers=guardian).get_json()["surveys"]
    assert [s["id"] for s in listed] == [survey["id"]]
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=guardian).status_code == 200
    assert client.get(f"/api/v1/surveys/{closed['id']}", headers=guardian).status_code == 403

    events = survey_service.db["events"].count_documents({})
    refused = [
        client.post(
            f"/api/v1/surveys/{survey['id']}/responses",
            json={"respondent": other, "answers": {"q1": 5}},
            headers=guardian,
        ),
        client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": {"q1": 5}}, headers=guardian),
        client.post("/api/v1/surveys", json={"title": "x", "year": 2025, "questions": []}, headers=guardian),
        client.post(f"/api/v1/surveys/{survey['id']}/close", headers=guardian),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert survey_service.db["events"].count_documents({}) == events

    answered = client.post(
        f"/api/v1/surveys/{survey['id']}/responses", json={"respondent": me, "answers": {"q1": 5}}, headers=guardian
    )
    assert answered.status_code == 201, answered.get_json()
    envelope = survey_service.db["events"].find_one({"type": "SurveySubmitted"})["envelope"]
    assert (envelope["actor"], envelope["actorvia"]) == (f"guardian:{me}", "portal:web")
    bad = client.post(
        f"/api/v1/surveys/{survey['id']}/responses", json={"respondent": me, "answers": {"q1": 9}}, headers=guardian
    )
    assert bad.status_code in (409, 422)  # the guardian's own mistakes get the usual answers


def test_left_erased_and_unknown_members(client, join, publish, feed):
    survey = publish()
    left, erased = join(), join()
    feed(
        registration_envelope(
            "MemberLeft", {"group_id": "g", "year": 2025, "member_id": left, "left_on": "2025-06-01"}, "g", 3
        ),
        registration_envelope("MemberErased", {"group_id": "g", "year": 2025, "member_id": erased}, "g", 4),
    )
    for member in (left, erased):
        assert client.get(f"/api/v1/surveys/{survey['id']}", headers=acting(f"guardian:{member}")).status_code == 403
    unknown = client.get("/api/v1/surveys", headers=acting("guardian:notheardofyet"))
    assert unknown.status_code == 409 and unknown.headers["Retry-After"]
