"""Activity's events on `activity.events`: sessions, space bookings, funding and documents."""

from __future__ import annotations

from jajo.events import Catalogue, EventType
from jajo.personal import DOCUMENT_KEY

SESSION = ("session_id", "group_id", "date", "start", "end", "kind", "venue")  # every session event repeats these
BUDGET = "`budget:<group_id>:<year>`"
SPACE_DAY = "`space:<space>:<date>`"
DOCUMENT = ("document_id", "group_id", "year", "kind", "session_id", "expense_id")

SessionScheduled = EventType(
    "SessionScheduled",
    "session id",
    (*SESSION, "title", "series_id", "meeting_url", "dial_in"),
    viewer_fields=(*SESSION, "title", "series_id"),
)
SessionHeld = EventType(
    "SessionHeld",
    "session id",
    (*SESSION, "guardian_ids", "child_ids", "parents", "children", "notes"),
    shapes={"guardian_ids": "[member_id]", "child_ids": "[child_id]"},
    people=("guardian_ids",),
    viewer_fields=(*SESSION, "guardian_ids", "child_ids", "parents", "children"),
)
SessionCancelled = EventType("SessionCancelled", "session id", (*SESSION, "reason"), viewer_fields=SESSION)
ConnectionReported = EventType(
    "ConnectionReported",
    "session id",
    (*SESSION, "member_id", "status", "note", "report_no"),
    personal=("note",),  # free text about the member who reported
    owner="member_id",
    people=("member_id",),
    viewer_fields=(*SESSION, "member_id", "status", "report_no"),
)
_SPACE_BOOKED = ("space", "date", "session_id", "start", "end", "group_id")
SpaceBooked = EventType("SpaceBooked", SPACE_DAY, _SPACE_BOOKED, viewer_fields=_SPACE_BOOKED)
SpaceReleased = EventType(
    "SpaceReleased", SPACE_DAY, ("space", "date", "session_id"), viewer_fields=("space", "date", "session_id")
)
_ALLOCATED = ("group_id", "year", "amount", "total")
BudgetAllocated = EventType("BudgetAllocated", BUDGET, _ALLOCATED, viewer_fields=_ALLOCATED)
ExpenseClaimed = EventType(
    "ExpenseClaimed",
    BUDGET,
    ("expense_id", "group_id", "year", "session_id", "date", "amount", "category", "description", "document_ids"),
    viewer_fields=("expense_id", "group_id", "year", "session_id", "date", "amount", "document_ids"),
)
_DECIDED = ("expense_id", "group_id", "year", "amount")
ExpenseApproved = EventType("ExpenseApproved", BUDGET, _DECIDED, viewer_fields=_DECIDED)
ExpenseRejected = EventType("ExpenseRejected", BUDGET, (*_DECIDED, "reason"), viewer_fields=_DECIDED)
DocumentSubmitted = EventType(
    "DocumentSubmitted",
    "document id",
    (*DOCUMENT, "filename", "content_type", "size", "sha256"),
    personal=("filename",),  # a file's name may name a person: sealed under the document's own key
    owner="document_id",
    key_prefix=DOCUMENT_KEY,
    viewer_fields=(*DOCUMENT, "content_type", "size", "sha256"),
)
DocumentAccepted = EventType("DocumentAccepted", "document id", DOCUMENT, viewer_fields=DOCUMENT)
DocumentReturned = EventType("DocumentReturned", "document id", (*DOCUMENT, "reason"), viewer_fields=DOCUMENT)

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
