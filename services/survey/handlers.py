"""Command handlers: load, decide, commit."""

from __future__ import annotations

from jajo.commands import Handler
from jajo.domain import new_id
from jajo.unit_of_work import UnitOfWork
from services.survey import views
from services.survey.commands import CloseSurvey, CopySurvey, PublishSurvey, SubmitResponse
from services.survey.domain import Response, Survey, response_subject


def publish_survey(cmd: PublishSurvey, uow: UnitOfWork) -> Survey:
    survey = uow.add(Survey.publish(new_id(), cmd.title, cmd.year, cmd.questions))
    uow.after_append.append(views.open_counter(uow.store.db, survey.id))
    uow.commit()
    return survey


def copy_survey(cmd: CopySurvey, uow: UnitOfWork) -> Survey:
    survey = uow.add(uow.get(Survey, cmd.survey_id).copy(new_id(), cmd.year, cmd.title))
    uow.after_append.append(views.open_counter(uow.store.db, survey.id))
    uow.commit()
    return survey


def close_survey(cmd: CloseSurvey, uow: UnitOfWork) -> Survey:
    survey = uow.get(Survey, cmd.survey_id)
    survey.close()
    uow.after_append.append(views.close_counter(uow.store.db, survey.id))
    uow.commit()
    return survey


def submit_response(cmd: SubmitResponse, uow: UnitOfWork) -> Response:
    survey = uow.get(Survey, cmd.survey_id)
    response = uow.load_optional(Response, response_subject(survey.id, cmd.respondent))
    years = views.member_years(uow.store.db, cmd.respondent)
    response.submit(survey, new_id(), cmd.respondent, cmd.answers, years)
    uow.after_append.append(views.count_response(uow.store.db, survey.id))
    uow.commit()
    return response


HANDLERS: dict[type, Handler] = {
    PublishSurvey: publish_survey,
    CopySurvey: copy_survey,
    CloseSurvey: close_survey,
    SubmitResponse: submit_response,
}
