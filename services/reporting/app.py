from jajo.config import Settings
from jajo.http.app import create_service_app
from services.reporting import api, bootstrap


def create_app(settings: Settings | None = None, **options):
    return create_service_app(
        "reporting",
        api.BLUEPRINTS,
        bootstrap.bootstrap,
        settings,
        description="Read models for the center portal, the annual report and the audit history.",
        viewer_reads=True,
        **options,
    )
