"""Command handlers: load, decide, commit. `build_handlers(views)` binds them to survey's read side: the members
it heard of from registration and the response counters written in each command's transaction."""

from __future__ import annotations

from jajo.commands import Handler, bind
from jajo.domain import new_id
from jajo.unit_of_work import UnitOfWork
from services.survey.commands import CloseSurvey, CopySurvey, PublishSurvey, SubmitResponse
from services.survey.domain import Response, Survey, response_subject
from services.survey.views import SurveyViews


def publish_survey(cmd: PublishSurvey, uow: UnitOfWork, views: SurveyViews) -> Survey:
    survey = uow.add(Survey.publish(new_id(), cmd.title, cmd.year, cmd.questions))
    uow.after_append.append(views.open_counter(survey.id))
    uow.commit()
    return survey


def copy_survey(cmd: CopySurvey, uow: UnitOfWork, views: SurveyViews) -> Survey:
    survey = uow.add(uow.get(Survey, cmd.survey_id).copy(new_id(), cmd.year, cmd.title))
    uow.after_append.append(views.open_counter(survey.id))
    uow.commit()
    return survey


def close_survey(cmd: CloseSurvey, uow: UnitOfWork, views: SurveyViews) -> Survey:
    survey = uow.get(Survey, cmd.survey_id)
    survey.close()
    uow.after_append.append(views.close_counter(survey.id))
    uow.commit()
    return survey


def submit_response(cmd: SubmitResponse, uow: UnitOfWork, views: SurveyViews) -> Response:
    survey = uow.get(Survey, cmd.survey_id)
    response = uow.load_optional(Response, response_subject(survey.id, cmd.respondent))
    response.submit(survey, new_id(), cmd.respondent, cmd.answers, views.member_years(cmd.respondent))
    uow.after_append.append(views.count_response(survey.id))
    uow.commit()
    return response


def build_handlers(views: SurveyViews) -> dict[type, Handler]:
    return bind(
        {
            PublishSurvey: publish_survey,
            CopySurvey: copy_survey,
            CloseSurvey: close_survey,
            SubmitResponse: submit_response,
        },
        views=views,
    )
