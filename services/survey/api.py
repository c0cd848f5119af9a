"""Survey's HTTP blueprint. No GET ever returns individual answers, only counts."""

from __future__ import annotations

from flask_smorest import Blueprint

from jajo.errors import NotFound
from jajo.http.app import dispatch, service
from jajo.http.schemas import IDEMPOTENCY_KEY, IF_MATCH, header_parameters, problem_responses
from services.survey import guardians
from services.survey.commands import CloseSurvey, CopySurvey, PublishSurvey, SubmitResponse
from services.survey.schemas import (
    CopyIn,
    ResponseIn,
    ResponseOut,
    SurveyIn,
    SurveyList,
    SurveyOut,
    SurveyQuery,
)

blp = Blueprint("surveys", __name__, description="Satisfaction surveys (만족도 조사) and their responses")

AUTH = (401, 403)
BODY = (400, 415, 422)


def survey_out(survey_id: str) -> dict:
    found = service().views.survey(survey_id)
    if found is None:
        raise NotFound(f"survey {survey_id} does not exist")
    return found


def written_out(survey) -> dict:
    return service().views.written(survey)


@blp.post("/surveys")
@blp.arguments(SurveyIn)
@blp.response(201, SurveyOut)
@problem_responses(blp, *AUTH, *BODY, 503)
@header_parameters(blp, IDEMPOTENCY_KEY)
def publish_survey(body: dict):
    """Publish a survey; it is open for responses at once. Emits `SurveyPublished`."""
    return written_out(dispatch(PublishSurvey(**body)))


@blp.post("/surveys/<survey_id>/copy")
@blp.arguments(CopyIn)
@blp.response(201, SurveyOut)
@problem_responses(blp, *AUTH, *BODY, 404, 412, 503)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def copy_survey(body: dict, survey_id: str):
    """Publish a new open survey with the same questions for another year. Emits `SurveyPublished`
    with `copied_from`."""
    return written_out(dispatch(CopySurvey(survey_id, **body)))


@blp.post("/surveys/<survey_id>/close")
@blp.response(200, SurveyOut)
@problem_responses(blp, *AUTH, 404, 412, 503)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def close_survey(survey_id: str):
    """Close a survey: later responses get 409 (closing twice changes nothing). Emits `SurveyClosed`."""
    return written_out(dispatch(CloseSurvey(survey_id)))


@blp.post("/surveys/<survey_id>/responses")
@blp.arguments(ResponseIn)
@blp.response(201, ResponseOut)
@problem_responses(
    blp,
    *AUTH,
    *BODY,
    404,
    409,
    412,
    503,
    s409="the survey is closed, the member already "
    "responded, or the member is not known here yet (then with `Retry-After`)",
    s422="the body breaks the schema, an answer does not fit its question (`answers.<id>`), "
    "no question is answered, or the respondent is a member of another year's group only",
)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def submit_response(body: dict, survey_id: str):
    """Submit a member's answers: one response per member per survey (409 on a second), the survey must be
    open (409), the respondent a member of a group of the survey's year (409 with Retry-After while the
    member is not known here yet). Emits `SurveySubmitted`. The answers are not echoed back. An `If-Match`
    names the survey's version."""
    response = dispatch(SubmitResponse(survey_id, **body))
    return {
        "id": response.response_id,
        "subject": response.id,
        "survey_id": response.survey_id,
        "respondent": response.respondent,
        "version": response.version,
    }


@blp.get("/surveys")
@blp.arguments(SurveyQuery, location="query")
@blp.response(200, SurveyList)
@problem_responses(blp, *AUTH, 422, 503)
def list_surveys(query: dict):
    """Surveys, optionally of one year and/or status, with their response counts (a guardian: open ones)."""
    return {"surveys": service().views.surveys(guardians.visible(query))}


@blp.get("/surveys/<survey_id>")
@blp.response(200, SurveyOut)
@problem_responses(blp, *AUTH, 404, 503)
def get_survey(survey_id: str):
    """A survey's definition, status and response count (never individual answers)."""
    return survey_out(survey_id)
