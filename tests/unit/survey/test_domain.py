"""Survey's domain rules, without servers."""

from __future__ import annotations

import pytest

from jajo.errors import Conflict, NotYetKnown, RuleViolation
from services.survey.domain import (
    CLOSED,
    OPEN,
    Response,
    Survey,
    check_respondent,
    normalize_answers,
    response_subject,
)

QUESTIONS = [
    {"id": "q1", "text": "활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "운영 방식에 만족하십니까?", "kind": "likert5", "category": "운영 전반"},
    {
        "id": "q3",
        "text": "어려웠던 점",
        "kind": "choice",
        "options": ["서류 제출의 어려움", "온라인 모임 끊김", "없음"],
        "multiple": True,
    },
    {"id": "q4", "text": "가장 좋았던 활동", "kind": "choice", "options": ["숲 놀이", "요리"]},
    {"id": "q5", "text": "건의 사항", "kind": "text"},
]


def published(year: int = 2025, questions=None) -> Survey:
    survey = Survey.publish("s1", "2025 자조모임 만족도 조사", year, QUESTIONS if questions is None else questions)
    survey.take_pending()
    return survey


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


# --- publishing -----------------------------------------------------------------------------------
def test_publish_records_the_catalogue_shape_and_opens():
    survey = Survey.publish("s1", "만족도 조사", 2025, QUESTIONS)
    [event] = survey.pending
    assert event.type == "SurveyPublished" and survey.status == OPEN and survey.version == 1
    assert set(event.data) == {"survey_id", "title", "year", "questions", "copied_from"}
    assert event.data["copied_from"] is None
    assert event.data["questions"][0] == {
        "id": "q1",
        "text": "활동 지원에 만족하십니까?",
        "kind": "likert5",
        "category": "activity_support",
        "options": None,
        "multiple": False,
    }
    assert event.data["questions"][2]["multiple"] is True
    assert event.data["questions"][3]["multiple"] is False
    assert survey.view()["status"] == "open" and survey.view()["questions"] == event.data["questions"]


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, None, 5])
def test_title_is_required_text(title):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", title, 2025, QUESTIONS)
    assert "title" in errors_of(excinfo)


@pytest.mark.parametrize("year", [2019, 2101, "2025", True, None])
def test_year_is_a_plausible_integer(year):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", year, QUESTIONS)
    assert "year" in errors_of(excinfo)


@pytest.mark.parametrize("questions", [[], None, "q1", [{"id": "q", "text": "t", "kind": "text"}] * 101])
def test_a_survey_has_1_to_100_questions(questions):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, questions)
    assert "questions" in errors_of(excinfo)


def test_question_ids_are_unique():
    questions = [{"id": "q1", "text": "a", "kind": "text"}, {"id": "q1", "text": "b", "kind": "likert5"}]
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, questions)
    assert list(errors_of(excinfo)) == ["questions.1.id"]


@pytest.mark.parametrize("qid", ["", "a.b", "$q", "문항1", "x" * 51, 7, None])
def test_question_ids_are_safe_keys(qid):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": qid, "text": "a", "kind": "text"}])
    assert "questions.0.id" in errors_of(excinfo)


@pytest.mark.parametrize("text", ["", "  ", "x" * 501, None])
def test_question_text_is_required(text):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": text, "kind": "text"}])
    assert "questions.0.text" in errors_of(excinfo)


@pytest.mark.parametrize("kind", ["likert7", "", None, "Choice"])
def test_question_kind_is_known(kind):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": "a", "kind": kind}])
    assert "questions.0.kind" in errors_of(excinfo)


@pytest.mark.parametrize("options", [None, [], ["하나"], ["같음", "같음"], ["a", ""], ["a", 3], "a,b"])
def test_choice_needs_two_distinct_options(options):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": "a", "kind": "choice", "options": options}])
    assert "questions.0.options" in errors_of(excinfo)


@pytest.mark.parametrize("kind", ["likert5", "text"])
def test_options_and_multiple_only_on_choice(kind):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": "a", "kind": kind, "options": ["a", "b"]}])
    assert "questions.0.options" in errors_of(excinfo)
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": "a", "kind": kind, "multiple": True}])
    assert "questions.0.multiple" in errors_of(excinfo)


@pytest.mark.parametrize("category", ["", "x" * 51, 3])
def test_category_is_a_short_label(category):
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "조사", 2025, [{"id": "q1", "text": "a", "kind": "likert5", "category": category}])
    assert "questions.0.category" in errors_of(excinfo)


def test_every_bad_field_is_named_at_once():
    with pytest.raises(RuleViolation) as excinfo:
        Survey.publish("s1", "", 2025, [{"id": "q1", "text": "", "kind": "choice", "options": ["a"]}])
    assert set(errors_of(excinfo)) == {"title", "questions.0.text", "questions.0.options"}


# --- closing and copying --------------------------------------------------------------------------
def test_close_once():
    survey = published()
    survey.close()
    survey.close()
    [event] = survey.pending
    assert event.type == "SurveyClosed" and event.data == {"survey_id": "s1", "year": 2025}
    assert survey.status == CLOSED and survey.view()["status"] == "closed" and survey.version == 2


def test_copy_asks_the_same_questions_for_another_year():
    source = published()
    source.close()
    copy = source.copy("s2", 2026)
    [event] = copy.pending
    assert event.type == "SurveyPublished" and copy.id == "s2" and copy.status == OPEN
    assert event.data["year"] == 2026 and event.data["copied_from"] == "s1"
    assert event.data["questions"] == source.questions and event.data["title"] == source.title
    assert source.copy("s3", 2026, "2026 만족도 조사").title == "2026 만족도 조사"


def test_copy_checks_the_year():
    with pytest.raises(RuleViolation) as excinfo:
        published().copy("s2", 1999)
    assert "year" in errors_of(excinfo)


# --- answers --------------------------------------------------------------------------------------
def test_valid_answers_are_kept_and_skipped_ones_left_out():
    answers = {
        "q1": 5,
        "q3": ["서류 제출의 어려움", "온라인 모임 끊김"],
        "q4": "요리",
        "q5": "서류가 " * 100,
        "q2": None,
    }
    kept = normalize_answers(published().questions, answers)
    assert kept == {k: v for k, v in answers.items() if k != "q2"}


@pytest.mark.parametrize(
    "qid, value",
    [
        ("q1", 0),
        ("q1", 6),
        ("q1", "5"),
        ("q1", 4.0),
        ("q1", True),
        ("q1", [5]),
        ("q4", "수영"),
        ("q4", ["요리"]),
        ("q4", 1),
        ("q3", "없음"),
        ("q3", ["없음", "수영"]),
        ("q3", ["없음", "없음"]),
        ("q3", [1]),
        ("q5", "가" * 2001),
        ("q5", 5),
        ("q5", ["a"]),
        ("q9", 5),
    ],
)
def test_answers_must_fit_their_question(qid, value):
    with pytest.raises(RuleViolation) as excinfo:
        normalize_answers(published().questions, {"q1": 4, qid: value})
    assert list(errors_of(excinfo)) == [f"answers.{qid}"]


def test_text_answer_of_exactly_2000_characters_is_fine():
    assert normalize_answers(published().questions, {"q5": "가" * 2000}) == {"q5": "가" * 2000}


@pytest.mark.parametrize("answers", [{}, {"q1": None}, [], "q1"])
def test_at_least_one_answer(answers):
    with pytest.raises(RuleViolation) as excinfo:
        normalize_answers(published().questions, answers)
    assert list(errors_of(excinfo)) == ["answers"]


def test_every_bad_answer_is_named_at_once():
    with pytest.raises(RuleViolation) as excinfo:
        normalize_answers(published().questions, {"q1": 9, "q4": "x", "zz": 1})
    assert set(errors_of(excinfo)) == {"answers.q1", "answers.q4", "answers.zz"}


# --- respondents and responses --------------------------------------------------------------------
def test_unknown_member_is_not_known_yet():
    with pytest.raises(NotYetKnown) as excinfo:
        check_respondent("m1", 2025, None)
    assert excinfo.value.status == 409 and excinfo.value.retry_after


def test_member_of_another_year_is_refused():
    with pytest.raises(RuleViolation) as excinfo:
        check_respondent("m1", 2025, {2024})
    assert list(errors_of(excinfo)) == ["respondent"]
    check_respondent("m1", 2025, {2024, 2025})


@pytest.mark.parametrize("member_id", ["", "a:b", "x" * 65, None, "회원"])
def test_respondent_is_a_member_id(member_id):
    with pytest.raises(RuleViolation) as excinfo:
        response_subject("s1", member_id)
    assert list(errors_of(excinfo)) == ["respondent"]


def submit(response: Response, survey: Survey, answers=None, years=frozenset({2025})):
    response.submit(survey, "r1", "m1", {"q1": 5} if answers is None else answers, set(years) if years else None)


def test_submit_records_the_catalogue_shape():
    survey = published()
    response = Response(id=response_subject("s1", "m1"))
    submit(response, survey, {"q1": 4, "q5": "좋았어요", "q2": None})
    [event] = response.pending
    assert response.id == "response:s1:m1" and response.version == 1
    assert event.type == "SurveySubmitted"
    assert event.data == {
        "survey_id": "s1",
        "year": 2025,
        "response_id": "r1",
        "respondent": "m1",
        "answers": {"q1": 4, "q5": "좋았어요"},
    }


def test_one_response_per_member():
    survey = published()
    response = Response(id=response_subject("s1", "m1"))
    submit(response, survey)
    with pytest.raises(Conflict):
        submit(response, survey)


def test_closed_survey_takes_no_response():
    survey = published()
    survey.close()
    with pytest.raises(Conflict):
        submit(Response(id=response_subject("s1", "m1")), survey)


def test_submit_checks_answers_and_membership():
    survey = published()
    with pytest.raises(RuleViolation):
        submit(Response(id="r"), survey, {"q1": 7})
    with pytest.raises(NotYetKnown):
        submit(Response(id="r"), survey, years=None)
    with pytest.raises(RuleViolation):
        submit(Response(id="r"), survey, years={2024})
