from marshmallow import RAISE, Schema, fields, validate

from jajo.fields import Timestamp
from services.program.schemas import OwedDocument
from services.reporting.projection import EVENT_TYPES

SCORE100 = "the 100-point conversion of the mean: score100 = (mean − 1) / 4 × 100 (0 when there are no responses)"


class EventList(Schema):
    events = fields.List(fields.Dict(), required=True, metadata={"description": "CloudEvents 1.0 envelopes"})


class Query(Schema):
    """Query strings reject unknown parameters like bodies do."""

    class Meta:
        unknown = RAISE


class AsOfQuery(Query):
    as_of = Timestamp(
        metadata={
            "description": "RFC 3339 timestamp with offset: the report as the recorded events stood at that "
            "moment (events whose envelope `time` is at or before it), from the audit history "
            "(snapshots of the year and the events after them); omitted = the live read models"
        }
    )


class GroupCounts(Schema):
    formed = fields.Integer(required=True, metadata={"description": "groups of the year ever formed"})
    approved = fields.Integer(required=True, metadata={"description": "groups of the year approved"})
    active = fields.Integer(
        required=True, metadata={"description": "groups of the year with at least one held session"}
    )


class MemberCounts(Schema):
    guardians = fields.Integer(
        required=True, metadata={"description": "distinct guardians who ever joined the year's groups"}
    )
    children = fields.Integer(required=True, metadata={"description": "distinct children of those guardians"})


class SessionCounts(Schema):
    held = fields.Integer(required=True, metadata={"description": "held sessions dated in the year"})
    cancelled = fields.Integer(required=True)
    by_kind = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "held sessions per kind: regular, special, online"},
    )


class Participation(Schema):
    parents = fields.Integer(required=True, metadata={"description": "cumulative: attendees summed over held sessions"})
    children = fields.Integer(
        required=True, metadata={"description": "cumulative: attendees summed over held sessions"}
    )
    unique_parents = fields.Integer(required=True, metadata={"description": "distinct guardians who attended"})
    unique_children = fields.Integer(required=True, metadata={"description": "distinct children who attended"})


class Month(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM; all 12 months are listed"})
    sessions = fields.Integer(required=True)
    parents = fields.Integer(required=True)
    children = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


class Venue(Schema):
    sessions = fields.Integer(required=True, metadata={"description": "held sessions at the venue"})
    hours = fields.Float(required=True, metadata={"description": "sum of the held sessions' durations in hours"})


class Budget(Schema):
    allocated = fields.Integer(required=True, metadata={"description": "sum of the year's allocations (KRW)"})
    claimed = fields.Integer(required=True, metadata={"description": "every claim made, rejected ones too (KRW)"})
    approved = fields.Integer(required=True, metadata={"description": "approved claims (KRW)"})
    rejected = fields.Integer(required=True, metadata={"description": "rejected claims (KRW)"})


class LikertQuestion(Schema):
    id = fields.String(required=True)
    survey_id = fields.String(required=True)
    text = fields.String(allow_none=True)
    category = fields.String(allow_none=True, metadata={"description": "e.g. activity_support, operation"})
    responses = fields.Integer(required=True)
    positive = fields.Integer(required=True, metadata={"description": "answers of 4 or 5 (top-2 box)"})
    positive_rate = fields.Float(required=True, metadata={"description": "positive / responses (0–1, four decimals)"})
    mean = fields.Float(required=True, metadata={"description": "mean answer, 1–5 (four decimals)"})
    score100 = fields.Float(required=True, metadata={"description": SCORE100})
    distribution = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "answers per value 1–5"}
    )


class Satisfaction(Schema):
    questions = fields.List(
        fields.Nested(LikertQuestion),
        required=True,
        metadata={"description": "one entry per likert5 question of the year's surveys. " + SCORE100},
    )


class ConnectionCounts(Schema):
    ok = fields.Integer(required=True)
    audio = fields.Integer(required=True)
    video = fields.Integer(required=True)
    dropped = fields.Integer(required=True)
    could_not_join = fields.Integer(required=True)


class Online(Schema):
    sessions_held = fields.Integer(required=True, metadata={"description": "held online sessions (온라인 간담회)"})
    reports = fields.Integer(
        required=True, metadata={"description": "guardians' connection reports, the latest per guardian per session"}
    )
    by_status = fields.Nested(ConnectionCounts, required=True, metadata={"description": "reports by status"})
    problem_rate = fields.Float(
        required=True,
        metadata={"description": "reports other than ok / reports (0–1, four decimals); 0.0 when there are none"},
    )


class AnnualReport(Schema):
    year = fields.Integer(required=True)
    groups = fields.Nested(GroupCounts, required=True)
    members = fields.Nested(MemberCounts, required=True)
    sessions = fields.Nested(SessionCounts, required=True)
    participation = fields.Nested(Participation, required=True)
    by_month = fields.List(fields.Nested(Month), required=True)
    venues = fields.Dict(keys=fields.String(), values=fields.Nested(Venue), required=True)
    budget = fields.Nested(Budget, required=True)
    satisfaction = fields.Nested(Satisfaction, required=True)
    choices = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={"description": "question id -> option -> times chosen"},
    )
    online = fields.Nested(Online, required=True, metadata={"description": "online sessions and connection reports"})
    as_of = fields.String(required=True, metadata={"description": "RFC 3339: the moment the report describes"})


class GroupSession(Schema):
    id = fields.String(required=True)
    date = fields.String(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    kind = fields.String(required=True)
    venue = fields.String(required=True)
    title = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["scheduled", "held", "cancelled"]))
    parents = fields.Integer(required=True)
    children = fields.Integer(required=True)


class GroupExpense(Schema):
    id = fields.String(required=True)
    date = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)
    category = fields.String(allow_none=True)
    session_id = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["claimed", "approved", "rejected"]))


class GroupBudget(Budget):
    remaining = fields.Integer(required=True, metadata={"description": "allocated − claims not rejected"})


class GroupReport(Schema):
    group_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True)
    members = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "joined (ever), current (not left), children"},
    )
    attendance = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "held and cancelled sessions, cumulative parents and children"},
    )
    sessions = fields.List(fields.Nested(GroupSession), required=True)
    budget = fields.Nested(GroupBudget, required=True)
    expenses = fields.List(fields.Nested(GroupExpense), required=True)
    missing_documents = fields.List(
        fields.Nested(OwedDocument),
        required=True,
        metadata={
            "description": "an activity plan for the year, a result report per held special session, "
            "a receipt per expense claim that was not rejected"
        },
    )


class AuditQuery(Query):
    subject = fields.String(validate=validate.Length(1, 300), metadata={"description": "aggregate id"})
    type = fields.String(validate=validate.OneOf(sorted(EVENT_TYPES)))
    source = fields.String(
        validate=validate.OneOf(["/registration", "/activity", "/survey", "registration", "activity", "survey"])
    )
    since = Timestamp(metadata={"description": "events whose `time` is at or after this (RFC 3339)"})
    until = Timestamp(metadata={"description": "events whose `time` is at or before this (RFC 3339)"})
    personal = fields.Boolean(
        metadata={
            "description": "true: include `data.personal` (staff only, else 403; recorded in the access records). "
            "Default false: staff see every other field, viewers only each type's allowed fields (docs/events.md)"
        }
    )


class AuditPageQuery(AuditQuery):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    cursor = fields.String(
        validate=validate.Regexp(r"^\d{1,18}$", error="not a cursor returned by this API"),
        metadata={"description": "`next_cursor` of the previous page"},
    )


class EventPage(Schema):
    events = fields.List(fields.Dict(), required=True, metadata={"description": "CloudEvents envelopes, oldest first"})
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "null on the last page; stable under concurrent writes"},
    )


class SubjectQuery(Query):
    personal = fields.Boolean(
        metadata={"description": "true: include `data.personal` (staff only, else 403; recorded); default false"}
    )


class ConsumerMember(Schema):
    member = fields.String(required=True, metadata={"description": "`<consumer>:<i>/<n>`"})
    consumer = fields.String(allow_none=True)
    stalled = fields.Boolean(required=True, metadata={"description": "no progress for JAJO_CONSUMER_STALLED_SECONDS"})
    seconds_since_progress = fields.Float(required=True)
    last_error = fields.String(allow_none=True, metadata={"description": "the class of the last batch failure"})
    failing_since = fields.String(allow_none=True)


class ProjectionStatus(Schema):
    stalled = fields.Boolean(metadata={"description": "a projector member made no progress for a while"})
    consumers = fields.List(fields.Nested(ConsumerMember), metadata={"description": "the projector's members"})
    lag = fields.Integer(required=True, metadata={"description": "events published but not yet projected"})
    last_event_time = fields.String(
        allow_none=True, required=True, metadata={"description": "time of the latest event projected (RFC 3339)"}
    )
    dead_letters = fields.Integer(required=True)
    generation = fields.Integer(metadata={"description": "the read-model generation queries read"})
    rebuild = fields.Dict(allow_none=True, metadata={"description": "the latest rebuild's progress"})


class DeadLetter(Schema):
    id = fields.String(required=True)
    topic = fields.String()
    partition = fields.Integer()
    offset = fields.Integer()
    key = fields.String()
    value = fields.String()
    reason = fields.String()
    at = fields.DateTime()
    consumer = fields.String()


class DeadLetterQuery(Query):
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 1000))
    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 10_000_000),
        metadata={"description": "dead letters to skip, oldest first"},
    )


class DeadLetterList(Schema):
    dead_letters = fields.List(fields.Nested(DeadLetter), required=True)
    total = fields.Integer(required=True, metadata={"description": "all dead letters, beyond this page too"})


class RebuildIn(Query):
    force = fields.Boolean(load_default=False, metadata={"description": "start even if a rebuild is marked running"})


class RebuildOut(Schema):
    generation = fields.Integer(required=True)
    previous = fields.Integer(required=True)
    events = fields.Integer(required=True, metadata={"description": "audit records to replay"})
    status = fields.String(required=True)


class RedriveOut(Schema):
    dead_letters = fields.Integer(required=True, metadata={"description": "dead letters left"})
