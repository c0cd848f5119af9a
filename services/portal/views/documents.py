"""서류: upload (drag and drop or a phone's camera), each group's missing-documents checklist, preview and
download, and (contract v2) accept or return a document."""

from __future__ import annotations

from flask import Blueprint, Response, request

from jajo.http.disposition import content_disposition
from services.portal.clients.activity import DocumentsClient
from services.portal.clients.base import ApiError
from services.portal.clients.registration import GroupsClient
from services.portal.formatting import DOCUMENT_KINDS
from services.portal.previews import preview_response
from services.portal.views.dashboard import this_year
from services.portal.web import FormErrors, flash, form_key, page_title, render, see_other, staff_only, submitted_key

blueprint = Blueprint("documents", __name__, url_prefix="/documents")


def _page(
    group_id: str | None, year: int, errors: FormErrors | None = None, values: dict | None = None, status: int = 200
):
    groups = [g for g in GroupsClient().list(year) if g["status"] != "formed"]
    group_id = group_id or (groups[0]["id"] if groups else None)
    client = DocumentsClient()
    missing = client.missing(group_id) if group_id else None
    documents = client.of_group(group_id) if group_id else []
    return render(
        "views/documents/index.html",
        "checklist",
        title=page_title("서류", errors),
        year=year,
        groups=groups,
        group_id=group_id,
        missing=missing,
        documents=documents,
        key=form_key(),
        errors=errors or FormErrors(),
        values=values or {},
        kind_options=list(DOCUMENT_KINDS.items()),
        group_options=[(g["id"], g["name"]) for g in groups],
    ), status


@blueprint.get("/")
@staff_only
def index():
    return _page(request.args.get("group_id"), request.args.get("year", type=int) or this_year())


@blueprint.post("/")
@staff_only
def upload():
    values = {key: request.form.get(key, "").strip() for key in ("group_id", "kind", "session_id", "expense_id")}
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(values["group_id"], this_year(), FormErrors(file="올릴 파일을 고르세요."), values, 422)
    try:
        DocumentsClient().upload(values, upload, submitted_key())
    except ApiError as error:
        return _page(values["group_id"], this_year(), FormErrors(error), values, 422 if error.status < 500 else 502)
    flash(f"{DOCUMENT_KINDS.get(values['kind'], '서류')}를 올렸습니다.")
    return see_other("documents.index", group_id=values["group_id"])


@blueprint.get("/<document_id>/content")
def content(document_id: str):
    """The file through the portal (the page's preview and download never leave the machine)."""
    document, answer = DocumentsClient().get(document_id), DocumentsClient().content(document_id)
    disposition = "attachment" if request.args.get("download") else "inline"
    response = Response(answer.iter_content(1 << 16), mimetype=document["content_type"])
    response.headers["Content-Disposition"] = content_disposition(document["filename"], disposition)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blueprint.get("/<document_id>/preview")
def preview(document_id: str):
    """A JPEG of a photo (HEIC photos from iPhones included) that every browser shows."""
    return preview_response(DocumentsClient(), document_id)


@blueprint.post("/<document_id>/<any(accept, return):decision>")
@staff_only
def review(document_id: str, decision: str):
    client = DocumentsClient()
    group_id = request.form.get("group_id")
    try:
        if decision == "accept":
            client.accept(document_id, submitted_key())
        else:
            client.send_back(document_id, request.form.get("reason", "").strip(), submitted_key())
        flash("서류를 확인했습니다." if decision == "accept" else "보완을 요청했습니다.")
    except ApiError as error:
        flash(error.message, "error")
    return see_other("documents.index", group_id=group_id)
