"""Reporting's HTTP blueprints: reports, exports, audit history, projection status and admin."""

from __future__ import annotations

import itertools
import json

from flask import Response, abort, stream_with_context
from flask_smorest import Blueprint
from marshmallow import RAISE

from jajo import consumer
from jajo.access import record_read
from jajo.center import CENTER
from jajo.errors import NotFound, RuleViolation, Unavailable
from jajo.http.app import service
from jajo.http.auth import is_staff, require_staff
from services.reporting import audit, exports
from services.reporting.schemas import (
    AnnualReport,
    AsOfQuery,
    AuditPageQuery,
    AuditQuery,
    DeadLetterList,
    DeadLetterQuery,
    EventList,
    EventPage,
    GroupReport,
    ProjectionStatus,
    RebuildIn,
    RebuildOut,
    RedriveOut,
    SubjectQuery,
)

reports = Blueprint("reports", __name__, description="The annual report and the group reports")
blp = Blueprint("audit", __name__, description="The audit history of every event")
admin = Blueprint("projections", __name__, description="Projection status, dead letters and rebuilds")
BLUEPRINTS = [reports, blp, admin]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check_year(year: int) -> None:
    if not CENTER.is_program_year(year):
        raise RuleViolation(
            "year is out of range", errors={"year": [f"must be between {CENTER.first_year} and {CENTER.last_year}"]}
        )


def _annual(year: int, query: dict) -> dict:
    _check_year(year)
    return service().views.annual(year, query.get("as_of"))


# --- reports --------------------------------------------------------------------------------------
@reports.get("/reports/annual/<int:year>")
@reports.arguments(AsOfQuery, location="query", unknown=RAISE)
@reports.response(200, AnnualReport)
def annual_report(query: dict, year: int):
    """The annual report of a program year, computed from the read models.

    With `as_of`, the report as the audit history stood at that moment: the year's latest snapshot before it
    and the events after the snapshot, replayed through the same projection (equal to replaying the whole history).
    Per likert5 question: `positive` = answers of 4 or 5, `positive_rate` = positive / responses,
    `mean`, and `score100` = (mean − 1) / 4 × 100, the 100-point conversion of the mean.
    """
    return _annual(year, query)


@reports.get("/reports/annual/<int:year>.xlsx")
@reports.arguments(AsOfQuery, location="query", unknown=RAISE)
@reports.doc(
    responses={"200": {"description": "Excel workbook: 요약 and one sheet per breakdown", "content": {XLSX: {}}}}
)
def annual_report_xlsx(query: dict, year: int):
    """The annual report as an Excel workbook (Korean headers; a summary sheet and one per breakdown)."""
    body = exports.xlsx(_annual(year, query))
    return Response(
        body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="jajo-annual-{year}.xlsx"'}
    )


@reports.get("/reports/annual/<int:year>.csv")
@reports.arguments(AsOfQuery, location="query", unknown=RAISE)
@reports.doc(
    responses={"200": {"description": "CSV (UTF-8 with BOM): 구분, 항목, 세부, 값", "content": {"text/csv": {}}}}
)
def annual_report_csv(query: dict, year: int):
    """The annual report as CSV in long format (구분, 항목, 세부, 값)."""
    body = exports.csv_text(_annual(year, query))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="jajo-annual-{year}.csv"'},
    )


@reports.get("/reports/groups/<group_id>")
@reports.response(200, GroupReport)
def group_report(group_id: str):
    """One group's sessions with attendance, budget (remaining = allocated − claims not rejected) and the
    documents it still owes."""
    found = service().views.group(group_id)
    if found is None:
        raise NotFound(f"no event mentions group {group_id}")
    return found


# --- audit ----------------------------------------------------------------------------------------
def _audience(query: dict) -> str:
    """Least privilege: staff see `data.personal` only when they ask for it (`personal=true`); anyone else (a
    viewer, a portal acting for nobody) reads through the viewers' allow-list, and asking for it is forbidden."""
    wanted = query.get("personal")
    if not is_staff():
        if wanted:
            abort(403, description="viewers may not see personal data")
        return audit.VIEWER
    return audit.PERSONAL if wanted else audit.STAFF


def _shown(envelopes: list[dict], audience: str) -> list[dict]:
    """The envelopes as `audience` may read them: with personal data, the sealed fields opened (a destroyed key
    reads null) and an access record left naming whose personal data was shown."""
    if audience == audit.PERSONAL:
        envelopes = service().cipher.open(envelopes)
        record_read(*(subject for envelope in envelopes for subject in audit.personal_subjects(envelope)))
    return [audit.shown(envelope, audience) for envelope in envelopes]


EXPORT_BATCH = 500  # envelopes opened with one read of the key store


def _filters(query: dict) -> dict:
    return {name: query.get(name) for name in ("subject", "type", "source", "since", "until")}


@blp.get("/audit/events")
@blp.arguments(AuditPageQuery, location="query", unknown=RAISE)
@blp.response(200, EventPage)
def audit_events(query: dict):
    """Every event received, oldest first (in the order reporting received them), filtered; page with
    `next_cursor` (stable under concurrent writes: pages follow the sequence numbers the projector assigns
    in commit order)."""
    audience = _audience(query)
    events, cursor = service().views.audit_page(query["limit"], int(query.get("cursor") or 0), **_filters(query))
    return {"events": _shown(events, audience), "next_cursor": None if cursor is None else str(cursor)}


@blp.get("/audit/events.jsonl")
@blp.arguments(AuditQuery, location="query", unknown=RAISE)
@blp.doc(
    responses={
        "200": {
            "description": "one CloudEvents envelope per line, oldest first",
            "content": {"application/x-ndjson": {}},
        }
    }
)
def audit_export(query: dict):
    """Stream the filtered history as JSON Lines, as the events list shows it (`personal=true`: with
    `data.personal`, staff only). An export with personal data leaves its access record when the stream ends,
    naming everyone whose personal data it sent."""
    audience = _audience(query)
    history = iter(service().views.audit_stream(**_filters(query)))

    def lines():
        sent: set[str] = set()
        try:
            while batch := list(itertools.islice(history, EXPORT_BATCH)):
                if audience == audit.PERSONAL:
                    batch = service().cipher.open(batch)
                    sent.update(subject for envelope in batch for subject in audit.personal_subjects(envelope))
                yield "".join(json.dumps(audit.shown(e, audience), ensure_ascii=False) + "\n" for e in batch)
        finally:
            if audience == audit.PERSONAL:
                record_read(*sent)

    return Response(
        stream_with_context(lines()),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit-events.jsonl"'},
    )


@blp.get("/audit/subjects/<subject>")
@blp.arguments(SubjectQuery, location="query", unknown=RAISE)
@blp.response(200, EventList)
def subject_history(query: dict, subject: str):
    """One aggregate's full history, in version order."""
    return {"events": _shown(service().views.subject_history(subject), _audience(query))}


@blp.get("/audit/people/<member_id>")
@blp.arguments(SubjectQuery, location="query", unknown=RAISE)
@blp.response(200, EventList)
def person_history(query: dict, member_id: str):
    """Every event about one member (staff only): those whose data names the member (`member_id`, `respondent`,
    `guardian_ids`) or that the member sent as a guardian, from every service, in the order reporting received
    them. Registration's `GET /groups/{id}/members/{id}/personal-data` (열람) reads it."""
    require_staff()
    return {"events": _shown(service().views.person_history(member_id), _audience(query))}


# --- status and admin -----------------------------------------------------------------------------
@admin.get("/projections/status")
@admin.response(200, ProjectionStatus)
def projection_status():
    """`lag`: events on the topics past the projector's committed offsets. A client that sees outbox
    `pending == 0` on every write service and then `lag == 0` here knows the report includes its writes."""
    views = service().views
    try:
        lag = views.lag()
    except Exception as exc:  # noqa: BLE001 - any Kafka failure: the lag is unknown
        raise Unavailable("Kafka did not answer: the lag is unknown") from exc
    return views.status(lag)


@admin.get("/admin/dead-letters")
@admin.arguments(DeadLetterQuery, location="query")
@admin.response(200, DeadLetterList)
def dead_letters(query: dict):
    """Messages the projector could not handle, oldest first, a page at a time (staff only: they may hold
    personal data)."""
    require_staff()
    db = service().db
    return {
        "dead_letters": consumer.dead_letters(db, query["offset"], query["limit"]),
        "total": consumer.dead_letter_count(db),
    }


@admin.post("/admin/dead-letters/<letter_id>/redrive")
@admin.response(200, RedriveOut)
def redrive(letter_id: str):
    """Project a dead letter again (after a fix): on success it leaves the dead letters."""
    require_staff()
    reporting = service()
    return {"dead_letters": consumer.redrive(reporting.projection(), reporting.client, reporting.db, letter_id)}


@admin.post("/admin/rebuild")
@admin.arguments(RebuildIn, location="query", unknown=RAISE)
@admin.response(202, RebuildOut)
def start_rebuild(query: dict):
    """Rebuild every read model from the audit history into a fresh generation, then swap it in; the live
    report keeps answering meanwhile. Progress: `GET /projections/status` → `rebuild`. The reporting worker runs
    it (this request records it: `rebuild.holder` stays null until a worker has taken it)."""
    require_staff()
    plan = service().rebuilds.start(force=query["force"])
    return {"generation": plan.generation, "previous": plan.previous, "events": plan.total, "status": "running"}
