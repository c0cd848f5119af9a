"""대시보드: the annual report of a year against the year before, as of a date, with downloads and freshness."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, Response, request

from jajo.center import CENTER
from services.portal.clients.reporting import ReportsClient, freshness
from services.portal.formatting import SEOUL
from services.portal.views import charts
from services.portal.web import render

blueprint = Blueprint("dashboard", __name__)
SPACES = CENTER.space_names


def this_year() -> int:
    return datetime.now(SEOUL).year


def _year() -> int:
    year = request.args.get("year", type=int) or this_year()
    return year if CENTER.is_program_year(year) else this_year()


def _as_of() -> tuple[str, str | None]:
    """The picked date and the RFC 3339 end of that day in Seoul (None: now)."""
    picked = request.args.get("as_of", "")
    try:
        day = date.fromisoformat(picked)
    except ValueError:
        return "", None
    return picked, datetime.combine(day, time(23, 59, 59), SEOUL).isoformat()


@blueprint.get("/")
def index():
    year = _year()
    picked, as_of = _as_of()
    client = ReportsClient()
    report, previous = client.annual(year, as_of), client.annual(year - 1, None)
    return render(
        "views/dashboard/index.html",
        "report",
        title="대시보드",
        year=year,
        as_of=picked,
        report=report,
        previous=previous,
        spaces=SPACES,
        charts=charts.for_report(report, SPACES),
        years=range(this_year() + 1, this_year() - 10, -1),
    )


@blueprint.get("/freshness")
def fresh():
    """The freshness line, loaded by htmx after the page (asking Kafka for the lag takes reporting ~0.6 s)."""
    return render("views/dashboard/_freshness.html", fresh=freshness())


@blueprint.get("/reports/<int:year>.<any(xlsx, csv):fmt>")
def export(year: int, fmt: str):
    _, as_of = _as_of()
    answer = ReportsClient().export(year, fmt, as_of)
    return Response(
        answer.iter_content(1 << 16),
        mimetype=answer.headers.get("Content-Type"),
        headers={"Content-Disposition": answer.headers.get("Content-Disposition", "attachment")},
    )
