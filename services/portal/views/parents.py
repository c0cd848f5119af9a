"""부모 화면 (issue 12): the phone pages parents reach through a link staff share by KakaoTalk or a QR code.

`/join/<token>` (invite link): ask to join the group, with the privacy consent. `/p/<token>` (personal link):
starts the guardian's session (cookie `jajo_parent`, HttpOnly, SameSite=Lax) and sends them to `/p/` without
the token. Everything a guardian does reaches the services as `guardian:<member_id>`; the services decide what
a guardian may do (403 otherwise). No staff sign-in, no password, `Referrer-Policy: no-referrer`."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from jajo.center import CENTER
from jajo.consent import NOTICE_VERSION
from services.portal.accounts import Account
from services.portal.clients.activity import DocumentsClient, SessionsClient
from services.portal.clients.base import ApiError, client
from services.portal.clients.registration import GroupsClient
from services.portal.clients.survey import SurveysClient
from services.portal.formatting import SEOUL
from services.portal.links import COOKIE, INVITE, PERSONAL, LinkError
from services.portal.previews import preview_response
from services.portal.sessions import same_token
from services.portal.views.groups import CHILD_ROWS, member_body
from services.portal.web import FormErrors, form_key, page_title, render, submitted_key

blueprint = Blueprint("parents", __name__)
PUBLIC = True  # no staff sign-in: the link (then the guardian's cookie) is the credential
JOIN_COOKIE = "jajo_join"
CONNECTION = {
    "ok": "잘 됨",
    "audio": "소리 문제",
    "video": "화면 문제",
    "dropped": "끊김",
    "could_not_join": "접속 못 함",
}
TEMPLATES = "views/parents/"
LIKERT = {5: "매우 만족", 4: "만족", 3: "보통", 2: "불만족", 1: "매우 불만족"}


def _links():
    return current_app.extensions["portal"].links


def _cookie(response: BaseResponse, name: str, value: str, max_age: int | None = None) -> None:
    secure = current_app.extensions["portal"].settings.secure_cookies
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=secure, path="/")


@blueprint.before_request
def _guardian():
    g.parent_page = True
    g.guardian = _links().session(request.cookies.get(COOKIE))
    g.account = Account(g.guardian.member_id, "guardian", "보호자", True) if g.guardian else None
    if request.endpoint in ("parents.join", "parents.enter"):
        return None
    if g.guardian is None:
        return _error("링크가 만료되었거나 사용이 중지되었습니다. 센터에서 받은 링크를 다시 눌러 주세요.", 401)
    if request.method == "POST" and not same_token(
        request.form.get("csrf_token") or request.headers.get("X-CSRF-Token"), g.guardian.csrf
    ):
        return _error("보안 확인이 만료되었습니다. 센터에서 받은 링크를 다시 눌러 주세요.", 403)
    return None


@blueprint.after_request
def _no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in the path never leaves in a Referer
    return response


@blueprint.errorhandler(LinkError)
def _link_error(error: LinkError):
    return _error(error.message, error.status)


def _error(message: str, status: int):
    if request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With"):
        return jsonify(message=message), status
    return render(TEMPLATES + "error.html", title="링크를 쓸 수 없습니다", message=message), status


# ---- invite link: join the group ----


def _join_page(link, group: dict, values: dict, errors: FormErrors, status: int = 200):
    guard = request.cookies.get(JOIN_COOKIE) or secrets.token_urlsafe(24)
    page = render(
        TEMPLATES + "join.html",
        title=page_title(f"{group['name']} 가입 신청", errors),
        group=group,
        values=values,
        errors=errors,
        key=form_key(),
        guard=guard,
        child_rows=range(CHILD_ROWS),
        notice_version=NOTICE_VERSION,
        year=group["year"],
    )
    response = current_app.make_response((page, status))
    _cookie(response, JOIN_COOKIE, guard)
    return response


@blueprint.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    link = _links().find(token, INVITE)
    group = GroupsClient(client("registration", None)).get(link.group_id)
    if request.method == "GET":
        return _join_page(link, group, {"district": CENTER.district}, FormErrors())
    if not same_token(request.form.get("csrf_token"), request.cookies.get(JOIN_COOKIE) or "-"):
        return _error("보안 확인이 만료되었습니다. 링크를 다시 눌러 주세요.", 403)
    body, values = member_body(request.form)
    if "consent" not in body or len(request.form.getlist("child_consent")) < len(body["children"]):
        return _join_page(
            link,
            group,
            values,
            FormErrors(
                consent="개인정보 수집·이용에 동의해야 가입할 수 있습니다. 동의하지 않으면 모임에 가입할 수 없습니다."
            ),
            422,
        )
    try:  # as the invite link (registration lets it join its own group only)
        member = GroupsClient(client("registration", link.invite_actor)).join(link.group_id, body, submitted_key())
    except ApiError as error:
        return _join_page(link, group, values, FormErrors(error), 422 if error.status < 500 else 502)
    personal_token, personal = _links().create(
        PERSONAL, link.group_id, group["year"], link.created_by, member["id"], expires_at=link.expires_at
    )
    session_token, _ = _links().start_session(personal, member["id"])
    response = current_app.make_response(
        render(
            TEMPLATES + "joined.html",
            title="가입 완료",
            group=group,
            member=member,
            url=url_for("parents.enter", token=personal_token, _external=True),
        )
    )
    _cookie(response, COOKIE, session_token)
    return response


# ---- personal link: the member's page ----


@blueprint.get("/p/<token>")
def enter(token: str):
    link = _links().find(token, PERSONAL)
    session_token, _ = _links().start_session(link, link.member_id)
    response = redirect(url_for("parents.home"), 303)
    _cookie(response, COOKIE, session_token)
    return response


def _today() -> str:
    return datetime.now(SEOUL).date().isoformat()


def _home_context() -> dict:
    me = g.guardian
    group = GroupsClient(client("registration", None)).get(me.group_id)
    documents = DocumentsClient()
    owed, handed_in = documents.missing(me.group_id), documents.of_group(me.group_id)
    sessions = SessionsClient().list(group_id=me.group_id)
    today = _today()
    upcoming = [s for s in sessions if s["status"] == "scheduled" and s["date"] >= today]
    to_report = [s for s in sessions if s["status"] == "held" and s["kind"] == "online"]
    reported = {
        s["id"]: next((c["status"] for c in s.get("connections") or [] if c["member_id"] == me.member_id), None)
        for s in to_report
    }
    returned = _returned(handed_in)
    shown = {_requirement(d) for d in returned}
    return dict(
        group=group,
        member=next((m for m in group["members"] if m["id"] == me.member_id), None),
        owed=[o for o in owed["missing"] if _requirement(o) not in shown] if owed else None,
        returned=returned,
        handed_in=handed_in,
        upcoming=sorted(upcoming, key=lambda s: (s["date"], s["start"]))[:5],
        to_report=to_report[-3:],
        reported=reported,
        connection=CONNECTION,
        csrf=me.csrf,
        key=form_key(),
        surveys=SurveysClient().list(group["year"]),
    )


def _requirement(item: dict) -> tuple:
    """What a document answers: its kind, for which session or claim."""
    return item["kind"], item.get("session_id") or None, item.get("expense_id") or None


def _returned(documents: list[dict]) -> list[dict]:
    """Returned documents whose requirement no later file answers yet (their reason shown, a new file asked)."""
    answered = {_requirement(d) for d in documents if (d.get("review") or {}).get("status") != "returned"}
    returned = [d for d in documents if (d.get("review") or {}).get("status") == "returned"]
    return [d for d in returned if _requirement(d) not in answered]


@blueprint.get("/p/")
def home():
    return render(TEMPLATES + "home.html", title="우리 모임", **_home_context())


@blueprint.post("/p/documents")
def upload():
    """One file (the page sends each file on its own, with its own Idempotency-Key, and retries it)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(message="올릴 파일을 고르세요."), 422
    fields = {
        "group_id": g.guardian.group_id,
        **{k: request.form.get(k, "") for k in ("kind", "session_id", "expense_id")},
    }
    key = request.headers.get("Idempotency-Key") or submitted_key()
    try:
        doc = DocumentsClient().upload(fields, upload, key)
    except ApiError as error:
        return jsonify(message=error.message, errors=error.errors), error.status if error.status < 500 else 502
    return jsonify(
        id=doc["id"],
        filename=doc["filename"],
        content_type=doc["content_type"],
        preview=url_for("parents.preview", document_id=doc["id"]),
    ), 201


@blueprint.get("/p/documents/<document_id>/preview")
def preview(document_id: str):
    return preview_response(DocumentsClient(), document_id)


@blueprint.post("/p/sessions/<session_id>/connection")
def connection(session_id: str):
    status = request.form.get("status", "")
    if status not in CONNECTION:
        abort(422)
    sessions = SessionsClient()
    sessions.report_connection(session_id, status, submitted_key())
    if request.headers.get("HX-Request") != "true":
        return redirect(url_for("parents.home"), 303)
    return render(
        TEMPLATES + "_connection.html",
        s=sessions.get(session_id),
        answered=status,
        connection=CONNECTION,
        key=form_key(),
    )


@blueprint.get("/p/ping")
def ping():
    """The connection check's round trip to the portal."""
    response = current_app.response_class("", 204)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the survey ----


def _answers(survey: dict, form) -> dict:
    answers = {}
    for question in survey["questions"]:
        qid, kind = question["id"], question["kind"]
        values = [v for v in form.getlist(f"q_{qid}") if v.strip()]
        if not values:
            continue
        if kind == "likert5":
            answers[qid] = int(values[0]) if values[0].isdigit() else values[0]
        elif kind == "choice" and question.get("multiple"):
            answers[qid] = values
        else:
            answers[qid] = values[0].strip()
    return answers


@blueprint.route("/p/surveys/<survey_id>", methods=["GET", "POST"])
def survey(survey_id: str):
    surveys = SurveysClient()
    definition = surveys.get(survey_id)
    for question in definition["questions"]:
        question["pairs"] = (
            list(LIKERT.items())
            if question["kind"] == "likert5"
            else [(option, option) for option in question.get("options") or []]
        )
    errors, answered = FormErrors(), False
    if request.method == "POST":
        try:
            surveys.respond(survey_id, g.guardian.member_id, _answers(definition, request.form), submitted_key())
            answered = True
        except ApiError as error:
            answered = error.status == 409  # one response per member: the first one stands
            errors = (
                FormErrors()
                if answered
                else FormErrors(error).renamed({f"answers_{q['id']}": f"q_{q['id']}" for q in definition["questions"]})
            )
    title = page_title(definition["title"], errors)
    return render(
        TEMPLATES + "survey.html",
        title=title,
        survey=definition,
        errors=errors,
        answered=answered,
        csrf=g.guardian.csrf,
        key=form_key(),
        values=request.form,
    ), 422 if errors else 200
