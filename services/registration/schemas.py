"""Request and response bodies of registration. Unknown fields are rejected (marshmallow's default RAISE)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from jajo.center import CENTER
from jajo.fields import IsoDate, Text, Timestamp
from services.registration.domain import MAX_CHILD_AGE, NAME_LENGTH, SERVED_DISTRICT, name_problems

PHONE = r"^\+?[0-9(][0-9 ()\-]{5,22}[0-9]$"
NOT_BLANK = validate.Regexp(r"\S", error="must not be blank")


def date_out(description: str, **options) -> fields.String:
    """A `YYYY-MM-DD` date the views already hold as text (MongoDB stores no plain dates)."""
    return fields.String(metadata={"format": "date", "description": description}, **options)


# --- groups ----------------------------------------------------------------------------------------------------


def group_name(name: str) -> None:
    """The domain's group-name rule (domain.name_problems), asked here so that one 422 names every bad field."""
    if problems := name_problems(name):
        raise ValidationError(problems)


class GroupIn(Schema):
    name = Text(
        required=True,
        validate=group_name,
        metadata={
            "description": f"the group's name, {NAME_LENGTH[0]}–{NAME_LENGTH[1]} characters, not blank",
            "example": "햇살 놀이 모임",
            # the rule in the OpenAPI document (a function validator documents nothing by itself)
            "minLength": NAME_LENGTH[0],
            "maxLength": NAME_LENGTH[1],
            "pattern": NOT_BLANK.regex.pattern,
        },
    )
    year = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(CENTER.first_year, CENTER.last_year),
        metadata={
            "description": f"the program year the group belongs to, {CENTER.first_year}–{CENTER.last_year}",
            "example": 2026,
        },
    )
    theme = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "optional theme, at most 200 characters", "example": "숲 놀이"},
    )
    description = Text(
        multiline=True,
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "optional description, at most 2,000 characters"},
    )


class ChildOut(Schema):
    id = fields.String(required=True, metadata={"description": "the child's id (used by activity's attendance)"})
    name = fields.String(
        allow_none=True, metadata={"description": "the child's name, if given; `(삭제됨)` once erased"}
    )
    birth_date = date_out("YYYY-MM-DD; null once the member is erased", required=True, allow_none=True)


class ConsentOut(Schema):
    notice_version = fields.String(required=True, metadata={"description": "the privacy notice version consented to"})
    given_at = fields.String(required=True, metadata={"format": "date-time", "description": "RFC 3339"})
    items = fields.List(fields.String(), required=True, metadata={"description": "the consented items"})
    children = fields.List(fields.String(), required=True, metadata={"description": "the consented children's ids"})


class MemberOut(Schema):
    id = fields.String(required=True, metadata={"description": "the member id (a guardian in this group)"})
    group_id = fields.String(required=True)
    guardian_name = fields.String(required=True, metadata={"description": "`(삭제됨)` once the member is erased"})
    district = fields.String(required=True, metadata={"description": f"always `{SERVED_DISTRICT}`"})
    phone = fields.String(allow_none=True)
    joined_on = date_out("the join date (the center's day in Seoul)", required=True)
    left_on = date_out("the day the member left; null while current", allow_none=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["current", "left", "erased"]),
        metadata={"description": "`left` and `erased` members stay in the history"},
    )
    erased_on = date_out("the day the member's personal data was erased; null otherwise", allow_none=True)
    children = fields.List(
        fields.Nested(ChildOut), required=True, metadata={"description": "the children, in the order they were sent"}
    )
    consent = fields.Nested(
        ConsentOut,
        allow_none=True,
        metadata={
            "description": "the consent recorded with the join (null for members who joined before consent was asked)"
        },
    )
    version = fields.Integer(
        required=True,
        metadata={"description": "the group's version (members live inside the group aggregate); use it in If-Match"},
    )


class EraseIn(Schema):
    reason = Text(
        required=True,
        multiline=True,
        validate=validate.Length(max=500),
        metadata={
            "description": "why (e.g. 보호자의 삭제 요구, 보유기간 경과), at most 500 characters, not blank; "
            "kept in the audit history, so it must not name the person",
            "example": "보호자의 삭제 요구 (개인정보 보호법 제36조)",
        },
    )
    documents = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="must be a document id")),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={
            "description": "ids of the group's documents (activity) that the center's review found naming the "
            "person: activity deletes their files; documents of other groups are left alone"
        },
    )


class ExportedMember(MemberOut):
    class Meta:
        exclude = ("version",)


class PersonalData(Schema):
    member = fields.Nested("ExportedMember", required=True)
    group = fields.Dict(required=True, metadata={"description": "`{id, name, year}`"})
    events = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict()),
        required=True,
        metadata={"description": "CloudEvents envelopes about the member, personal fields opened, by service"},
    )
    documents = fields.List(fields.String(), required=True, metadata={"description": "ids of documents they sent"})
    generated_at = fields.String(required=True, metadata={"format": "date-time"})


class GroupMemberOut(MemberOut):
    class Meta:
        exclude = ("group_id", "version")


class GroupSummary(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the aggregate's event count"})
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    theme = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["formed", "approved", "closed"]),
        metadata={"description": "formed → approved → closed"},
    )
    member_count = fields.Integer(required=True, metadata={"description": "current members (guardians)"})
    children_count = fields.Integer(required=True, metadata={"description": "children of the current members"})


class GroupOut(GroupSummary):
    members = fields.List(
        fields.Nested(GroupMemberOut),
        required=True,
        metadata={
            "description": "current members with their children, in join order (members who left are not listed)"
        },
    )


class GroupQuery(Schema):
    year = fields.Integer(
        validate=validate.Range(CENTER.first_year, CENTER.last_year),
        metadata={"description": "only groups of this program year; all groups when absent"},
    )


class GroupList(Schema):
    groups = fields.List(
        fields.Nested(GroupSummary),
        required=True,
        metadata={"description": "ordered by name, then id"},
    )


# --- members ---------------------------------------------------------------------------------------------------


class ChildIn(Schema):
    name = Text(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(1, 100), NOT_BLANK],
        metadata={"description": "optional name, 1–100 characters", "example": "김하늘"},
    )
    birth_date = IsoDate(
        required=True,
        metadata={
            "description": f"YYYY-MM-DD; not in the future and the child is younger than {MAX_CHILD_AGE} "
            "(만 나이) on the join date, else 422 naming `children.<index>.birth_date`",
            "example": "2022-05-14",
        },
    )


class ConsentIn(Schema):
    notice_version = fields.String(
        required=True,
        validate=[validate.Length(1, 50), NOT_BLANK],
        metadata={
            "description": "the version of the privacy notice (개인정보 수집·이용 안내) shown",
            "example": "2026-01",
        },
    )
    given_at = Timestamp(
        required=True,
        metadata={"description": "when the guardian consented (RFC 3339)", "example": "2026-03-02T10:15:00+09:00"},
    )
    items = fields.List(
        fields.String(validate=[validate.Length(1, 100), NOT_BLANK]),
        required=True,
        validate=validate.Length(1, 20),
        metadata={"description": "the consented items, 1–20", "example": ["personal_data", "children_data"]},
    )
    children = fields.List(
        fields.Integer(strict=True, validate=validate.Range(0, 19)),
        required=True,
        validate=validate.Length(0, 20),
        metadata={
            "description": "the children consented for, as indexes into `children` (0 = the first; their "
            "ids do not exist before the join): every child must be listed, else 422 "
            "`consent.children`",
            "example": [0],
        },
    )


class MemberIn(Schema):
    guardian_name = Text(
        required=True,
        validate=[validate.Length(1, 100), NOT_BLANK],
        metadata={"description": "the guardian's name, 1–100 characters", "example": "김보호"},
    )
    district = Text(
        required=True,
        validate=validate.Length(1, 50),
        metadata={
            "description": f"must be `{SERVED_DISTRICT}` (the center serves its own district), else 422",
            "example": SERVED_DISTRICT,
        },
    )
    phone = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(PHONE, error="not a phone number"),
        metadata={
            "description": "optional phone: digits with optional `+`, spaces, dashes or parentheses. A guardian "
            "with the same name and phone as a current member of the group → 409",
            "example": "010-1234-5678",
        },
    )
    children = fields.List(
        fields.Nested(ChildIn),
        required=True,
        validate=validate.Length(1, 20),
        metadata={"description": "one to twenty children; their ids come back in this order"},
    )
    consent = fields.Nested(
        ConsentIn,
        required=True,
        metadata={"description": "the guardian's consent for themselves and every child; missing → 422 `consent`"},
    )


# --- retention -------------------------------------------------------------------------------------------------


class RetentionQuery(Schema):
    on = IsoDate(
        metadata={
            "description": "YYYY-MM-DD: what is due on that day (today in Seoul when absent), e.g. to see what the "
            "next new year will erase",
            "example": "2030-01-01",
        },
    )


class DueGroupOut(Schema):
    group_id = fields.String(required=True, metadata={"description": "a closed group whose retention period ended"})
    year = fields.Integer(required=True, metadata={"description": "the group's program year"})
    retained_until = date_out(
        f"the last day its members' personal data was kept: 31 December of year + {CENTER.retention_years}",
        required=True,
    )
    member_ids = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "its members not yet erased (current and former), in join order"},
    )


class RetentionDue(Schema):
    on = date_out("the day judged", required=True)
    retention_years = fields.Integer(
        required=True,
        metadata={"description": "the center's retention period in years after the program year (jajo/center.toml)"},
    )
    groups = fields.List(
        fields.Nested(DueGroupOut), required=True, metadata={"description": "oldest program year first"}
    )


# --- access records ----------------------------------------------------------------------------------------------


class AccessRecordQuery(Schema):
    subject = fields.String(
        validate=validate.Length(1, 300), metadata={"description": "records naming this id (a group, member, document)"}
    )
    actor = fields.String(
        validate=validate.Regexp(r"^[a-z]{1,20}:[^\s,]{1,200}$", error="must be <role>:<name>, e.g. staff:kim"),
        metadata={"description": "records of this actor, `<role>:<name>` as events record it"},
    )
    since = Timestamp(metadata={"description": "records at or after this (RFC 3339 with an offset)"})
    until = Timestamp(metadata={"description": "records at or before this (RFC 3339 with an offset)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    cursor = fields.String(
        validate=validate.Regexp(r"^\d{20}-[0-9a-f]{12}$", error="not a cursor returned by this API"),
        metadata={"description": "`next_cursor` of the previous page"},
    )


class AccessRecord(Schema):
    id = fields.String(required=True)
    at = fields.String(required=True, metadata={"format": "date-time", "description": "when it was read (UTC)"})
    actor = fields.String(required=True, metadata={"description": "who read: `<role>:<name>` as on events"})
    actorvia = fields.String(
        allow_none=True, required=True, metadata={"description": "`portal:<token name>` when a portal acted"}
    )
    method = fields.String(required=True)
    route = fields.String(required=True, metadata={"description": "the URL rule, e.g. `/api/v1/groups/<group_id>`"})
    path = fields.String(required=True, metadata={"description": "the path read (it holds ids only)"})
    subjects = fields.List(
        fields.String(), required=True, metadata={"description": "ids of the groups, members, documents shown"}
    )


class AccessRecordPage(Schema):
    records = fields.List(fields.Nested(AccessRecord), required=True, metadata={"description": "oldest first"})
    next_cursor = fields.String(allow_none=True, required=True, metadata={"description": "null on the last page"})
