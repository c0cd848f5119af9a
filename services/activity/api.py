"""Activity's HTTP blueprints: sessions, spaces, funding and documents."""

from __future__ import annotations

from typing import TypeVar

from flask import Response
from flask_smorest import Blueprint

from jajo.access import record_read
from jajo.center import CENTER
from jajo.errors import NotFound, RuleViolation
from jajo.fields import clean_filename
from jajo.personal import ERASED
from jajo.http.app import dispatch, service
from jajo.http.disposition import content_disposition
from jajo.http.guardians import guardian_actor
from jajo.http.multipart import MultipartBlueprint
from jajo.http.schemas import IDEMPOTENCY_KEY, IF_MATCH, header_parameters, problem_responses
from services.activity import commands as c
from services.activity import schemas as s
from services.activity.domain import missing_documents, space_day_id

T = TypeVar("T")

sessions = Blueprint("sessions", __name__, description="Group sessions (모임 활동): scheduling, attendance, cancelling")
spaces = Blueprint(
    "spaces", __name__, description=f"The center's spaces ({', '.join(CENTER.space_names)}) and their bookings"
)
funding = Blueprint("funding", __name__, description="Yearly budgets per group and expense claims against them")
documents = MultipartBlueprint(
    "documents", __name__, description="Plans, result reports, receipts and attendance sheets"
)
BLUEPRINTS = [sessions, spaces, funding, documents]
AUTH, BODY = (401, 403), (400, 415, 422)
UNKNOWN_GROUP = "the group is not known to activity yet (retry after `Retry-After`), or "


def session_out(session) -> dict:
    return {"id": session.id, "version": session.version, **session.view()}


def _found(doc: T | None, what: str, ident: str) -> T:
    if doc is None:
        raise NotFound(f"{what} {ident} does not exist")
    return doc


# --- sessions ------------------------------------------------------------------------------------
@sessions.post("/sessions")
@sessions.arguments(s.SessionIn)
@sessions.response(201, s.SessionOut)
@problem_responses(
    sessions, *AUTH, *BODY, 409, 503, s409=UNKNOWN_GROUP + "not approved, closed, or the space is taken at that time"
)
@header_parameters(sessions, IDEMPOTENCY_KEY)
def schedule_session(body: dict):
    """Schedule a session; a center space is booked atomically (409 when the slot overlaps a live session).
    Emits `SessionScheduled` (and `SpaceBooked`)."""
    return session_out(dispatch(c.ScheduleSession(**body)))


@sessions.post("/sessions/series")
@sessions.arguments(s.SeriesIn)
@sessions.response(201, s.SeriesOut)
@problem_responses(
    sessions,
    *AUTH,
    *BODY,
    409,
    503,
    s409=UNKNOWN_GROUP + "not approved or closed, or every date clashes (`errors` by date)",
)
@header_parameters(sessions, IDEMPOTENCY_KEY)
def schedule_series(body: dict):
    """Schedule a weekly or monthly series in one call: dates that clash are listed in `conflicts`, the rest are
    booked (409 when every date clashes). Each booked session emits `SessionScheduled` with the `series_id`."""
    result = dispatch(c.ScheduleSeries(**body))
    return {
        "series_id": result.series_id,
        "booked": [session_out(x) for x in result.booked],
        "conflicts": result.conflicts,
    }


@sessions.post("/sessions/<session_id>/attendance")
@sessions.arguments(s.AttendanceIn)
@sessions.response(200, s.SessionOut)
@problem_responses(sessions, *AUTH, *BODY, 404, 409, 412, 503, s409="the session was already held or was cancelled")
@header_parameters(sessions, IDEMPOTENCY_KEY, IF_MATCH)
def record_attendance(body: dict, session_id: str):
    """Record who came: the session becomes `held` (once only). Emits `SessionHeld`."""
    return session_out(dispatch(c.RecordAttendance(session_id, **body)))


@sessions.post("/sessions/<session_id>/cancel")
@sessions.arguments(s.CancelIn)
@sessions.response(200, s.SessionOut)
@problem_responses(sessions, *AUTH, *BODY, 404, 409, 412, 503, s409="the session was held")
@header_parameters(sessions, IDEMPOTENCY_KEY, IF_MATCH)
def cancel_session(body: dict, session_id: str):
    """Cancel a scheduled session and free its space (a held session cannot be cancelled). Emits `SessionCancelled`."""
    return session_out(dispatch(c.CancelSession(session_id, **body)))


@sessions.post("/sessions/<session_id>/connection")
@sessions.arguments(s.ConnectionIn)
@sessions.response(200, s.ConnectionOut)
@problem_responses(
    sessions,
    *AUTH,
    *BODY,
    404,
    409,
    412,
    503,
    s403="a guardian of another group, or a guardian naming another member",
    s409="the session is not a held online session (or its group is not known yet: `Retry-After`)",
    s422="`status` is not one of ok, audio, video, dropped, could_not_join; `note` is too long; "
    "staff left out `member_id`, or it is not a current member of the session's group",
)
@header_parameters(sessions, IDEMPOTENCY_KEY, IF_MATCH)
def report_connection(body: dict, session_id: str):
    """How a guardian's connection to a held online session (온라인 간담회) went: one report per guardian per
    session, a repeat replaces it (the report counts the latest). A guardian (through the portal) reports for
    itself; staff record for a guardian by giving its `member_id`. Emits `ConnectionReported`."""
    given = body.pop("member_id")
    member_id = guardian_actor() or given  # the guardian policy refused another member id already
    if member_id is None:
        raise RuleViolation("say whose connection this is", errors={"member_id": ["required when staff report"]})
    session = dispatch(c.ReportConnection(session_id, member_id, **body))
    return {**session.connections[member_id], "session_id": session.id, "version": session.version}


@sessions.get("/sessions")
@sessions.arguments(s.SessionQuery, location="query")
@sessions.response(200, s.SessionList)
@problem_responses(sessions, *AUTH, 422)
def list_sessions(query: dict):
    """Sessions, by date, optionally of one group and/or one year."""
    return {"sessions": service().views.sessions(query.get("group_id"), query.get("year"))}


@sessions.get("/sessions/<session_id>")
@sessions.response(200, s.SessionOut)
@problem_responses(sessions, *AUTH, 404)
def get_session(session_id: str):
    return _found(service().views.session(session_id), "session", session_id)


# --- spaces --------------------------------------------------------------------------------------
@spaces.get("/spaces")
@spaces.response(200, s.SpaceList)
@problem_responses(spaces, *AUTH)
def list_spaces():
    """The center's spaces with their capacity and opening hours."""
    return {"spaces": [space.as_dict() for space in service().spaces.values()]}


@spaces.get("/spaces/<space>/bookings")
@spaces.arguments(s.BookingQuery, location="query")
@spaces.response(200, s.BookingsOut)
@problem_responses(spaces, *AUTH, 404, 422, s404="no such center space")
def space_bookings(query: dict, space: str):
    """The live (scheduled or held) sessions booked in a space on a date."""
    found = _found(service().spaces.get(space), "space", space)
    day = query["date"].isoformat()
    view = service().views.space_day(space_day_id(space, day)) or {"version": 0, "bookings": []}
    return {
        "space": space,
        "date": day,
        "version": view["version"],
        "bookings": view["bookings"],
        "opens": found.opens,
        "closes": found.closes,
        "capacity": found.capacity,
    }


# --- funding -------------------------------------------------------------------------------------
def expense_out(budget, expense_id: str) -> dict:
    return {**budget.expense(expense_id), "budget_id": budget.id, "version": budget.version}


@funding.post("/groups/<group_id>/budget")
@funding.arguments(s.BudgetIn)
@funding.response(201, s.BudgetOut)
@problem_responses(funding, *AUTH, *BODY, 409, 503, s409=UNKNOWN_GROUP + "closed")
@header_parameters(funding, IDEMPOTENCY_KEY)
def allocate_budget(body: dict, group_id: str):
    """Allocate (or raise) a group's budget for its year. Emits `BudgetAllocated`."""
    budget = dispatch(c.AllocateBudget(group_id, **body))
    return {"id": budget.id, "version": budget.version, **budget.view(), "expenses": []}


@funding.get("/groups/<group_id>/budget")
@funding.arguments(s.BudgetQuery, location="query")
@funding.response(200, s.BudgetOut)
@problem_responses(funding, *AUTH, 404, 409, 422, s409=UNKNOWN_GROUP[:-5])
def get_budget(query: dict, group_id: str):
    """The budget of a group for a year: allocated, claimed, approved, remaining, and its expense claims."""
    views = service().views
    year = query.get("year") or views.require_group(group_id).year
    budget = _found(views.budget(group_id, year), "budget of group", f"{group_id} for {year}")
    return {**budget, "expenses": views.expenses(group_id, year)}


@funding.get("/budgets")
@funding.arguments(s.BudgetsQuery, location="query")
@funding.response(200, s.BudgetList)
@problem_responses(funding, *AUTH, 422, s422="`year` is missing or not in 2020–2100")
def list_budgets(query: dict):
    """The budgets of a program year (staff), each as `GET /groups/{id}/budget` answers it without its claims:
    one call for the portal's 활동비 page instead of one per group."""
    return {"budgets": service().views.budgets(query["year"])}


@funding.post("/expenses")
@funding.arguments(s.ExpenseIn)
@funding.response(201, s.ExpenseOut)
@problem_responses(funding, *AUTH, *BODY, 409, 503, s409=UNKNOWN_GROUP[:-5])
@header_parameters(funding, IDEMPOTENCY_KEY)
def claim_expense(body: dict):
    """Claim an expense against the budget of the year of its date (422 over the remaining budget).
    Emits `ExpenseClaimed`."""
    return expense_out(*dispatch(c.ClaimExpense(**body)))


@funding.post("/expenses/<expense_id>/approve")
@funding.response(200, s.ExpenseOut)
@problem_responses(funding, *AUTH, 404, 409, 412, 503, s409="the claim was rejected")
@header_parameters(funding, IDEMPOTENCY_KEY, IF_MATCH)
def approve_expense(expense_id: str):
    """Approve a claim (approving again changes nothing; a rejected claim → 409). Emits `ExpenseApproved`."""
    return expense_out(*dispatch(c.ApproveExpense(expense_id)))


@funding.post("/expenses/<expense_id>/reject")
@funding.arguments(s.RejectIn)
@funding.response(200, s.ExpenseOut)
@problem_responses(funding, *AUTH, *BODY, 404, 409, 412, 503, s409="the claim was approved")
@header_parameters(funding, IDEMPOTENCY_KEY, IF_MATCH)
def reject_expense(body: dict, expense_id: str):
    """Reject a claim with a reason; its amount returns to the remaining budget. Emits `ExpenseRejected`."""
    return expense_out(*dispatch(c.RejectExpense(expense_id, **body)))


@funding.get("/expenses")
@funding.arguments(s.ExpenseQuery, location="query")
@funding.response(200, s.ExpenseList)
@problem_responses(funding, *AUTH, 422, s422="no filter (give group_id, year or status), or a bad parameter")
def list_expenses(query: dict):
    """Expense claims with their `document_ids` (staff): the claims queue is `?status=claimed&year=`. At least
    one filter; `limit` claims a page (default 100), the next page with `cursor` = `next_cursor`."""
    limit, cursor = query.pop("limit"), query.pop("cursor", None)
    page, next_cursor = service().views.expense_page(query, limit, cursor)
    return {"expenses": page, "next_cursor": next_cursor}


@funding.get("/expenses/<expense_id>")
@funding.response(200, s.ExpenseOut)
@problem_responses(funding, *AUTH, 404)
def get_expense(expense_id: str):
    return _found(service().views.expense(expense_id), "expense", expense_id)


# --- documents -----------------------------------------------------------------------------------
def document_out(doc: dict) -> dict:
    review = doc.get("review") or {"status": "submitted", "reason": None}  # views stored before reviews existed
    filename = doc.get("filename") or ERASED  # a document an erasure named: its name was shredded with its file
    return {**doc, "filename": filename, "review": review, "content_url": f"/api/v1/documents/{doc['id']}/content"}


def _document_out(document) -> dict:
    return document_out({"id": document.id, "version": document.version, **document.view()})


@documents.post("/documents")
@documents.arguments(s.DocumentUpload, location="multipart")
@documents.response(201, s.DocumentOut)
@problem_responses(
    documents,
    *AUTH,
    409,
    413,
    415,
    422,
    503,
    s409=UNKNOWN_GROUP[:-5],
    s413="the file is larger than 10 MB",
    s415="the file is not JPEG, PNG, HEIC or PDF (by content), or the body is not multipart/form-data",
)
@header_parameters(documents, IDEMPOTENCY_KEY)
def submit_document(form: dict):
    """Submit a document as multipart/form-data: a photo or PDF straight from a phone (JPEG, PNG, HEIC, PDF by
    content; at most 10 MB → else 413; any other type → 415). Emits `DocumentSubmitted`."""
    upload = form.pop("file")
    if not hasattr(upload, "read"):
        raise RuleViolation("file must be an uploaded file", errors={"file": ["is not a file part"]})
    filename = clean_filename(upload.filename)  # the file stays in werkzeug's spooled file (on disk above 500 KB)
    return _document_out(dispatch(c.SubmitDocument(file=upload.stream, filename=filename, **form)))


@documents.post("/documents/<document_id>/accept")
@documents.response(200, s.DocumentOut)
@problem_responses(documents, *AUTH, 404, 409, 412, 503, s409="the document was already accepted or returned")
@header_parameters(documents, IDEMPOTENCY_KEY, IF_MATCH)
def accept_document(document_id: str):
    """Accept a submitted document (staff): `review.status` becomes `accepted`. Emits `DocumentAccepted`."""
    return _document_out(dispatch(c.AcceptDocument(document_id)))


@documents.post("/documents/<document_id>/return")
@documents.arguments(s.ReturnIn)
@documents.response(200, s.DocumentOut)
@problem_responses(
    documents,
    *AUTH,
    *BODY,
    404,
    409,
    412,
    503,
    s409="the document was already accepted or returned",
    s422="`reason` is missing or blank",
)
@header_parameters(documents, IDEMPOTENCY_KEY, IF_MATCH)
def return_document(body: dict, document_id: str):
    """Return a submitted document to the group with a reason (staff): `review.status` becomes `returned` and
    the document no longer counts as handed in; the group answers it by submitting a new file for the same
    requirement (same kind, session or claim). Emits `DocumentReturned`."""
    return _document_out(dispatch(c.ReturnDocument(document_id, **body)))


@documents.get("/documents/<document_id>")
@documents.response(200, s.DocumentOut)
@problem_responses(documents, *AUTH, 404)
def get_document(document_id: str):
    return document_out(_found(service().views.document(document_id), "document", document_id))


@documents.get("/documents/<document_id>/content")
@documents.arguments(s.ContentQuery, location="query")
@documents.doc(
    responses={
        "200": {
            "description": "the file as submitted, with the content type detected from its "
            "bytes (never the client's claim)",
            "content": {t: {} for t in ("image/jpeg", "image/png", "image/heic", "application/pdf")},
        }
    }
)
@problem_responses(documents, *AUTH, 404, 422)
def document_content(query: dict, document_id: str):
    """The file, `inline` so that a browser previews images and PDFs (`?download=true`: as an attachment).
    Only JPEG, PNG, HEIC and PDF are ever stored (by their bytes); sent with `X-Content-Type-Options: nosniff`.
    Every read, preview or download, leaves an access record (`GET /api/v1/access-records` on registration)."""
    doc = _found(service().views.document(document_id), "document", document_id)
    record_read(document_id, doc["group_id"])
    response = Response(service().files.read(document_id), mimetype=doc["content_type"])
    disposition = "attachment" if query.get("download") else "inline"
    response.headers["Content-Disposition"] = content_disposition(doc["filename"], disposition)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@documents.get("/groups/<group_id>/documents")
@documents.arguments(s.MissingQuery, location="query")
@documents.response(200, s.DocumentList)
@problem_responses(documents, *AUTH, 422)
def list_documents(query: dict, group_id: str):
    """The documents a group submitted, optionally of one year."""
    return {"documents": [document_out(d) for d in service().views.documents(group_id, query.get("year"))]}


@documents.get("/groups/<group_id>/documents/missing")
@documents.arguments(s.MissingQuery, location="query")
@documents.response(200, s.MissingOut)
@problem_responses(documents, *AUTH, 409, 422, s409=UNKNOWN_GROUP[:-5])
def missing(query: dict, group_id: str):
    """What the group still owes for a year: an activity plan, a result report per held special session,
    a receipt per expense claim that was not rejected."""
    views = service().views
    year = query.get("year") or views.require_group(group_id).year
    special = [x for x in views.sessions(group_id, year) if x["kind"] == "special"]
    owed = missing_documents(year, special, views.expenses(group_id, year), views.documents(group_id, year))
    return {"group_id": group_id, "year": year, "complete": not owed, "missing": owed}
