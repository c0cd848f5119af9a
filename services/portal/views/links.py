"""링크: from a group's page, staff make an invite link for the group and a personal link for each member,
see them as a QR code (made on the server) and as text to copy, and revoke them. Tokens are shown once."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for

from services.portal.clients.registration import GroupsClient
from services.portal.links import INVITE, PERSONAL, qr_svg
from services.portal.web import flash, render, see_other, staff_only

blueprint = Blueprint("links", __name__, url_prefix="/groups/<group_id>/links")


def links():
    from flask import current_app

    return current_app.extensions["portal"].links


def _member(group: dict, member_id: str) -> dict:
    member = next((m for m in group["members"] if m["id"] == member_id), None)
    if member is None:
        abort(404)
    return member


def shown_url(kind: str, token: str) -> str:
    return url_for("parents.join" if kind == INVITE else "parents.enter", token=token, _external=True)


@blueprint.post("/")
@staff_only
def create(group_id: str):
    group = GroupsClient().get(group_id)
    member_id = request.form.get("member_id") or None
    member = _member(group, member_id) if member_id else None
    kind = PERSONAL if member else INVITE
    token, link = links().create(kind, group_id, group["year"], g.account.username, member_id)
    url = shown_url(kind, token)
    title = f"{member['guardian_name']} 님의 개인 링크" if member else f"{group['name']} 초대 링크"
    return render(
        "views/links/created.html", title=title, group=group, link=link, url=url, qr=qr_svg(url), member=member
    ), 201


@blueprint.post("/<link_id>/revoke")
@staff_only
def revoke(group_id: str, link_id: str):
    flash("링크 사용을 중지했습니다." if links().revoke(link_id, group_id) else "이미 중지된 링크입니다.")
    return see_other("groups.show", group_id=group_id)
