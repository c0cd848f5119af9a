from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from jajo.fields import Text
from services.survey import domain

YEAR = validate.Range(domain.YEAR_MIN, domain.YEAR_MAX)
QUESTION_ID = validate.Regexp(domain.ID_PATTERN, error="must be 1–50 letters, digits, '_' or '-'")
MEMBER_ID = validate.Regexp(domain.MEMBER_ID_PATTERN, error="must be a member id: 1–64 letters, digits, '_' or '-'")
STRICT_BOOL: dict[str, Any] = {"truthy": {True}, "falsy": {False}}


class QuestionIn(Schema):
    id = fields.String(
        required=True,
        validate=QUESTION_ID,
        metadata={"description": "unique within the survey; 1–50 letters, digits, `_` or `-` (e.g. `q1`)"},
    )
    text = Text(
        required=True,
        validate=validate.Length(1, domain.QUESTION_TEXT_MAX),
        metadata={"description": f"the question, 1–{domain.QUESTION_TEXT_MAX} characters"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(domain.KINDS),
        metadata={
            "description": "`likert5`: an integer 1–5 (5 = 매우 만족); `choice`: one of `options` "
            "(a list of them when `multiple`); `text`: free text of at most 2,000 characters"
        },
    )
    category = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, domain.CATEGORY_MAX),
        metadata={
            "description": "what a likert5 question measures for the annual report: "
            "`activity_support`, `operation`, `special_activity`, "
            "`venue`, or a free label"
        },
    )
    options = fields.List(
        Text(validate=validate.Length(1, domain.OPTION_MAX)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(2, domain.MAX_OPTIONS),
        metadata={"description": "choice questions only: 2–50 distinct options"},
    )
    multiple = fields.Boolean(
        load_default=False,
        **STRICT_BOOL,
        metadata={"description": "choice questions only: several options may be chosen"},
    )


class SurveyIn(Schema):
    title = Text(
        required=True,
        validate=validate.Length(1, domain.TITLE_MAX),
        metadata={"description": f"1–{domain.TITLE_MAX} characters"},
    )
    year = fields.Integer(
        required=True,
        strict=True,
        validate=YEAR,
        metadata={"description": "the program year; respondents must be members of a group of this year"},
    )
    questions = fields.List(
        fields.Nested(QuestionIn),
        required=True,
        validate=validate.Length(1, domain.MAX_QUESTIONS),
        metadata={"description": f"1–{domain.MAX_QUESTIONS} questions with distinct ids"},
    )


class CopyIn(Schema):
    year = fields.Integer(
        required=True, strict=True, validate=YEAR, metadata={"description": "the year of the new survey"}
    )
    title = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, domain.TITLE_MAX),
        metadata={"description": "the new survey's title; the copied survey's when left out"},
    )


class AnswerValue(fields.Raw):
    """An answer as sent; its text (a free-text answer, a chosen option or several) is cleaned like every
    human-entered string, so an answer typed on a phone as decomposed Hangul matches its NFC option."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._free_text, self._option = Text(multiline=True), Text()

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return self._free_text.deserialize(value, attr, data)
        if isinstance(value, list):
            return [self._option.deserialize(v, attr, data) if isinstance(v, str) else v for v in value]
        return value


class ResponseIn(Schema):
    respondent = fields.String(
        required=True,
        validate=MEMBER_ID,
        metadata={
            "description": "the member id of the guardian answering; a member of a group of the survey's year. "
            "Unknown yet to this service → 409 with Retry-After; a second response → 409"
        },
    )
    answers = fields.Dict(
        keys=fields.String(),
        values=AnswerValue(allow_none=True),
        required=True,
        metadata={
            "description": "question id → answer: likert5 an integer 1–5, choice one option (a list of options "
            "when `multiple`), text a string of at most 2,000 characters. Questions may be skipped "
            "(left out or null) but at least one must be answered; unknown ids → 422"
        },
    )


class QuestionOut(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(domain.KINDS))
    category = fields.String(allow_none=True)
    options = fields.List(fields.String(), allow_none=True)
    multiple = fields.Boolean(required=True)


class SurveyOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the survey's event count"})
    title = fields.String(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf([domain.OPEN, domain.CLOSED]))
    questions = fields.List(fields.Nested(QuestionOut), required=True)
    copied_from = fields.String(allow_none=True, metadata={"description": "the survey this one was copied from"})
    response_count = fields.Integer(
        required=True, metadata={"description": "how many members responded; individual answers are never returned"}
    )


class SurveyQuery(Schema):
    year = fields.Integer(validate=YEAR)
    status = fields.String(validate=validate.OneOf([domain.OPEN, domain.CLOSED]))


class SurveyList(Schema):
    surveys = fields.List(fields.Nested(SurveyOut), required=True)


class ResponseOut(Schema):
    id = fields.String(required=True, metadata={"description": "the response id"})
    subject = fields.String(
        required=True,
        metadata={
            "description": "the response aggregate's id in the event history: `response:<survey_id>:<member_id>`"
        },
    )
    survey_id = fields.String(required=True)
    respondent = fields.String(required=True)
    version = fields.Integer(required=True)
