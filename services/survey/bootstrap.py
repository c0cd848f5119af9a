from jajo.bootstrap import Service, database, write_service
from jajo.config import Settings
from services.survey.handlers import build_handlers
from services.survey.views import MembersProjection, SurveyViews


def bootstrap(settings: Settings) -> Service:
    """Survey's write side, its queries and the members view it keeps from `registration.events`."""
    _, db = database("survey", settings)
    views = SurveyViews(db)
    return write_service(
        "survey", settings, build_handlers(views), views=views, projection=lambda: MembersProjection(db, settings)
    )
