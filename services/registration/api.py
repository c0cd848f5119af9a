"""Registration's HTTP blueprint."""
from __future__ import annotations

from flask_smorest import Blueprint

from jajo.errors import NotFound
from jajo.http.app import dispatch, service
from services.registration.commands import ApproveGroup, CloseGroup, FormGroup
from services.registration.schemas import GroupIn, GroupList, GroupOut, GroupQuery

blp = Blueprint("groups", __name__, description="Self-help groups (자조모임) and their members")


def group_view(group) -> dict:
    return {"id": group.id, "version": group.version, **group.view()}


@blp.post("/groups")
@blp.arguments(GroupIn)
@blp.response(201, GroupOut)
def form_group(body: dict):
    """Form a group. Emits `GroupFormed`."""
    return group_view(dispatch(FormGroup(**body)))


@blp.post("/groups/<group_id>/approve")
@blp.response(200, GroupOut)
def approve_group(group_id: str):
    """Approve a formed group (a second approval changes nothing). Emits `GroupApproved`."""
    return group_view(dispatch(ApproveGroup(group_id)))


@blp.post("/groups/<group_id>/close")
@blp.response(200, GroupOut)
def close_group(group_id: str):
    """Close a group: it takes no more members and cannot be approved again. Emits `GroupClosed`."""
    return group_view(dispatch(CloseGroup(group_id)))


@blp.get("/groups")
@blp.arguments(GroupQuery, location="query")
@blp.response(200, GroupList)
def list_groups(query: dict):
    views = service().db["group_views"].find({"year": query["year"]} if "year" in query else {})
    return {"groups": [{"id": v.pop("_id"), **v} for v in views]}


@blp.get("/groups/<group_id>")
@blp.response(200, GroupOut)
def get_group(group_id: str):
    view = service().db["group_views"].find_one({"_id": group_id})
    if view is None:
        raise NotFound(f"group {group_id} does not exist")
    return {"id": view.pop("_id"), **view}
