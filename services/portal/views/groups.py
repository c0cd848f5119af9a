"""모임: groups by year; form, approve, close; a group's members and children, join and leave, its sessions,
budget and missing documents."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request

from jajo.center import CENTER
from jajo.consent import NOTICE_VERSION, consent_block
from services.portal.clients.activity import DocumentsClient, FundingClient, SessionsClient
from services.portal.clients.base import ApiError
from services.portal.clients.registration import GroupsClient
from services.portal.views.dashboard import this_year
from services.portal.web import FormErrors, flash, form_key, page_title, render, see_other, staff_only, submitted_key

blueprint = Blueprint("groups", __name__, url_prefix="/groups")
CHILD_ROWS = 3


def _list_page(year: int, values: dict | None = None, errors: FormErrors | None = None, status: int = 200):
    groups = GroupsClient().list(year)
    page = render(
        "views/groups/index.html",
        "groups",
        title=page_title("모임", errors),
        year=year,
        groups=groups,
        values=values or {"year": year},
        errors=errors or FormErrors(),
        key=form_key(),
        years=range(this_year() + 1, this_year() - 10, -1),
    )
    return page, status


@blueprint.get("/")
@staff_only
def index():
    return _list_page(request.args.get("year", type=int) or this_year())


@blueprint.post("/")
@staff_only
def form():
    values = {name: request.form.get(name, "").strip() for name in ("name", "year", "theme", "description")}
    body = {
        "name": values["name"],
        "year": int(values["year"]) if values["year"].isdigit() else values["year"],
        "theme": values["theme"] or None,
        "description": values["description"] or None,
    }
    try:
        group = GroupsClient().form(body, submitted_key())
    except ApiError as error:
        return _list_page(this_year(), values, FormErrors(error), 422)
    flash(f"‘{group['name']}’ 모임을 만들었습니다.")
    return see_other("groups.show", group_id=group["id"])


def _detail(group_id: str, values: dict | None = None, errors: FormErrors | None = None, status: int = 200):
    group = GroupsClient().get(group_id)
    documents = DocumentsClient()
    context = dict(
        group=group,
        sessions=SessionsClient().list(group_id=group_id),
        budget=FundingClient().budget(group_id),
        missing=documents.missing(group_id),
        values=values or {"district": CENTER.district},
        errors=errors or FormErrors(),
        key=form_key(),
        child_rows=range(CHILD_ROWS),
        notice_version=NOTICE_VERSION,
        links=current_app.extensions["portal"].links.of_group(group_id),
    )
    return render("views/groups/show.html", "members", title=page_title(group["name"], errors), **context), status


@blueprint.get("/<group_id>")
@staff_only
def show(group_id: str):
    return _detail(group_id)


@blueprint.post("/<group_id>/<any(approve, close):action>")
@staff_only
def change(group_id: str, action: str):
    clients = GroupsClient()
    try:
        getattr(clients, action)(group_id, submitted_key())
        flash("모임을 승인했습니다." if action == "approve" else "모임을 종료했습니다.")
    except ApiError as error:
        flash(error.message, "error")
    return see_other("groups.show", group_id=group_id)


def member_body(form) -> tuple[dict, dict]:
    """The join form → the API body (children rows left empty are skipped) and the values to show again."""
    values = {key: form.get(key, "").strip() for key in form if key not in ("csrf_token", "idempotency_key")}
    children = []
    for row in range(CHILD_ROWS):
        birth, name = values.get(f"children_{row}_birth_date", ""), values.get(f"children_{row}_name", "")
        if birth or name:
            children.append({"name": name or None, "birth_date": birth or None})
    body = {
        "guardian_name": values.get("guardian_name", ""),
        "district": values.get("district", ""),
        "phone": values.get("phone") or None,
        "children": children,
    }
    if form.get("consent") == "yes":
        body["consent"] = consent_block(len(children), given_at=datetime.now(timezone.utc).isoformat())
    return body, values


@blueprint.post("/<group_id>/members")
@staff_only
def join(group_id: str):
    body, values = member_body(request.form)
    if "consent" not in body:
        return _detail(
            group_id, values, FormErrors(consent="개인정보 수집·이용 동의를 받아야 가입할 수 있습니다."), 422
        )
    try:
        GroupsClient().join(group_id, body, submitted_key())
    except ApiError as error:
        return _detail(group_id, values, FormErrors(error), 422 if error.status < 500 else 502)
    flash(f"{body['guardian_name']} 님이 가입했습니다.")
    return see_other("groups.show", group_id=group_id)


@blueprint.post("/<group_id>/members/<member_id>/leave")
@staff_only
def leave(group_id: str, member_id: str):
    try:
        GroupsClient().leave(group_id, member_id, submitted_key())
        flash("탈퇴 처리했습니다.")
    except ApiError as error:
        flash(error.message, "error")
    return see_other("groups.show", group_id=group_id)


# ---- a member's personal data: 열람 (export) and 삭제 (erasure) ----


def _privacy(group_id: str, member_id: str, values: dict | None = None, errors: FormErrors | None = None, status=200):
    groups = GroupsClient()
    group, member = groups.get(group_id), groups.member(group_id, member_id)
    page = render(
        "views/groups/privacy.html",
        "members",
        title=page_title(f"{member['guardian_name']} 님의 개인정보", errors),
        group=group,
        member=member,
        documents=DocumentsClient().of_group(group_id) if member["status"] != "erased" else [],
        values=values or {},
        errors=errors or FormErrors(),
        key=form_key(),
    )
    return page, status


@blueprint.get("/<group_id>/members/<member_id>/privacy")
@staff_only
def privacy(group_id: str, member_id: str):
    return _privacy(group_id, member_id)


@blueprint.post("/<group_id>/members/<member_id>/erase")
@staff_only
def erase(group_id: str, member_id: str):
    reason, documents = request.form.get("reason", "").strip(), request.form.getlist("documents")
    try:
        GroupsClient().erase(group_id, member_id, reason, documents, submitted_key())
    except ApiError as error:
        status = 422 if error.status < 500 else 502
        return _privacy(group_id, member_id, {"reason": reason, "documents": documents}, FormErrors(error), status)
    flash("개인정보를 삭제했습니다. 이 회원은 이제 ‘(삭제됨)’으로 보입니다.")
    return see_other("groups.show", group_id=group_id)


@blueprint.get("/<group_id>/members/<member_id>/personal-data.json")
@staff_only
def personal_data(group_id: str, member_id: str):
    held = GroupsClient().personal_data(group_id, member_id)
    return Response(
        json.dumps(held, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="personal-data-{member_id}.json"'},
    )
