"""Survey's handlers on the in-memory event store and unit of work, with an in-memory stand-in for survey's read
side (the members it heard of from registration, the response counters): the rules, without servers."""

from __future__ import annotations

from typing import Any

import pytest

from jajo.errors import Conflict, NotFound, NotYetKnown, PreconditionFailed, RuleViolation
from jajo.memory import InMemoryEventStore, memory_bus
from services.survey.commands import CloseSurvey, CopySurvey, PublishSurvey, SubmitResponse
from services.survey.domain import response_subject
from services.survey.events import CATALOGUE
from services.survey.handlers import build_handlers

QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "text": "활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "어려웠던 점", "kind": "choice", "options": ["서류", "온라인 끊김", "없음"], "multiple": True},
    {"id": "q3", "text": "건의 사항", "kind": "text"},
]


class MemoryViews:
    """The parts of `SurveyViews` that the handlers ask, over dicts: the same rules as the MongoDB writers."""

    def __init__(self) -> None:
        self.members: dict[str, set[int]] = {}
        self.counts: dict[str, dict] = {}

    def member_years(self, member_id: str) -> set[int] | None:
        return self.members.get(member_id)

    def open_counter(self, survey_id: str):
        def write(session) -> None:
            assert survey_id not in self.counts, "a survey's counter is opened once"
            self.counts[survey_id] = {"status": "open", "responses": 0}

        return write

    def close_counter(self, survey_id: str):
        def write(session) -> None:
            self.counts[survey_id]["status"] = "closed"

        return write

    def count_response(self, survey_id: str):
        def write(session) -> None:
            if self.counts.get(survey_id, {}).get("status") != "open":
                raise Conflict(f"survey {survey_id} is closed and takes no more responses")
            self.counts[survey_id]["responses"] += 1

        return write


@pytest.fixture
def views():
    views = MemoryViews()
    views.members.update({"m1": {2025}, "m2": {2024, 2025}, "m2024": {2024}})
    return views


@pytest.fixture
def store():
    return InMemoryEventStore("survey.events")


@pytest.fixture
def bus(views, store):
    return memory_bus(build_handlers(views), store, "survey")


def types(store: InMemoryEventStore) -> list[str]:
    return [envelope["type"] for stream in store.streams.values() for envelope in stream]


def publish(bus, year: int = 2025, questions=None, title: str = "2025 만족도 조사"):
    return bus.handle(PublishSurvey(title, year, QUESTIONS if questions is None else questions))


def answer(survey_id: str, respondent: str = "m1", **answers: Any) -> SubmitResponse:
    return SubmitResponse(survey_id, respondent, answers or {"q1": 5})


# --- publish ---------------------------------------------------------------------------------------------------
def test_a_published_survey_is_one_declared_event_its_view_and_an_open_counter(bus, store, views):
    survey = publish(bus)
    [published] = store.load(survey.id)
    assert (published["type"], published["aggregatetype"], published["source"]) == (
        "SurveyPublished",
        "survey",
        "/survey",
    )
    assert tuple(published["data"]) == CATALOGUE["SurveyPublished"].fields
    assert [q["id"] for q in published["data"]["questions"]] == ["q1", "q2", "q3"]
    assert (
        published["data"]["questions"][0]["options"] is None and published["data"]["questions"][2]["multiple"] is False
    )
    assert store.views["survey_views"][survey.id]["status"] == "open"
    assert views.counts == {survey.id: {"status": "open", "responses": 0}}


def test_an_invalid_survey_names_every_bad_field_and_nothing_is_stored(bus, store, views):
    questions = [
        {"id": "q1", "text": "좋았나요?", "kind": "likert5"},
        {"id": "q1", "text": " ", "kind": "choice", "options": ["하나"]},
        {"id": "q3", "text": "의견", "kind": "text", "options": ["가", "나"]},
    ]
    with pytest.raises(RuleViolation) as refused:
        publish(bus, year=1999, questions=questions, title="")
    assert set(refused.value.errors) == {
        "title",
        "year",
        "questions.1.id",
        "questions.1.text",
        "questions.1.options",
        "questions.2.options",
    }
    with pytest.raises(RuleViolation) as empty:
        publish(bus, questions=[])
    assert list(empty.value.errors) == ["questions"]
    assert (store.streams, store.outbox, views.counts) == ({}, [], {})


# --- copy ------------------------------------------------------------------------------------------------------
def test_a_copy_asks_the_same_questions_in_another_year_and_opens_its_own_counter(bus, store, views):
    original = publish(bus)
    copied = bus.handle(CopySurvey(original.id, 2026))
    [event] = store.load(copied.id)
    assert event["type"] == "SurveyPublished" and event["data"]["copied_from"] == original.id
    assert (event["data"]["year"], event["data"]["title"]) == (2026, "2025 만족도 조사")
    assert event["data"]["questions"] == store.load(original.id)[0]["data"]["questions"]
    assert bus.handle(CopySurvey(original.id, 2027, "2027 조사")).title == "2027 조사"
    assert views.counts[copied.id] == {"status": "open", "responses": 0} and len(views.counts) == 3
    assert types(store) == ["SurveyPublished"] * 3  # the original records nothing


def test_a_copy_of_an_unknown_survey_or_into_a_year_out_of_the_program_stores_nothing(bus, store, views):
    original = publish(bus)
    with pytest.raises(NotFound):
        bus.handle(CopySurvey("nothing", 2026))
    with pytest.raises(RuleViolation) as refused:
        bus.handle(CopySurvey(original.id, 1999))
    assert list(refused.value.errors) == ["year"]
    assert types(store) == ["SurveyPublished"] and list(views.counts) == [original.id]


# --- close -----------------------------------------------------------------------------------------------------
def test_closing_records_once_and_closes_the_counter(bus, store, views):
    survey = publish(bus)
    assert bus.handle(CloseSurvey(survey.id)).version == 2
    assert bus.handle(CloseSurvey(survey.id)).version == 2  # closing a closed survey emits nothing
    assert types(store) == ["SurveyPublished", "SurveyClosed"]
    assert store.load(survey.id)[1]["data"] == {"survey_id": survey.id, "year": 2025}
    assert (
        store.views["survey_views"][survey.id]["status"] == "closed" and views.counts[survey.id]["status"] == "closed"
    )


def test_closing_an_unknown_survey_or_under_a_stale_if_match_fails(bus, store):
    survey = publish(bus)
    with pytest.raises(NotFound):
        bus.handle(CloseSurvey("nothing"))
    with pytest.raises(PreconditionFailed):
        bus.handle(CloseSurvey(survey.id), expected_version=7)
    assert types(store) == ["SurveyPublished"]
    bus.handle(CloseSurvey(survey.id), expected_version=1)
    assert types(store) == ["SurveyPublished", "SurveyClosed"]


# --- respond ---------------------------------------------------------------------------------------------------
def test_a_response_keeps_the_answered_questions_and_is_counted(bus, store, views):
    survey = publish(bus)
    response = bus.handle(answer(survey.id, q1=4, q2=["서류", "없음"], q3=None))
    [submitted] = store.load(response_subject(survey.id, "m1"))
    assert submitted["type"] == "SurveySubmitted" and submitted["aggregatetype"] == "response"
    assert tuple(submitted["data"]) == CATALOGUE["SurveySubmitted"].fields
    assert submitted["data"]["answers"] == {"q1": 4, "q2": ["서류", "없음"]}  # the skipped q3 is left out
    assert (submitted["data"]["year"], submitted["data"]["respondent"]) == (2025, "m1")
    assert response.response_id == submitted["data"]["response_id"]
    assert views.counts[survey.id]["responses"] == 1


def test_one_response_per_member_and_survey(bus, store, views):
    survey = publish(bus)
    bus.handle(answer(survey.id))
    with pytest.raises(Conflict):
        bus.handle(answer(survey.id, q1=1))
    bus.handle(answer(survey.id, respondent="m2"))
    assert types(store) == ["SurveyPublished", "SurveySubmitted", "SurveySubmitted"]
    assert views.counts[survey.id]["responses"] == 2


def test_a_closed_survey_takes_no_response(bus, store, views):
    survey = publish(bus)
    bus.handle(CloseSurvey(survey.id))
    with pytest.raises(Conflict):
        bus.handle(answer(survey.id))
    assert types(store) == ["SurveyPublished", "SurveyClosed"] and views.counts[survey.id]["responses"] == 0


def test_a_response_racing_a_close_is_refused_by_the_counter(bus, store, views):
    """The survey's events say open, but its counter was closed in between: the response's commit fails whole."""
    survey = publish(bus)
    views.counts[survey.id]["status"] = "closed"
    with pytest.raises(Conflict):
        bus.handle(answer(survey.id))
    assert types(store) == ["SurveyPublished"] and len(store.outbox) == 1


def test_only_a_member_of_a_group_of_the_surveys_year_answers(bus, store, views):
    survey = publish(bus)
    with pytest.raises(NotYetKnown):
        bus.handle(answer(survey.id, respondent="stranger"))
    with pytest.raises(RuleViolation) as other_year:
        bus.handle(answer(survey.id, respondent="m2024"))
    assert list(other_year.value.errors) == ["respondent"]
    with pytest.raises(RuleViolation) as not_an_id:
        bus.handle(answer(survey.id, respondent="김하늘"))
    assert list(not_an_id.value.errors) == ["respondent"]
    assert types(store) == ["SurveyPublished"] and views.counts[survey.id]["responses"] == 0


def test_answers_that_do_not_fit_the_questions_name_each_one_and_nothing_is_stored(bus, store, views):
    survey = publish(bus)
    with pytest.raises(RuleViolation) as refused:
        bus.handle(answer(survey.id, q1=6, q2="서류", q9="?"))
    assert set(refused.value.errors) == {"answers.q1", "answers.q2", "answers.q9"}
    with pytest.raises(RuleViolation) as skipped:
        bus.handle(SubmitResponse(survey.id, "m1", {"q1": None}))
    assert list(skipped.value.errors) == ["answers"]
    assert types(store) == ["SurveyPublished"] and views.counts[survey.id]["responses"] == 0


def test_a_response_to_an_unknown_survey_is_not_found_and_if_match_names_the_surveys_version(bus, store):
    survey = publish(bus)
    with pytest.raises(NotFound):
        bus.handle(answer("nothing"))
    with pytest.raises(PreconditionFailed):
        bus.handle(answer(survey.id), expected_version=2)
    bus.handle(answer(survey.id), expected_version=1)
    assert types(store) == ["SurveyPublished", "SurveySubmitted"]
