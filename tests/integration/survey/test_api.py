"""Survey over HTTP against real MongoDB: every rule, every kind of bad input, the stored events."""

from __future__ import annotations

import copy

import pytest

from jajo.errors import Conflict
from services.survey.domain import Response, Survey, response_subject
from tests.conftest import STAFF, VIEWER
from tests.integration.survey.conftest import QUESTIONS, member_joined

pytestmark = pytest.mark.integration
ANSWERS = {"q1": 5, "q2": 4, "q3": ["서류 제출의 어려움"], "q4": "키움터", "q5": "온라인 모임이 자주 끊겼어요"}


def events(service, **query) -> list[dict]:
    found = [doc["envelope"] for doc in service.db["events"].find(query)]
    return sorted(found, key=lambda e: (e["time"], e["aggregateversion"]))


def respond(client, survey_id: str, respondent: str, answers=None, headers=None):
    body = {"respondent": respondent, "answers": ANSWERS if answers is None else answers}
    return client.post(f"/api/v1/surveys/{survey_id}/responses", json=body, headers=headers or STAFF)


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    for name in fields:
        assert name in body.get("errors", {}), body
    return body


# --- publishing and reading -----------------------------------------------------------------------
def test_publish_then_read_definition_and_count(client, publish, survey_service):
    survey = publish()
    assert survey["status"] == "open" and survey["version"] == 1 and survey["year"] == 2025
    assert survey["title"] == "2025년 자조모임 만족도 조사" and survey["response_count"] == 0
    assert survey["copied_from"] is None
    assert survey["questions"][0] == {**QUESTIONS[0], "options": None, "multiple": False}
    assert survey["questions"][2]["options"] == QUESTIONS[2]["options"] and survey["questions"][2]["multiple"]

    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF)
    assert got.status_code == 200 and got.get_json() == survey and got.headers["ETag"] == '"1"'

    [published] = events(survey_service)
    assert published["type"] == "SurveyPublished" and published["subject"] == survey["id"]
    assert published["source"] == "/survey" and published["aggregateversion"] == 1
    assert published["data"] == {
        "survey_id": survey["id"],
        "title": survey["title"],
        "year": 2025,
        "questions": survey["questions"],
        "copied_from": None,
    }
    assert survey_service.db["outbox"].count_documents({}) == 1


def test_list_by_year_and_status(client, publish):
    first, second = publish(), publish(title="두 번째 조사")
    other = publish(year=2026)
    client.post(f"/api/v1/surveys/{second['id']}/close", headers=STAFF)

    listed = client.get("/api/v1/surveys?year=2025", headers=STAFF).get_json()["surveys"]
    assert sorted(s["id"] for s in listed) == sorted([first["id"], second["id"]])
    assert all("response_count" in s for s in listed)
    assert [
        s["id"] for s in client.get("/api/v1/surveys?year=2025&status=open", headers=STAFF).get_json()["surveys"]
    ] == [first["id"]]
    assert len(client.get("/api/v1/surveys", headers=STAFF).get_json()["surveys"]) == 3
    assert client.get("/api/v1/surveys?year=2026", headers=STAFF).get_json()["surveys"][0]["id"] == other["id"]
    assert_problem(client.get("/api/v1/surveys?year=abc", headers=STAFF), 422, "year")
    assert_problem(client.get("/api/v1/surveys?status=draft", headers=STAFF), 422, "status")


def question(**changes) -> list[dict]:
    questions = copy.deepcopy(QUESTIONS)
    questions[0] = {**questions[0], **changes}
    return questions


BAD_SURVEYS = [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": "   "}, "title"),
    ({"year": "2025"}, "year"),
    ({"year": 1999}, "year"),
    ({"questions": []}, "questions"),
    ({"questions": "q1"}, "questions"),
    ({"questions": [QUESTIONS[0], QUESTIONS[0]]}, "questions.1.id"),
    ({"questions": question(id="a.b")}, "questions.0.id"),
    ({"questions": question(text="")}, "questions.0.text"),
    ({"questions": question(text=" ")}, "questions.0.text"),
    ({"questions": question(kind="likert7")}, "questions.0.kind"),
    ({"questions": question(options=["a", "b"])}, "questions.0.options"),
    ({"questions": question(multiple=True)}, "questions.0.multiple"),
    ({"questions": question(multiple="yes")}, "questions.0.multiple"),
    ({"questions": question(kind="choice", options=["하나"])}, "questions.0.options"),
    ({"questions": question(kind="choice", options=["같음", "같음"])}, "questions.0.options"),
    ({"questions": question(kind="choice")}, "questions.0.options"),
    ({"questions": question(category="")}, "questions.0.category"),
    ({"questions": question(colour="red")}, "questions.0.colour"),
    ({"extra": 1}, "extra"),
]


@pytest.mark.parametrize("change, field", BAD_SURVEYS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_SURVEYS)])
def test_bad_survey_is_refused_and_nothing_stored(client, survey_service, change, field):
    body = {"title": "조사", "year": 2025, "questions": QUESTIONS, **change}
    assert_problem(client.post("/api/v1/surveys", json=body, headers=STAFF), 422, field)
    assert survey_service.db["events"].count_documents({}) == 0
    assert survey_service.db["outbox"].count_documents({}) == 0
    assert survey_service.db["survey_views"].count_documents({}) == 0


@pytest.mark.parametrize("missing", ["title", "year", "questions"])
def test_required_survey_fields(client, missing):
    body = {"title": "조사", "year": 2025, "questions": QUESTIONS}
    del body[missing]
    assert_problem(client.post("/api/v1/surveys", json=body, headers=STAFF), 422, missing)


def test_malformed_bodies(client, survey_service):
    assert_problem(
        client.post("/api/v1/surveys", data="{not json", content_type="application/json", headers=STAFF), 400
    )
    assert_problem(client.post("/api/v1/surveys", data="title=x", content_type="text/plain", headers=STAFF), 415)
    assert_problem(client.post("/api/v1/surveys", json=[1, 2], headers=STAFF), 422)
    assert survey_service.db["events"].count_documents({}) == 0


def test_auth(client, publish):
    survey = publish()
    assert_problem(client.get(f"/api/v1/surveys/{survey['id']}"), 401)
    assert_problem(client.get(f"/api/v1/surveys/{survey['id']}", headers=VIEWER), 403)
    assert_problem(client.post("/api/v1/surveys", json={}, headers={"Authorization": "Bearer nope"}), 401)


def test_unknown_survey_is_404(client):
    assert_problem(client.get("/api/v1/surveys/nope", headers=STAFF), 404)
    assert_problem(respond(client, "nope", "m1"), 404)
    assert_problem(client.post("/api/v1/surveys/nope/close", headers=STAFF), 404)
    assert_problem(client.post("/api/v1/surveys/nope/copy", json={"year": 2026}, headers=STAFF), 404)


# --- responses ------------------------------------------------------------------------------------
def test_response_is_stored_counted_and_never_shown(client, publish, join, survey_service):
    survey, member = publish(), join()
    response = respond(client, survey["id"], member)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "subject", "survey_id", "respondent", "version"}
    assert body["survey_id"] == survey["id"] and body["respondent"] == member and body["version"] == 1
    assert body["subject"] == f"response:{survey['id']}:{member}"

    [submitted] = events(survey_service, type="SurveySubmitted")
    assert submitted["subject"] == body["subject"] and submitted["aggregateversion"] == 1
    assert submitted["data"] == {
        "survey_id": survey["id"],
        "year": 2025,
        "response_id": body["id"],
        "respondent": member,
        "answers": ANSWERS,
    }

    got = client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF)
    assert got.get_json()["response_count"] == 1 and got.get_json()["version"] == 1
    listed = client.get("/api/v1/surveys", headers=STAFF)
    for text in (got.get_data(as_text=True), listed.get_data(as_text=True)):
        assert ANSWERS["q5"] not in text and "answers" not in text
    assert listed.get_json()["surveys"][0]["response_count"] == 1


def test_questions_may_be_skipped(client, publish, join, survey_service):
    survey = publish()
    assert respond(client, survey["id"], join(), {"q2": 3, "q5": None}).status_code == 201
    [submitted] = events(survey_service, type="SurveySubmitted")
    assert submitted["data"]["answers"] == {"q2": 3}


def test_second_response_of_a_member_is_409(client, publish, join, survey_service):
    survey, member = publish(), join()
    assert respond(client, survey["id"], member).status_code == 201
    assert_problem(respond(client, survey["id"], member, {"q1": 1}), 409)
    assert len(events(survey_service, type="SurveySubmitted")) == 1
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF).get_json()["response_count"] == 1
    other = publish()  # one response per member *per survey*
    assert respond(client, other["id"], member).status_code == 201


BAD_ANSWERS = [
    ({"q1": 0}, "answers.q1"),
    ({"q1": 6}, "answers.q1"),
    ({"q1": "5"}, "answers.q1"),
    ({"q1": 4.5}, "answers.q1"),
    ({"q1": True}, "answers.q1"),
    ({"q3": "없음"}, "answers.q3"),
    ({"q3": ["없음", "수영"]}, "answers.q3"),
    ({"q4": "체육관"}, "answers.q4"),
    ({"q4": ["키움터", "자람터"]}, "answers.q4"),
    ({"q5": "가" * 2001}, "answers.q5"),
    ({"q5": 3}, "answers.q5"),
    ({"q99": 5}, "answers.q99"),
    ({}, "answers"),
    ([5], "answers"),
]


@pytest.mark.parametrize("answers, field", BAD_ANSWERS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_ANSWERS)])
def test_bad_answers_are_422_naming_the_question(client, publish, join, survey_service, answers, field):
    survey, member = publish(), join()
    assert_problem(respond(client, survey["id"], member, answers), 422, field)
    assert events(survey_service, type="SurveySubmitted") == []
    assert survey_service.db["outbox"].count_documents({}) == 1  # only SurveyPublished
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=STAFF).get_json()["response_count"] == 0
    assert respond(client, survey["id"], member).status_code == 201  # the refusal used nothing up


@pytest.mark.parametrize(
    "body, field",
    [
        ({"answers": {"q1": 5}}, "respondent"),
        ({"respondent": "m1"}, "answers"),
        ({"respondent": "", "answers": {"q1": 5}}, "respondent"),
        ({"respondent": "a:b", "answers": {"q1": 5}}, "respondent"),
        ({"respondent": 7, "answers": {"q1": 5}}, "respondent"),
        ({"respondent": "m1", "answers": {"q1": 5}, "score": 1}, "score"),
    ],
)
def test_bad_response_bodies(client, publish, survey_service, body, field):
    survey = publish()
    assert_problem(client.post(f"/api/v1/surveys/{survey['id']}/responses", json=body, headers=STAFF), 422, field)
    assert events(survey_service, type="SurveySubmitted") == []


def test_unknown_respondent_is_409_with_retry_after(client, publish, survey_service):
    survey = publish()
    response = respond(client, survey["id"], "m-not-yet-heard-of")
    assert_problem(response, 409)
    assert int(response.headers["Retry-After"]) >= 1
    assert events(survey_service, type="SurveySubmitted") == []


def test_respondent_must_be_a_member_of_the_surveys_year(client, publish, join, feed):
    survey = publish()
    assert_problem(respond(client, survey["id"], join(2024)), 422, "respondent")
    member = join(2024)  # joining a group of the survey's year too makes the member eligible
    feed(member_joined(member, 2025))
    assert respond(client, survey["id"], member).status_code == 201


def test_a_member_who_left_still_answers_for_that_year(client, publish, join, registration):
    survey, member = publish(), join()
    registration.leave(join.group[member], member)
    assert respond(client, survey["id"], member).status_code == 201


def test_closed_survey_takes_no_responses(client, publish, join, survey_service):
    survey, member = publish(), join()
    closed = client.post(f"/api/v1/surveys/{survey['id']}/close", headers=STAFF)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed" and closed.get_json()["version"] == 2
    again = client.post(f"/api/v1/surveys/{survey['id']}/close", headers=STAFF)
    assert again.status_code == 200 and again.get_json()["version"] == 2
    assert_problem(respond(client, survey["id"], member), 409)
    assert [e["type"] for e in events(survey_service)] == ["SurveyPublished", "SurveyClosed"]
    assert events(survey_service, type="SurveyClosed")[0]["data"] == {"survey_id": survey["id"], "year": 2025}


def test_a_response_racing_a_close_is_refused(settings, publish, join, survey_service):
    """The response was decided on an open survey, but the close committed first: the counter refuses it."""
    survey_id, member = publish()["id"], join()
    uow = survey_service.bus.uow_factory()
    survey = uow.get(Survey, survey_id)
    response = uow.load_optional(Response, response_subject(survey_id, member))
    response.submit(survey, "r1", member, {"q1": 5}, {2025})

    closing = survey_service.bus.uow_factory()
    closing.get(Survey, survey_id).close()
    closing.after_append.append(survey_service.views.close_counter(survey_id))
    closing.commit()

    uow.after_append.append(survey_service.views.count_response(survey_id))
    with pytest.raises(Conflict):
        uow.commit()
    assert events(survey_service, type="SurveySubmitted") == []


def test_close_with_stale_if_match_is_412(client, publish):
    survey = publish()
    stale = client.post(f"/api/v1/surveys/{survey['id']}/close", headers={**STAFF, "If-Match": '"7"'})
    assert_problem(stale, 412)
    fresh = client.post(f"/api/v1/surveys/{survey['id']}/close", headers={**STAFF, "If-Match": '"1"'})
    assert fresh.status_code == 200


def test_if_match_on_a_response_or_copy_names_the_surveys_version(client, publish, join, survey_service):
    survey, member = publish(), join()
    assert_problem(respond(client, survey["id"], member, headers={**STAFF, "If-Match": "2"}), 412)
    assert_problem(
        client.post(f"/api/v1/surveys/{survey['id']}/copy", json={"year": 2026}, headers={**STAFF, "If-Match": "2"}),
        412,
    )
    assert survey_service.db["events"].count_documents({}) == 1
    assert respond(client, survey["id"], member, headers={**STAFF, "If-Match": '"1"'}).status_code == 201


def test_outbox_counts_unpublished_events(client, publish):
    publish()
    assert client.get("/api/v1/outbox", headers=STAFF).get_json() == {"pending": 1}


def test_idempotent_submission(client, publish, join, survey_service):
    survey, member = publish(), join()
    headers = {**STAFF, "Idempotency-Key": "response-1"}
    first = respond(client, survey["id"], member, headers=headers)
    second = respond(client, survey["id"], member, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert len(events(survey_service, type="SurveySubmitted")) == 1


# --- copying --------------------------------------------------------------------------------------
def test_copy_from_last_year(client, publish, join, survey_service):
    last_year = publish(year=2025)
    respond(client, last_year["id"], join())
    client.post(f"/api/v1/surveys/{last_year['id']}/close", headers=STAFF)

    copied = client.post(f"/api/v1/surveys/{last_year['id']}/copy", json={"year": 2026}, headers=STAFF)
    assert copied.status_code == 201, copied.get_json()
    body = copied.get_json()
    assert body["id"] != last_year["id"] and body["year"] == 2026 and body["status"] == "open"
    assert body["questions"] == last_year["questions"] and body["title"] == last_year["title"]
    assert body["copied_from"] == last_year["id"] and body["response_count"] == 0 and body["version"] == 1
    [event] = events(survey_service, subject=body["id"])
    assert event["type"] == "SurveyPublished" and event["data"]["copied_from"] == last_year["id"]

    titled = client.post(
        f"/api/v1/surveys/{last_year['id']}/copy", json={"year": 2026, "title": "2026 조사"}, headers=STAFF
    )
    assert titled.get_json()["title"] == "2026 조사"
    assert respond(client, body["id"], join(2026)).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "year"),
        ({"year": "2026"}, "year"),
        ({"year": 3000}, "year"),
        ({"year": 2026, "title": ""}, "title"),
        ({"year": 2026, "x": 1}, "x"),
    ],
)
def test_bad_copy_is_refused(client, publish, survey_service, body, field):
    survey = publish()
    assert_problem(client.post(f"/api/v1/surveys/{survey['id']}/copy", json=body, headers=STAFF), 422, field)
    assert survey_service.db["events"].count_documents({}) == 1


def test_openapi_documents_every_field(client):
    spec = client.get("/openapi.json").get_json()
    assert "/api/v1/surveys/{survey_id}/responses" in spec["paths"]
    question_in = spec["components"]["schemas"]["QuestionIn"]["properties"]
    assert all(prop.get("description") for prop in question_in.values())
    assert all(p.get("description") for p in spec["components"]["schemas"]["ResponseIn"]["properties"].values())
