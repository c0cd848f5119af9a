from jajo.bootstrap import Service, database
from jajo.config import Settings
from services.reporting.rebuild import Rebuilds
from services.reporting.views import ReportingProjection, ReportingViews


def bootstrap(settings: Settings) -> Service:
    """Reporting stores no events of its own: its projector, its queries and `rebuilds` (those started here)."""
    client, db = database("reporting", settings)
    return Service("reporting", settings, client, db, views=ReportingViews(db, settings),
                   projection=lambda: ReportingProjection(db, settings), parts={"rebuilds": Rebuilds(client, db)})
