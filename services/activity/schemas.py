from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from jajo.center import CENTER
from jajo.fields import ClockTime, IsoDate, Text
from services.program.rules import CONNECTION_STATUSES
from services.program.schemas import OwedDocument
from services.activity.domain import DOCUMENT_KINDS, KINDS, MAX_SERIES, VENUES, CENTER_SPACES

MAX_KRW = 1_000_000_000
Id = validate.Length(1, 64)
Year = validate.Range(CENTER.first_year, CENTER.last_year)


def _id(description: str, **kwargs) -> fields.String:
    return fields.String(validate=Id, metadata={"description": description}, **kwargs)


def _krw(description: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_KRW),
        metadata={"description": f"{description}; whole KRW, 1 to {MAX_KRW:,}"},
    )


class _Slot(Schema):
    group_id = _id(
        "an approved, open group as activity knows it from registration's events (409 + Retry-After while unknown)",
        required=True,
    )
    start = ClockTime(required=True, metadata={"description": "HH:MM; inside the space's opening hours"})
    end = ClockTime(required=True, metadata={"description": "HH:MM, after start"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={"description": "regular, special (특별활동) or online (온라인 간담회)"},
    )
    venue = fields.String(
        required=True,
        validate=validate.OneOf(VENUES),
        metadata={
            "description": f"a center space ({', '.join(CENTER_SPACES)}), external or online; online ⇔ kind online"
        },
    )
    title = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    meeting_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=500), validate.URL(schemes={"https"}, error="must be an https:// URL")],
        metadata={
            "description": "kind online only (else 422): the meeting link, https only",
            "example": "https://meet.example.kr/jajo-0512",
        },
    )
    dial_in = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={
            "description": "kind online only (else 422): a phone dial-in for those who cannot join by video",
            "example": "02-1234-5678 (회의 ID 123 456)",
        },
    )


class SessionIn(_Slot):
    date = IsoDate(required=True, metadata={"description": "YYYY-MM-DD"})


class SeriesIn(_Slot):
    first_date = IsoDate(required=True, metadata={"description": "the first session's date"})
    frequency = fields.String(
        required=True,
        validate=validate.OneOf(["weekly", "monthly"]),
        metadata={
            "description": "weekly: same weekday; monthly: same day of the month (the last day in shorter months)"
        },
    )
    interval = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(1, 12), metadata={"description": "every n weeks or months"}
    )
    count = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_SERIES),
        metadata={"description": f"number of sessions (1–{MAX_SERIES}); give count or until"},
    )
    until = IsoDate(metadata={"description": "last possible date (inclusive); give count or until"})

    @validates_schema
    def _count_or_until(self, data: dict, **kwargs) -> None:
        if ("count" in data) == ("until" in data):
            raise ValidationError("give exactly one of count and until", field_name="count")


class AttendanceIn(Schema):
    guardians = fields.List(
        fields.String(validate=Id),
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "member ids of the attending guardians: current members, no duplicates"},
    )
    children = fields.List(
        fields.String(validate=Id),
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "child ids of attending children of current members, no duplicates"},
    )
    notes = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=2000))


class CancelIn(Schema):
    reason = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=500))


class SessionConnection(Schema):
    member_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CONNECTION_STATUSES))
    note = fields.String(allow_none=True)
    report_no = fields.Integer(
        required=True,
        metadata={"description": "1 for the guardian's first report on this session, 2 when it replaced one, …"},
    )


class SessionOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the aggregate's event count"})
    group_id = fields.String(required=True)
    year = fields.Integer(required=True)
    date = fields.String(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    kind = fields.String(required=True)
    venue = fields.String(required=True)
    title = fields.String(allow_none=True)
    series_id = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["scheduled", "held", "cancelled"]))
    guardian_ids = fields.List(fields.String())
    child_ids = fields.List(fields.String())
    parents = fields.Integer(metadata={"description": "attending guardians, derived from guardian_ids"})
    children = fields.Integer(metadata={"description": "attending children, derived from child_ids"})
    notes = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it was cancelled"})
    meeting_url = fields.String(allow_none=True, metadata={"description": "online sessions: the meeting link"})
    dial_in = fields.String(allow_none=True, metadata={"description": "online sessions: the phone dial-in"})
    connections = fields.List(
        fields.Nested(SessionConnection),
        metadata={"description": "held online sessions: each guardian's latest connection report"},
    )


class ConnectionIn(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(CONNECTION_STATUSES),
        metadata={
            "description": "ok (잘 됨), audio (소리 문제), video (화면 문제), dropped (끊김), could_not_join (접속 못 함)"
        },
    )
    note = Text(
        multiline=True,
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "optional, at most 500 characters"},
    )
    member_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=Id,
        metadata={
            "description": "staff recording for a guardian: that guardian's member id (required then, else 422); a "
            "guardian reports for itself and may leave it out (another member id → 403)"
        },
    )


class ConnectionOut(SessionConnection):
    session_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the session's version"})


class SessionQuery(Schema):
    group_id = fields.String(validate=Id)
    year = fields.Integer(validate=Year)


class SessionList(Schema):
    sessions = fields.List(fields.Nested(SessionOut), required=True)


class SeriesConflict(Schema):
    date = fields.String(required=True)
    detail = fields.String(required=True)


class SeriesOut(Schema):
    series_id = fields.String(required=True)
    booked = fields.List(fields.Nested(SessionOut), required=True)
    conflicts = fields.List(
        fields.Nested(SeriesConflict), required=True, metadata={"description": "the dates not booked and why"}
    )


class SpaceOut(Schema):
    name = fields.String(required=True)
    capacity = fields.Integer(required=True, metadata={"description": "people the space holds"})
    opens = fields.String(required=True)
    closes = fields.String(required=True)


class SpaceList(Schema):
    spaces = fields.List(fields.Nested(SpaceOut), required=True)


class BookingQuery(Schema):
    date = IsoDate(required=True, metadata={"description": "YYYY-MM-DD"})


class Booking(Schema):
    session_id = fields.String(required=True)
    group_id = fields.String(allow_none=True)
    start = fields.String(required=True)
    end = fields.String(required=True)


class BookingsOut(Schema):
    space = fields.String(required=True)
    date = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the space-day's event count"})
    opens = fields.String(required=True)
    closes = fields.String(required=True)
    capacity = fields.Integer(required=True)
    bookings = fields.List(fields.Nested(Booking), required=True, metadata={"description": "live sessions, by start"})


class BudgetIn(Schema):
    year = fields.Integer(required=True, strict=True, validate=Year, metadata={"description": "the group's year"})
    amount = _krw("added to the year's budget (a further allocation raises it)")


class BudgetQuery(Schema):
    year = fields.Integer(validate=Year, metadata={"description": "defaults to the group's year"})


class ExpenseIn(Schema):
    group_id = _id("the group claiming", required=True)
    session_id = _id("the session the money was spent for (of the same group)", load_default=None, allow_none=True)
    date = IsoDate(required=True, metadata={"description": "when it was spent; its year picks the budget"})
    amount = _krw("claimed; at most the remaining budget")
    category = Text(
        required=True, validate=validate.Length(1, 50), metadata={"description": "e.g. 재료비, 간식비, 강사비"}
    )
    description = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=2000))
    document_ids = fields.List(
        fields.String(validate=Id),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "documents of the same group (e.g. the receipt)"},
    )


class RejectIn(Schema):
    reason = Text(multiline=True, required=True, validate=validate.Length(1, 500))


class ExpenseOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the version of the budget it belongs to"})
    budget_id = fields.String(required=True)
    group_id = fields.String(required=True)
    year = fields.Integer(required=True)
    session_id = fields.String(allow_none=True)
    date = fields.String(required=True)
    amount = fields.Integer(required=True)
    category = fields.String(required=True)
    description = fields.String(allow_none=True)
    document_ids = fields.List(fields.String())
    status = fields.String(required=True, validate=validate.OneOf(["claimed", "approved", "rejected"]))
    reason = fields.String(allow_none=True)


class BudgetsQuery(Schema):
    year = fields.Integer(required=True, validate=Year, metadata={"description": "the program year"})


class ExpenseQuery(Schema):
    group_id = fields.String(validate=Id, metadata={"description": "only this group's claims"})
    year = fields.Integer(validate=Year, metadata={"description": "only claims of this program year"})
    status = fields.String(
        validate=validate.OneOf(["claimed", "approved", "rejected"]),
        metadata={"description": "`claimed` = waiting for a decision (the claims queue)"},
    )
    limit = fields.Integer(
        load_default=100, validate=validate.Range(1, 500), metadata={"description": "claims per page, 1–500"}
    )
    cursor = fields.String(
        validate=validate.Length(1, 200), metadata={"description": "the `next_cursor` of the previous page"}
    )

    @validates_schema
    def _some_filter(self, data, **kwargs):
        if not {"group_id", "year", "status"} & set(data):
            raise ValidationError("give group_id, year or status", field_name="year")


class ExpenseList(Schema):
    expenses = fields.List(
        fields.Nested(ExpenseOut),
        required=True,
        metadata={"description": "ordered by date, then id, with their `document_ids`"},
    )
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class BudgetTotals(Schema):
    id = fields.String(required=True, metadata={"description": "budget:<group_id>:<year>"})
    version = fields.Integer(required=True)
    group_id = fields.String(required=True)
    year = fields.Integer(required=True)
    allocated = fields.Integer(required=True)
    claimed = fields.Integer(required=True, metadata={"description": "every claim, rejected ones too"})
    approved = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    remaining = fields.Integer(required=True, metadata={"description": "allocated minus claims not rejected"})


class BudgetOut(BudgetTotals):
    expenses = fields.List(fields.Nested(ExpenseOut))


class DocumentUpload(Schema):
    file = Upload(required=True, metadata={"description": "JPEG, PNG, HEIC or PDF (checked by content), at most 10 MB"})
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    group_id = _id("the group submitting", required=True)
    session_id = _id("a session of the group (a result report names its session)", load_default=None)
    expense_id = _id("an expense claim of the group (a receipt names its claim)", load_default=None)


class ContentQuery(Schema):
    download = fields.Boolean(
        load_default=False,
        metadata={"description": "true: `Content-Disposition: attachment` (download); default `inline` (preview)"},
    )


class ReviewOut(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(["submitted", "accepted", "returned"]),
        metadata={
            "description": "`submitted` until staff accept or return it; a `returned` document no longer counts as "
            "handed in (a new file for the same requirement answers it)"
        },
    )
    reason = fields.String(allow_none=True, metadata={"description": "why it was returned"})


class ReturnIn(Schema):
    reason = Text(
        multiline=True,
        required=True,
        validate=validate.Length(1, 500),
        metadata={"description": "why the document goes back to the group, 1–500 characters"},
    )


class DocumentOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    group_id = fields.String(required=True)
    year = fields.Integer(required=True)
    kind = fields.String(required=True)
    session_id = fields.String(allow_none=True)
    expense_id = fields.String(allow_none=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    content_url = fields.String(required=True)
    review = fields.Nested(ReviewOut, required=True, metadata={"description": "the center's review of the document"})


class DocumentList(Schema):
    documents = fields.List(fields.Nested(DocumentOut), required=True)


class MissingQuery(Schema):
    year = fields.Integer(validate=Year, metadata={"description": "defaults to the group's year"})


class MissingOut(Schema):
    group_id = fields.String(required=True)
    year = fields.Integer(required=True)
    complete = fields.Boolean(required=True)
    missing = fields.List(fields.Nested(OwedDocument), required=True)


class BudgetList(Schema):
    budgets = fields.List(
        fields.Nested(BudgetTotals),
        required=True,
        metadata={
            "description": "one per group with a budget that year, ordered by group id; their claims: `GET /expenses`"
        },
    )
