"""활동 일정: a week calendar per center space and the list of sessions; schedule one session or a series
(conflicts shown per date); record attendance by ticking members and children; cancel with a reason."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, request

from jajo.center import CENTER
from services.portal.clients.activity import SessionsClient
from services.portal.clients.base import ApiError
from services.portal.clients.registration import GroupsClient
from services.portal import formatting
from services.portal.formatting import SEOUL
from services.portal.views.dashboard import this_year
from services.portal.web import FormErrors, flash, form_key, page_title, render, see_other, staff_only, submitted_key

blueprint = Blueprint("schedule", __name__, url_prefix="/schedule")
SPACES = CENTER.space_names
VENUES = SPACES + ("external", "online")
KINDS = ("regular", "special", "online")


def _monday(text: str | None) -> date:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = datetime.now(SEOUL).date()
    return day - timedelta(days=day.weekday())


def week_of(sessions: list[dict], space: str, monday: date) -> list[tuple[date, list[dict]]]:
    days = [monday + timedelta(days=offset) for offset in range(7)]
    live = [s for s in sessions if s["venue"] == space and s["status"] != "cancelled"]
    return [(day, sorted((s for s in live if s["date"] == day.isoformat()), key=lambda s: s["start"])) for day in days]


@blueprint.get("/")
@staff_only
def index():
    space = request.args.get("space") if request.args.get("space") in SPACES else SPACES[0]
    monday = _monday(request.args.get("week"))
    years = {monday.year, (monday + timedelta(days=6)).year}
    sessions = [s for year in sorted(years) for s in SessionsClient().list(year=year)]
    names = {g["id"]: g["name"] for year in sorted(years) for g in GroupsClient().list(year)}
    listed = sorted((s for s in sessions if s["date"][:4] == str(monday.year)), key=lambda s: (s["date"], s["start"]))
    return render(
        "views/schedule/index.html",
        "calendar",
        title="활동 일정",
        space=space,
        spaces=SPACES,
        monday=monday,
        week=week_of(sessions, space, monday),
        names=names,
        sessions=listed,
        previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
    )


def _form_page(values: dict, errors: FormErrors | None = None, conflicts: list | None = None, status: int = 200):
    year = int(values.get("year") or this_year())
    groups = [g for g in GroupsClient().list(year) if g["status"] == "approved"]
    return render(
        "views/schedule/new.html",
        title=page_title("활동 일정 잡기", errors),
        values=values,
        errors=errors or FormErrors(),
        conflicts=conflicts or [],
        key=form_key(),
        group_options=[("", "모임을 고르세요")] + [(g["id"], g["name"]) for g in groups],
        kind_options=[(k, formatting.KINDS[k]) for k in KINDS],
        venue_options=[(v, formatting.VENUES[v]) for v in VENUES],
    ), status


@blueprint.get("/new")
@staff_only
def new():
    return _form_page(
        {
            "group_id": request.args.get("group_id", ""),
            "venue": SPACES[0],
            "kind": "regular",
            "repeat": "once",
            "count": "4",
            "start": "10:00",
            "end": "12:00",
        }
    )


def session_body(values: dict) -> dict:
    body = {name: values.get(name) or None for name in ("group_id", "date", "start", "end", "kind", "venue", "title")}
    for name in ("meeting_url", "dial_in"):
        if values.get(name):
            body[name] = values[name]
    if values.get("repeat") in ("weekly", "monthly"):
        body["frequency"] = values["repeat"]
        body["count"] = int(values["count"]) if str(values.get("count", "")).isdigit() else values.get("count")
    return body


@blueprint.post("/new")
@staff_only
def schedule():
    values = {key: request.form.get(key, "").strip() for key in request.form}
    body = session_body(values)
    client = SessionsClient()
    try:
        if "frequency" in body:
            result = client.schedule_series(body, submitted_key())
            booked, conflicts = result["booked"], result["conflicts"]
        else:
            booked, conflicts = [client.schedule(body, submitted_key())], []
    except ApiError as error:
        per_date = [{"date": day, "detail": " ".join(m)} for day, m in error.errors.items() if day[:2] == "20"]
        return _form_page(values, FormErrors(error), per_date, 409 if error.status == 409 else 422)
    if conflicts:
        flash(
            f"{len(booked)}건을 잡았고 {len(conflicts)}건은 겹쳐서 빠졌습니다: "
            + ", ".join(c["date"] for c in conflicts),
            "error",
        )
    else:
        flash(f"활동 {len(booked)}건을 잡았습니다.")
    first = booked[0]
    return see_other("schedule.index", space=first["venue"] if first["venue"] in SPACES else None, week=first["date"])


def _session_page(session_id: str, errors: FormErrors | None = None, status: int = 200):
    session = SessionsClient().get(session_id)
    group = GroupsClient().get(session["group_id"])
    return render(
        "views/schedule/show.html",
        title=page_title(f"활동 {session['date']}", errors),
        session=session,
        group=group,
        errors=errors or FormErrors(),
        key=form_key(),
    ), status


@blueprint.get("/sessions/<session_id>")
@staff_only
def show(session_id: str):
    return _session_page(session_id)


@blueprint.post("/sessions/<session_id>/attendance")
@staff_only
def attendance(session_id: str):
    body = {
        "guardians": request.form.getlist("guardians"),
        "children": request.form.getlist("children"),
        "notes": request.form.get("notes") or None,
    }
    try:
        held = SessionsClient().attendance(session_id, body, submitted_key())
    except ApiError as error:
        return _session_page(session_id, FormErrors(error), 422 if error.status < 500 else 502)
    flash(f"출석을 기록했습니다: 부모 {held['parents']}명, 자녀 {held['children']}명.")
    return see_other("schedule.show", session_id=session_id)


@blueprint.post("/sessions/<session_id>/cancel")
@staff_only
def cancel(session_id: str):
    try:
        SessionsClient().cancel(session_id, request.form.get("reason", "").strip(), submitted_key())
    except ApiError as error:
        return _session_page(session_id, FormErrors(error), 422 if error.status < 500 else 502)
    flash("활동을 취소했습니다.")
    return see_other("schedule.show", session_id=session_id)
