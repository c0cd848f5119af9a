from jajo.access import AccessLog
from jajo.answers import StoredAnswers
from jajo.bootstrap import Service, database, personal_cipher
from jajo.config import Settings
from services.reporting.rebuild import Rebuilds
from services.reporting.views import ReportingProjection, ReportingViews


def bootstrap(settings: Settings) -> Service:
    """Reporting stores no events of its own: its projector, its queries, `rebuilds` (requested here, run by the
    worker) and `cipher`, which opens the audit's sealed personal fields for staff who ask (personal=true)."""
    client, db = database("reporting", settings)
    rebuilds = Rebuilds(client, db)
    return Service(
        "reporting",
        settings,
        client,
        db,
        views=ReportingViews(db, settings),
        projection=lambda: ReportingProjection(db, settings),
        answers=StoredAnswers(db, settings.idempotent_answer_seconds),  # its admin POSTs honour Idempotency-Key
        parts={
            "rebuilds": rebuilds,
            "cipher": personal_cipher(client, settings),
            "access": AccessLog.of(settings),  # who read the audit's personal data
        },
        background=[lambda service: rebuilds.runner()],
    )
