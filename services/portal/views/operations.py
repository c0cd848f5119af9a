"""운영 상태: outbox pending per service, projection lag, dead letters with re-drive (staff only)."""

from __future__ import annotations

from flask import Blueprint, request

from services.portal.clients.base import ApiError
from services.portal.clients.reporting import OperationsClient, freshness
from services.portal.web import flash, form_key, render, see_other, staff_only, submitted_key

blueprint = Blueprint("operations", __name__, url_prefix="/operations")
PAGE = 20


@blueprint.get("/")
@staff_only
def index():
    offset = max(request.args.get("offset", type=int) or 0, 0)
    client, fresh = OperationsClient(), freshness()  # one probe of Kafka's offsets for the page, not two
    return render(
        "views/operations/index.html",
        "letters",
        title="운영 상태",
        fresh=fresh,
        status=fresh["status"],
        letters=client.dead_letters(PAGE, offset),
        offset=offset,
        page=PAGE,
        key=form_key(),
    )


@blueprint.post("/dead-letters/<letter_id>/redrive")
@staff_only
def redrive(letter_id: str):
    try:
        left = OperationsClient().redrive(letter_id, submitted_key())["dead_letters"]
        flash(f"다시 처리했습니다. 남은 실패 이벤트 {left}건.")
    except ApiError as error:
        flash(error.message, "error")
    return see_other("operations.index")
