from jajo.config import Settings
from jajo.http.app import create_service_app
from services.registration import api, bootstrap


def create_app(settings: Settings | None = None, **options):
    return create_service_app(
        "registration", [api.blp], bootstrap.wire, settings,
        description="Groups, their guardians and children. Every change is an event on `registration.events`.",
        **options,
    )
