"""Concurrent submissions through the HTTP layer against real MongoDB."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.survey.app import create_app
from tests.conftest import STAFF

pytestmark = pytest.mark.integration


def submit_all(app, survey_id: str, bodies: list[dict]) -> list:
    barrier = threading.Barrier(len(bodies))

    def submit(body):
        client = app.test_client()
        barrier.wait()
        return client.post(f"/api/v1/surveys/{survey_id}/responses", json=body, headers=STAFF)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(submit, bodies))


def test_50_distinct_members_all_land(settings, publish, join, survey_service, client):
    survey, members = publish(), join(2025, count=50)
    app = create_app(settings)
    app.test_client().get(f"/api/v1/surveys/{survey['id']}", headers=STAFF)  # wire before the threads race
    answers = [{"respondent": m, "answers": {"q1": 1 + i % 5, "q5": f"의견 {i}"}} for i, m in enumerate(members)]
    responses = submit_all(app, survey["id"], answers)

    assert [r.status_code for r in responses] == [201] * 50, [r.get_json() for r in responses if r.status_code != 201]
    assert len({r.get_json()["id"] for r in responses}) == 50
    assert survey_service.db["events"].count_documents({"type": "SurveySubmitted"}) == 50
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF).get_json()["response_count"] == 50


def test_10_submissions_of_one_member_make_one_response(settings, publish, join, survey_service, client):
    survey, member = publish(), join()
    app = create_app(settings)
    app.test_client().get(f"/api/v1/surveys/{survey['id']}", headers=STAFF)
    responses = submit_all(app, survey["id"], [{"respondent": member, "answers": {"q1": 5}}] * 10)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.get_json() for r in responses]
    assert all(r.mimetype == "application/problem+json" for r in responses if r.status_code == 409)
    assert survey_service.db["events"].count_documents({"type": "SurveySubmitted"}) == 1
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF).get_json()["response_count"] == 1
