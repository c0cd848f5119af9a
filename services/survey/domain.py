"""Survey's domain: a satisfaction survey (its questions and lifecycle) and one respondent's response.

Pure Python, no I/O. Every rule raises a jajo error; validation errors name the offending field the
way the HTTP layer names schema errors (`questions.1.options`, `answers.q3`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jajo.center import CENTER
from jajo.domain import Aggregate
from jajo.errors import Conflict, NotYetKnown, RuleViolation
from services.survey import events

OPEN, CLOSED = "open", "closed"
LIKERT, CHOICE, TEXT = "likert5", "choice", "text"
KINDS = (LIKERT, CHOICE, TEXT)
CATEGORIES = ("activity_support", "operation", "special_activity", "venue")  # or any free label
LIKERT_MIN, LIKERT_MAX = 1, 5  # 5 = 매우 만족
TEXT_MAX = 2000
QUESTION_TEXT_MAX = 500
TITLE_MAX = 200
OPTION_MAX = 200
CATEGORY_MAX = 50
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
YEAR_MIN, YEAR_MAX = CENTER.first_year, CENTER.last_year
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,50}$")  # question ids become keys of `answers`
MEMBER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Problems:
    """Collects field errors so one 422 names every bad field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self, detail: str) -> None:
        if self.errors:
            raise RuleViolation(
                f"{detail}: {'; '.join(f'{k}: {v[0]}' for k, v in self.errors.items())}", errors=self.errors
            )


def _is_text(value: Any, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= max_length


# --- survey definitions -------------------------------------------------------------------------
def check_title(title: Any, problems: Problems) -> None:
    if not _is_text(title, TITLE_MAX):
        problems.add("title", f"must be 1–{TITLE_MAX} characters, not blank")


def check_year(year: Any, problems: Problems, name: str = "year") -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        problems.add(name, f"must be a year from {YEAR_MIN} to {YEAR_MAX}")


def normalize_questions(questions: Any, problems: Problems) -> list[dict]:
    """Check a survey's questions; return them in the catalogue's shape (every field present)."""
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        problems.add("questions", f"must be a list of 1–{MAX_QUESTIONS} questions")
        return []
    seen: set[str] = set()
    normalized = []
    for index, question in enumerate(questions):
        name = f"questions.{index}"
        if not isinstance(question, dict):
            problems.add(name, "must be an object")
            continue
        normalized.append(_normalize_question(question, name, seen, problems))
    return normalized


def _normalize_question(question: dict, name: str, seen: set[str], problems: Problems) -> dict:
    qid, kind = question.get("id"), question.get("kind")
    options, multiple = question.get("options"), question.get("multiple")
    category = question.get("category")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        problems.add(f"{name}.id", "must be 1–50 letters, digits, '_' or '-'")
    elif qid in seen:
        problems.add(f"{name}.id", f"question id {qid!r} is used twice")
    else:
        seen.add(qid)
    if not _is_text(question.get("text"), QUESTION_TEXT_MAX):
        problems.add(f"{name}.text", f"must be 1–{QUESTION_TEXT_MAX} characters, not blank")
    if kind not in KINDS:
        problems.add(f"{name}.kind", f"must be one of {', '.join(KINDS)}")
    if category is not None and not _is_text(category, CATEGORY_MAX):
        problems.add(f"{name}.category", f"must be 1–{CATEGORY_MAX} characters, e.g. {', '.join(CATEGORIES)}")
    if multiple is not None and not isinstance(multiple, bool):
        problems.add(f"{name}.multiple", "must be true or false")
    if kind == CHOICE:
        _check_options(options, f"{name}.options", problems)
    else:
        if options is not None:
            problems.add(f"{name}.options", "only choice questions have options")
        if multiple:
            problems.add(f"{name}.multiple", "only choice questions allow several answers")
    return {
        "id": qid,
        "text": question.get("text"),
        "kind": kind,
        "category": category,
        "options": list(options) if kind == CHOICE and isinstance(options, list) else None,
        "multiple": bool(multiple) if kind == CHOICE else False,
    }


def _check_options(options: Any, name: str, problems: Problems) -> None:
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        problems.add(name, f"a choice question needs 2–{MAX_OPTIONS} options")
        return
    if not all(_is_text(option, OPTION_MAX) for option in options):
        problems.add(name, f"every option must be 1–{OPTION_MAX} characters, not blank")
    elif len(set(options)) != len(options):
        problems.add(name, "options must be distinct")


# --- answers --------------------------------------------------------------------------------------
def normalize_answers(questions: list[dict], answers: Any) -> dict:
    """Check answers against the survey's own questions; skipped questions (absent or null) are left out."""
    problems = Problems()
    if not isinstance(answers, dict):
        problems.add("answers", "must be an object of question id → answer")
        problems.raise_if_any("the answers do not fit the survey")
    by_id = {question["id"]: question for question in questions}
    kept = {}
    for qid, value in answers.items():
        question = by_id.get(qid)
        if question is None:
            problems.add(f"answers.{qid}", "this survey has no such question")
        elif value is not None:
            message = _answer_problem(question, value)
            if message:
                problems.add(f"answers.{qid}", message)
            else:
                kept[qid] = value
    if not problems.errors and not kept:
        problems.add("answers", "answer at least one question")
    problems.raise_if_any("the answers do not fit the survey")
    return kept


def _answer_problem(question: dict, value: Any) -> str | None:
    kind = question["kind"]
    if kind == LIKERT:
        if isinstance(value, bool) or not isinstance(value, int) or not LIKERT_MIN <= value <= LIKERT_MAX:
            return f"a likert5 answer is an integer from {LIKERT_MIN} to {LIKERT_MAX} (5 = 매우 만족)"
    elif kind == TEXT:
        if not isinstance(value, str) or len(value) > TEXT_MAX:
            return f"a text answer is a string of at most {TEXT_MAX} characters"
    elif question["multiple"]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "this question takes a list of its options"
        if any(v not in question["options"] for v in value):
            return f"every answer must be one of the options: {', '.join(question['options'])}"
        if len(set(value)) != len(value):
            return "an option is chosen twice"
    elif not isinstance(value, str) or value not in question["options"]:
        return f"the answer must be one of the options: {', '.join(question['options'])}"
    return None


def check_respondent(respondent: Any, year: int, member_years: set[int] | None) -> None:
    """A respondent is a member of a group of the survey's year (leaving later does not undo that).

    `member_years` is what survey heard from registration: None when the member id is unknown yet.
    """
    check_member_id(respondent)
    if member_years is None:
        raise NotYetKnown(f"member {respondent} is not known to the survey service yet; retry shortly")
    if year not in member_years:
        raise RuleViolation(
            f"member {respondent} belongs to no group of {year}",
            errors={"respondent": [f"must be a member of a group of {year}"]},
        )


def check_member_id(respondent: Any) -> None:
    if not isinstance(respondent, str) or not MEMBER_ID_PATTERN.match(respondent):
        raise RuleViolation(
            "respondent is not a member id",
            errors={"respondent": ["must be a member id: 1–64 letters, digits, '_' or '-'"]},
        )


def response_subject(survey_id: str, member_id: str) -> str:
    """The id of the response aggregate: one per (survey, member), so a second one is a version clash."""
    check_member_id(member_id)
    return f"response:{survey_id}:{member_id}"


# --- aggregates -----------------------------------------------------------------------------------
@dataclass
class Survey(Aggregate):
    aggregate_type = "survey"
    title: str = ""
    year: int = 0
    questions: list[dict] = field(default_factory=list)
    copied_from: str | None = None
    status: str = ""

    @classmethod
    def publish(cls, survey_id: str, title: Any, year: Any, questions: Any, copied_from: str | None = None):
        problems = Problems()
        check_title(title, problems)
        check_year(year, problems)
        normalized = normalize_questions(questions, problems)
        problems.raise_if_any("the survey is not valid")
        survey = cls(id=survey_id)
        survey.record(
            events.SurveyPublished,
            survey_id=survey_id,
            title=title,
            year=year,
            questions=normalized,
            copied_from=copied_from,
        )
        return survey

    def copy(self, new_id: str, year: Any, title: str | None = None) -> "Survey":
        """A new open survey asking the same questions, for another year (the center asks them yearly)."""
        return Survey.publish(
            new_id, self.title if title is None else title, year, [dict(q) for q in self.questions], copied_from=self.id
        )

    def close(self) -> None:
        if self.status != CLOSED:
            self.record(events.SurveyClosed, survey_id=self.id, year=self.year)

    def check_accepts_responses(self) -> None:
        if self.status != OPEN:
            raise Conflict(f"survey {self.id} is closed and takes no more responses")

    def on_survey_published(self, data: dict) -> None:
        self.title, self.year = data["title"], data["year"]
        self.questions, self.copied_from = data["questions"], data.get("copied_from")
        self.status = OPEN

    def on_survey_closed(self, data: dict) -> None:
        self.status = CLOSED

    def view(self) -> dict:
        return {
            "title": self.title,
            "year": self.year,
            "status": self.status,
            "questions": self.questions,
            "copied_from": self.copied_from,
        }


@dataclass
class Response(Aggregate):
    """One respondent's response to one survey; its id `response:<survey>:<member>` makes it unique."""

    aggregate_type = "response"
    response_id: str = ""
    survey_id: str = ""
    respondent: str = ""

    @property
    def submitted(self) -> bool:
        return self.version > 0

    def submit(
        self, survey: Survey, response_id: str, respondent: str, answers: Any, member_years: set[int] | None
    ) -> None:
        survey.check_accepts_responses()
        kept = normalize_answers(survey.questions, answers)
        check_respondent(respondent, survey.year, member_years)
        if self.submitted:
            raise Conflict(f"member {respondent} already answered survey {survey.id}; one response per member")
        self.record(
            events.SurveySubmitted,
            survey_id=survey.id,
            year=survey.year,
            response_id=response_id,
            respondent=respondent,
            answers=kept,
        )

    def on_survey_submitted(self, data: dict) -> None:
        self.response_id, self.survey_id, self.respondent = data["response_id"], data["survey_id"], data["respondent"]
