from jajo.config import Settings
from jajo.http import outbox
from jajo.http.app import create_service_app
from services.survey import api, bootstrap, events, guardians


def create_app(settings: Settings | None = None, **options):
    return create_service_app(
        "survey",
        [api.blp, outbox.blp],
        bootstrap.bootstrap,
        settings,
        description=(
            "Satisfaction surveys (만족도 조사): questions of kind likert5 (1–5, 5 = 매우 만족), choice and text; "
            "one response per member per survey. Members are learned from `registration.events`. Every change "
            "is an event on `survey.events` (see docs/events.md). No GET returns individual answers, only counts."
        ),
        guardian_policy=guardians.POLICY,
        catalogue=events.CATALOGUE,
        **options,
    )
