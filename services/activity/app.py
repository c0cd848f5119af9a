from jajo.config import Settings
from jajo.http import outbox
from jajo.http.app import create_service_app
from services.activity import api, bootstrap, events, guardians


def create_app(settings: Settings | None = None, **options):
    return create_service_app(
        "activity",
        [*api.BLUEPRINTS, outbox.blp],
        bootstrap.bootstrap,
        settings,
        description="Sessions, center spaces, attendance, funding and documents. Every change is an event on "
        "`activity.events`; registration's groups are known from `registration.events`.",
        form_endpoints={"documents.submit_document"},
        guardian_policy=guardians.POLICY,
        catalogue=events.CATALOGUE,
        **options,
    )
