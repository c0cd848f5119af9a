"""활동비: budgets per group, allocation, claims with their receipt, and the claims queue (the receipt shown
beside the claim) where staff approve or reject with a reason."""

from __future__ import annotations

from flask import Blueprint, request

from services.portal.clients.activity import DocumentsClient, FundingClient
from services.portal.clients.base import ApiError
from services.portal.clients.registration import GroupsClient
from services.portal.views.dashboard import this_year
from services.portal.web import FormErrors, flash, form_key, page_title, render, see_other, staff_only, submitted_key

blueprint = Blueprint("funding", __name__, url_prefix="/funding")
CATEGORIES = ("재료비", "간식비", "강사비", "대관료", "기타")


def _amount(text: str):
    digits = text.replace(",", "").replace("원", "").strip()
    return int(digits) if digits.isdigit() else digits


def queue(client: FundingClient, year: int, budgets: list[dict]) -> list[dict]:
    """Claims waiting for a decision: `GET /expenses` where the service has it, else from the budgets."""
    claims = client.claims(year=year, status="claimed")
    if claims is None:
        claims = [
            e for b in budgets if b["budget"] for e in b["budget"].get("expenses", []) if e["status"] == "claimed"
        ]
    return sorted(claims, key=lambda e: (e["date"], e["id"]))


def _page(year: int, errors: FormErrors | None = None, values: dict | None = None, status: int = 200):
    client, groups = FundingClient(), [g for g in GroupsClient().list(year) if g["status"] != "formed"]
    by_group = client.budgets(year)
    budgets = [{"group": g, "budget": by_group.get(g["id"])} for g in groups]
    names = {g["id"]: g["name"] for g in groups}
    documents = DocumentsClient()
    claims = [
        {**claim, "documents": [documents.get(i) for i in claim.get("document_ids") or []]}
        for claim in queue(client, year, budgets)
    ]
    return render(
        "views/funding/index.html",
        "queue",
        title=page_title("활동비", errors),
        year=year,
        budgets=budgets,
        claims=claims,
        names=names,
        categories=CATEGORIES,
        errors=errors or FormErrors(),
        values=values or {},
        key=form_key(),
        years=range(this_year() + 1, this_year() - 10, -1),
        category_options=[(c, c) for c in CATEGORIES],
        group_options=[("", "모임을 고르세요")] + [(g["id"], g["name"]) for g in groups],
    ), status


@blueprint.get("/")
@staff_only
def index():
    return _page(request.args.get("year", type=int) or this_year())


@blueprint.post("/budgets")
@staff_only
def allocate():
    values = {key: request.form.get(key, "").strip() for key in ("group_id", "amount", "year")}
    year = int(values["year"]) if values["year"].isdigit() else this_year()
    try:
        FundingClient().allocate(values["group_id"], year, _amount(values["amount"]), submitted_key())
    except ApiError as error:
        return _page(year, FormErrors(error), values, 422 if error.status < 500 else 502)
    flash("활동비를 배정했습니다.")
    return see_other("funding.index", year=year)


@blueprint.post("/claims")
@staff_only
def claim():
    """A claim with its receipt: the receipt is submitted first (kind receipt), then the claim names it."""
    values = {key: request.form.get(key, "").strip() for key in request.form}
    year = int(values["date"][:4]) if values.get("date", "")[:4].isdigit() else this_year()
    key = submitted_key()
    receipt = request.files.get("receipt")
    try:
        ids = []
        if receipt and receipt.filename:
            ids.append(
                DocumentsClient().upload(
                    {
                        "kind": "receipt",
                        "group_id": values.get("claim_group_id"),
                        "session_id": values.get("session_id"),
                    },
                    receipt,
                    f"{key}-receipt",
                )["id"]
            )
        FundingClient().claim(
            {
                "group_id": values.get("claim_group_id"),
                "session_id": values.get("session_id") or None,
                "date": values.get("date") or None,
                "amount": _amount(values.get("claim_amount", "")),
                "category": values.get("category") or None,
                "description": values.get("description") or None,
                "document_ids": ids,
            },
            key,
        )
    except ApiError as error:
        errors = FormErrors(error).renamed({"group_id": "claim_group_id", "amount": "claim_amount", "file": "receipt"})
        return _page(year, errors, values, 422 if error.status < 500 else 502)
    flash("활동비를 청구했습니다.")
    return see_other("funding.index", year=year)


@blueprint.post("/claims/<expense_id>/<any(approve, reject):decision>")
@staff_only
def decide(expense_id: str, decision: str):
    client, year = FundingClient(), request.form.get("year", type=int) or this_year()
    try:
        if decision == "approve":
            client.approve(expense_id, submitted_key())
        else:
            client.reject(expense_id, request.form.get("reason", "").strip(), submitted_key())
    except ApiError as error:
        errors = FormErrors(error).renamed({"reason": f"reason-{expense_id}"})
        return _page(year, errors, {}, 422 if error.status < 500 else 502)
    flash("청구를 승인했습니다." if decision == "approve" else "청구를 반려했습니다.")
    return see_other("funding.index", year=year)
