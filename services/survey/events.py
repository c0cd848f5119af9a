"""Survey's events on `survey.events`: a survey's lifecycle and one response per member."""

from __future__ import annotations

from jajo.events import Catalogue, EventType

SurveyPublished = EventType(
    "SurveyPublished",
    "survey id",
    ("survey_id", "title", "year", "questions", "copied_from"),
    shapes={"questions": "[{id, text, kind, category, options, multiple}]"},
    viewer_fields=("survey_id", "title", "year", "questions", "copied_from"),
)
SurveySubmitted = EventType(
    "SurveySubmitted",
    "`response:<survey_id>:<member_id>`",
    ("survey_id", "year", "response_id", "respondent", "answers"),
    shapes={"answers": "{question_id: value}"},
    people=("respondent",),
    viewer_fields=("survey_id", "year", "response_id", "respondent"),  # one person's answers: never to viewers
)
SurveyClosed = EventType("SurveyClosed", "survey id", ("survey_id", "year"), viewer_fields=("survey_id", "year"))

NOTES = """\
`respondent` is a member id (pseudonymous). Question `kind`: `likert5` (1–5, 5 = 매우 만족),
`choice` (`options`, `multiple`), `text` (≤ 2,000 characters).

Survey's fields: every question carries all six fields — `category` is `null` when not given (a label such as
`activity_support`, `operation`, `special_activity`, `venue` or free text), `options` is `null` and `multiple`
`false` except on `choice` questions. `copied_from` is the survey id a copy was made from, else `null`.
`SurveySubmitted` has `aggregatetype` `response` and is always version 1 of its subject (one response per member
per survey); `answers` holds only the answered questions (skipped ones are absent): a `likert5` answer is an
integer 1–5, a `choice` answer one option string (a list of distinct option strings when `multiple`), a `text`
answer a string. `year` is the survey's year. Closing a closed survey emits nothing.
"""

CATALOGUE = Catalogue("survey.events", "survey", (SurveyPublished, SurveySubmitted, SurveyClosed), NOTES)
