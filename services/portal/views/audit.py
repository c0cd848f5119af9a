"""감사 기록: the event history with the contract's filters and paging, one subject's history, JSONL export."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, Response, request

from services.portal.clients.base import ApiError
from services.portal.clients.reporting import AuditClient
from services.portal.formatting import SEOUL
from services.portal.web import FormErrors, render

blueprint = Blueprint("audit", __name__, url_prefix="/audit")
EVENT_TYPES = (
    "GroupFormed",
    "GroupApproved",
    "MemberJoined",
    "MemberLeft",
    "GroupClosed",
    "SessionScheduled",
    "SessionHeld",
    "SessionCancelled",
    "BudgetAllocated",
    "ExpenseClaimed",
    "ExpenseApproved",
    "ExpenseRejected",
    "DocumentSubmitted",
    "SurveyPublished",
    "SurveySubmitted",
    "SurveyClosed",
    "MemberErased",
    "DocumentAccepted",
    "DocumentReturned",
    "ConnectionReported",
)
SOURCES = ("/registration", "/activity", "/survey")
PAGE = 50


def _moment(text: str, end: bool) -> str | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59) if end else time(0), SEOUL).isoformat()


def filters() -> dict:
    args = request.args
    return {
        "subject": args.get("subject", "").strip() or None,
        "type": args.get("type") if args.get("type") in EVENT_TYPES else None,
        "source": args.get("source") if args.get("source") in SOURCES else None,
        "since": _moment(args.get("since", ""), False),
        "until": _moment(args.get("until", ""), True),
    }


@blueprint.get("/")
def index():
    chosen, errors, page = filters(), FormErrors(), {"events": [], "next_cursor": None}
    try:
        page = AuditClient().events(**chosen, limit=PAGE, cursor=request.args.get("cursor"))
    except ApiError as error:
        errors = FormErrors(error)
    return render(
        "views/audit/index.html",
        "events",
        title="감사 기록",
        page=page,
        args=request.args,
        errors=errors,
        event_types=EVENT_TYPES,
        sources=SOURCES,
    )


@blueprint.get("/subjects/<path:subject>")
def subject(subject: str):
    return render(
        "views/audit/subject.html", title=f"이력: {subject}", subject=subject, events=AuditClient().subject(subject)
    )


@blueprint.get("/events.jsonl")
def export():
    answer = AuditClient().export(**filters())
    return Response(
        answer.iter_content(1 << 16),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="jajo-audit.jsonl"'},
    )
