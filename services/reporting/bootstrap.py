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
        parts={"rebuilds": rebuilds, "cipher": personal_cipher(client, settings)},
        background=[lambda service: rebuilds.runner()],
    )
