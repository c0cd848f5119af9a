"""Rules of the center's program that activity and reporting both apply, each to its own read side."""

from __future__ import annotations

from typing import Iterable

SUBMITTED, ACCEPTED, RETURNED = "submitted", "accepted", "returned"  # a document's review status
CONNECTION_STATUSES = ("ok", "audio", "video", "dropped", "could_not_join")  # a guardian's online-session report


def review_status(document: dict) -> str:
    """A document's review, from activity's view (`review.status`) or reporting's flags (`accepted`, `returned`)."""
    if "review" in document:
        return document["review"]["status"]
    return RETURNED if document.get("returned") else ACCEPTED if document.get("accepted") else SUBMITTED


def documents_owed(
    year: int | None,
    held_special_sessions: Iterable[dict],
    open_claims: Iterable[dict],
    documents: Iterable[dict],
) -> list[dict]:
    """What a group still owes for a year: an activity plan, a result report per held special session,
    a receipt per expense claim that was not rejected.

    Sessions carry `id`, `date`; claims `id`, `session_id`, `date`, `amount`, `document_ids`; documents
    `id`, `kind`, `year`, `session_id`, `expense_id`. A document returned to the group (review) no longer
    counts as handed in: a new file for the same requirement answers it.
    """
    documents = [d for d in documents if review_status(d) != RETURNED]
    plans = [d for d in documents if d["kind"] == "activity_plan" and d.get("year") in (year, None)]
    reported = {d.get("session_id") for d in documents if d["kind"] == "result_report"}
    receipts = [d for d in documents if d["kind"] == "receipt"]
    receipt_ids = {d["id"] for d in receipts}
    receipt_claims = {d.get("expense_id") for d in receipts}
    owed: list[dict] = []
    if year is not None and not plans:
        owed.append(_owed("activity_plan", year, None, None, None, f"the activity plan for {year}"))
    for s in sorted(held_special_sessions, key=lambda s: (s["date"], s["id"])):
        if s["id"] not in reported:
            owed.append(
                _owed(
                    "result_report",
                    year,
                    s["id"],
                    None,
                    s["date"],
                    f"a result report for the special session of {s['date']}",
                )
            )
    for c in sorted(open_claims, key=lambda c: (str(c["date"]), c["id"])):
        if c["id"] not in receipt_claims and not receipt_ids.intersection(c.get("document_ids") or ()):
            owed.append(
                _owed(
                    "receipt",
                    year,
                    c.get("session_id"),
                    c["id"],
                    c["date"],
                    f"a receipt for the claim of {c['amount']} KRW on {c['date']}",
                )
            )
    return owed


def _owed(kind, year, session_id, expense_id, date, detail) -> dict:
    return {
        "kind": kind,
        "year": year,
        "session_id": session_id,
        "expense_id": expense_id,
        "date": date,
        "detail": detail,
    }
