"""Activity's events on `activity.events`: sessions, space bookings, funding and documents."""

from __future__ import annotations

from jajo.events import Catalogue, EventType

SESSION = ("session_id", "group_id", "date", "start", "end", "kind", "venue")  # every session event repeats these
BUDGET = "`budget:<group_id>:<year>`"
SPACE_DAY = "`space:<space>:<date>`"
DOCUMENT = ("document_id", "group_id", "year", "kind", "session_id", "expense_id")

SessionScheduled = EventType(
    "SessionScheduled", "session id", (*SESSION, "title", "series_id", "meeting_url", "dial_in")
)
SessionHeld = EventType(
    "SessionHeld",
    "session id",
    (*SESSION, "guardian_ids", "child_ids", "parents", "children", "notes"),
    shapes={"guardian_ids": "[member_id]", "child_ids": "[child_id]"},
    people=("guardian_ids",),
)
SessionCancelled = EventType("SessionCancelled", "session id", (*SESSION, "reason"))
ConnectionReported = EventType(
    "ConnectionReported", "session id", (*SESSION, "member_id", "status", "note", "report_no"), people=("member_id",)
)
SpaceBooked = EventType("SpaceBooked", SPACE_DAY, ("space", "date", "session_id", "start", "end", "group_id"))
SpaceReleased = EventType("SpaceReleased", SPACE_DAY, ("space", "date", "session_id"))
BudgetAllocated = EventType("BudgetAllocated", BUDGET, ("group_id", "year", "amount", "total"))
ExpenseClaimed = EventType(
    "ExpenseClaimed",
    BUDGET,
    ("expense_id", "group_id", "year", "session_id", "date", "amount", "category", "description", "document_ids"),
)
ExpenseApproved = EventType("ExpenseApproved", BUDGET, ("expense_id", "group_id", "year", "amount"))
ExpenseRejected = EventType("ExpenseRejected", BUDGET, ("expense_id", "group_id", "year", "amount", "reason"))
DocumentSubmitted = EventType(
    "DocumentSubmitted", "document id", (*DOCUMENT, "filename", "content_type", "size", "sha256")
)
DocumentAccepted = EventType("DocumentAccepted", "document id", DOCUMENT)
DocumentReturned = EventType("DocumentReturned", "document id", (*DOCUMENT, "reason"))

NOTES = """\
`kind` of a session: `regular`, `special` (특별활동), `online` (온라인 간담회, venue `online`).
Venues: `키움터`, `자람터`, `공동육아방`, `external`, `online`. Optional fields are present with `null`.
`SpaceBooked`/`SpaceReleased` belong to the space-day aggregate that makes "no two live sessions
overlap in a space" atomic; reporting keeps them in the audit history only.

Online sessions: `meeting_url` (https) and `dial_in` are set only for `kind` `online` (`null` otherwise and
when not given; events recorded before they existed lack them). `ConnectionReported` is a guardian's report on
how its connection to a **held online** session went, `status` one of `ok`, `audio`, `video`, `dropped`,
`could_not_join`, `note` free text or `null`. A guardian reports once per session; a repeat is a new event with
`report_no` one higher (1, 2, …) that replaces the earlier report: consumers count the highest `report_no` per
(`session_id`, `member_id`), so the reports commute. The `actor` says who reported (the guardian through the
portal, or staff recording for `member_id`).

Document review: staff accept (`DocumentAccepted`) or return (`DocumentReturned`, with a non-blank `reason`) a
submitted document, once: a document is reviewed at most once, so both never occur for the same document. A
returned document no longer counts as handed in (`services.program.rules.documents_owed`, shared by activity and
reporting); the group answers it with a new `DocumentSubmitted` (a new document id) for the same requirement.
"""

CATALOGUE = Catalogue(
    "activity.events",
    "activity",
    (
        SessionScheduled,
        SessionHeld,
        SessionCancelled,
        ConnectionReported,
        SpaceBooked,
        SpaceReleased,
        BudgetAllocated,
        ExpenseClaimed,
        ExpenseApproved,
        ExpenseRejected,
        DocumentSubmitted,
        DocumentAccepted,
        DocumentReturned,
    ),
    NOTES,
)
