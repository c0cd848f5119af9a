"""Registration's HTTP blueprint."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import RAISE

from jajo.center import CENTER
from jajo.access import record_read
from jajo.errors import NotFound
from jajo.http.app import dispatch, service
from jajo.http.auth import require_staff
from jajo.http.schemas import IDEMPOTENCY_KEY, IF_MATCH, header_parameters, problem_responses
from services.registration.commands import (
    ApproveGroup,
    CloseGroup,
    EraseMember,
    FormGroup,
    JoinGroup,
    LeaveGroup,
    NewChild,
)
from services.registration import personal_data as export
from services.registration.domain import GivenConsent, Group, Member
from services.registration.events import CATALOGUE
from services.registration.views import read_group, read_group_history
from services.registration.schemas import (
    AccessRecordPage,
    AccessRecordQuery,
    EraseIn,
    GroupIn,
    GroupList,
    GroupOut,
    GroupQuery,
    MemberIn,
    MemberOut,
    PersonalData,
    RetentionDue,
    RetentionQuery,
)

blp = Blueprint("groups", __name__, description="Self-help groups (자조모임) and their members")
records = Blueprint("access", __name__, description="Who read whose personal data, in every service (staff only)")
BLUEPRINTS = [blp, records]

AUTH = (401, 403)
BODY = (400, 415, 422)


def group_view(group: Group) -> dict:
    return {"id": group.id, "version": group.version, **group.view()}


def member_view(group: Group, member: Member) -> dict:
    return {**member.view(), "group_id": group.id, "version": group.version}


@blp.post("/groups")
@blp.arguments(GroupIn)
@blp.response(201, GroupOut, headers={"Location": {"schema": {"type": "string"}}})
@problem_responses(blp, *AUTH, *BODY, 503)
@header_parameters(blp, IDEMPOTENCY_KEY)
def form_group(body: dict):
    """Form a group

    The new group has `status: formed` and `version: 1`. Emits `GroupFormed`.
    """
    group = dispatch(FormGroup(**body))
    return group_view(group), {"Location": f"/api/v1/groups/{group.id}"}


@blp.post("/groups/<group_id>/approve")
@blp.response(200, GroupOut)
@problem_responses(
    blp,
    *AUTH,
    404,
    409,
    412,
    422,
    503,
    s409="the group is closed",
    s422="an `Idempotency-Key` was reused with a different request",
)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def approve_group(group_id: str):
    """Approve a group

    formed → approved. Emits `GroupApproved`. Approving an approved group again changes nothing and emits
    nothing (200, same version). A closed group cannot be approved (409).
    """
    return group_view(dispatch(ApproveGroup(group_id)))


@blp.post("/groups/<group_id>/close")
@blp.response(200, GroupOut)
@problem_responses(blp, *AUTH, 404, 412, 422, 503, s422="an `Idempotency-Key` was reused with a different request")
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def close_group(group_id: str):
    """Close a group

    A closed group takes no more members (409) and cannot be approved again (409). Emits `GroupClosed`;
    closing a closed group again changes nothing and emits nothing.
    """
    return group_view(dispatch(CloseGroup(group_id)))


@blp.post("/groups/<group_id>/members")
@blp.arguments(MemberIn)
@blp.response(201, MemberOut, headers={"Location": {"schema": {"type": "string"}}})
@problem_responses(
    blp,
    *AUTH,
    *BODY,
    404,
    409,
    412,
    503,
    s409="the group is closed, or a guardian with the same name and phone is already a current member",
    s422=f"the body breaks the schema or a rule, naming the field: `district` is not {CENTER.district}; "
    f"`children.<i>.birth_date` is in the future or the child is not younger than {CENTER.max_child_age} "
    "on the join date; "
    "`children` is empty; `consent` is missing or does not cover every child (`consent.children`); "
    "or an `Idempotency-Key` was reused with a different request",
)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def join_group(body: dict, group_id: str):
    """A guardian joins the group with their children

    The join date is today (the center's day in Seoul). Rules: `district` is the center's district; every child
    is younger than the center's age limit (만 나이) on the join date (both named in the 422 answer below);
    no birth date in the future; at least one child; the group is not closed
    (409); a guardian with the same name and phone is not already a current member (409). Children ids come
    back in input order. `version` is the group's version (members live inside the group). Emits
    `MemberJoined`, personal data only under `data.personal`, the consent under `data.consent`. Without
    consent for the guardian (`consent`) and every child (`consent.children` lists every child's index) → 422.
    """
    children = tuple(NewChild(child["birth_date"], child["name"]) for child in body.pop("children"))
    given = body.pop("consent")
    consent = GivenConsent(
        given["notice_version"], given["given_at"].isoformat(), tuple(given["items"]), tuple(given["children"])
    )
    group, member = dispatch(JoinGroup(group_id=group_id, children=children, consent=consent, **body))
    return member_view(group, member), {"Location": f"/api/v1/groups/{group_id}/members/{member.id}"}


@blp.delete("/groups/<group_id>/members/<member_id>")
@blp.response(200, MemberOut)
@problem_responses(blp, *AUTH, 404, 412, 503)
@header_parameters(blp, IF_MATCH)
def leave_group(group_id: str, member_id: str):
    """A member leaves the group

    The member gets `status: left` and `left_on` today, and stays in the group's history. Emits `MemberLeft`.
    Removing a member who already left changes nothing and emits nothing.
    """
    group, member = dispatch(LeaveGroup(group_id, member_id))
    return member_view(group, member)


@blp.post("/groups/<group_id>/members/<member_id>/erase")
@blp.arguments(EraseIn)
@blp.response(200, MemberOut)
@problem_responses(
    blp,
    *AUTH,
    *BODY,
    404,
    412,
    503,
    s422="`reason` is missing or blank, or an `Idempotency-Key` was reused with a different request",
)
@header_parameters(blp, IDEMPOTENCY_KEY, IF_MATCH)
def erase_member(body: dict, group_id: str, member_id: str):
    """Erase a member's personal data (개인정보 삭제, 개인정보 보호법 제36조·제21조) — staff only

    Destroys the member's data key and records `MemberErased` (no personal data in it) in one transaction:
    every stored copy of the member's personal block (event stores, topics, the audit history) is sealed under
    that key and no longer opens. The member gets `status: erased` and `erased_on` today, leaves the group's
    current members, and reads `(삭제됨)` everywhere; every report's counts stay as they were. Erasing an
    erased member again changes nothing and emits nothing.
    """
    group, member = dispatch(EraseMember(group_id, member_id, body["reason"], tuple(body["documents"])))
    return member_view(group, member)


@blp.get("/groups")
@blp.arguments(GroupQuery, location="query", unknown=RAISE)
@blp.response(200, GroupList)
@problem_responses(
    blp,
    *AUTH,
    422,
    503,
    s422=f"`year` is not an integer in {CENTER.first_year}–{CENTER.last_year}, or an unknown parameter",
)
def list_groups(query: dict):
    """List groups

    The groups of a program year (all when `year` is absent) with their counts of current members and
    children, ordered by name.
    """
    return {"groups": service().views.groups(query.get("year"))}


@blp.get("/groups/<group_id>")
@blp.response(200, GroupOut)
@problem_responses(blp, *AUTH, 404, 503)
def get_group(group_id: str):
    """One group

    The group with its current members and their children (members who left are in the history only).
    """
    view = service().views.group(group_id)
    if view is None:
        raise NotFound(f"group {group_id} does not exist")
    record_read(group_id, *(person for member in view["members"] for person in _people(member)))
    return view


@blp.get("/groups/<group_id>/members/<member_id>")
@blp.response(200, MemberOut)
@problem_responses(blp, *AUTH, 404, 503)
def get_member(group_id: str, member_id: str):
    """One member

    A member of the group, current or former (rebuilt from the group's history).
    """
    group = read_group(service().store, group_id)
    shown = member_view(group, group.member(member_id))
    record_read(group_id, *_people(shown))
    return shown


@blp.get("/groups/<group_id>/members/<member_id>/personal-data")
@blp.response(200, PersonalData)
@problem_responses(blp, *AUTH, 404, 503, s503="reporting, which holds the other services' part, cannot be read")
def personal_data(group_id: str, member_id: str):
    """Everything held about a member (개인정보 열람) — staff only

    One JSON document for a guardian who asks what the center holds about them: the member as registration
    holds them (opened; `(삭제됨)` once erased), and every event about them from every service (their join,
    leave and erasure; sessions they attended, connection reports, documents they sent, survey answers), with
    personal fields opened, grouped by the service that holds them; `documents` lists the ids of the documents
    they sent (their files: `GET /api/v1/documents/{id}/content` on activity).
    """
    require_staff("only staff may export a member's personal data")
    group, history = read_group_history(service().store, group_id)
    member = group.member(member_id)
    own = [e for e in history if member_id in CATALOGUE[e["type"]].people_named(e["data"])]
    others = export.elsewhere(service().settings.reporting_url, member_id, dict(request.headers))
    held = export.document(group, member, own, others)
    record_read(group_id, *_people(held["member"]))
    return held


@blp.get("/retention/due")
@blp.arguments(RetentionQuery, location="query", unknown=RAISE)
@blp.response(200, RetentionDue)
@problem_responses(blp, *AUTH, 422, 503, s422="`on` is not a date (YYYY-MM-DD), or an unknown parameter")
def retention_due(query: dict):
    """Members due for erasure (보유기간 경과) — staff only

    The closed groups whose retention period has ended (개인정보 보호법 제21조: personal data of a group of program
    year Y is kept until 31 December Y + `retention_years`), each with the ids of its members not yet erased,
    current and former. Ids only, never names. The registration worker erases them on start and then daily
    (`EraseMember`, actor `system`, reason `보유기간 경과 (개인정보 보호법 제21조)`); groups still open are never due.
    """
    retention = service().retention
    on = query.get("on") or retention.clock()
    due = retention.due(on)
    return {
        "on": on.isoformat(),
        "retention_years": retention.center.retention_years,
        "groups": [group.view() for group in due],
    }


def _people(member: dict) -> list[str]:
    """The ids of the people a member's view shows: the guardian and the children."""
    return [member["id"], *(child["id"] for child in member["children"])]


# --- who read what ---------------------------------------------------------------------------------------------
@records.get("/access-records")
@records.arguments(AccessRecordQuery, location="query", unknown=RAISE)
@records.response(200, AccessRecordPage)
@problem_responses(records, *AUTH, 422, 503, s403="not staff (viewers, guardians and a portal acting for nobody)")
def access_records(query: dict):
    """Who read whose personal data (staff only)

    Every read of personal data in any service leaves a record (jajo/access.py): registration's group and member,
    activity's document contents, reporting's audit with `personal=true`. A record holds who (`actor`, `actorvia`),
    when (`at`), the request (`method`, the URL rule as `route`, the `path`, which has ids only) and the ids of the
    people, groups and documents it showed (`subjects`), never the values read. Oldest first; page with
    `next_cursor`. `subject`: records naming that id; `actor`: that `<role>:<name>`; `since`/`until`: by `at`.
    """
    require_staff("only staff may read the access records")
    found, cursor = service().access.page(
        query["limit"],
        query.get("cursor"),
        **{name: query.get(name) for name in ("subject", "actor", "since", "until")},
    )
    return {"records": found, "next_cursor": cursor}
