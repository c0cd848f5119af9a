"""Registration's events on `registration.events`: the group's lifecycle and its members."""

from __future__ import annotations

from jajo.events import Catalogue, EventType

GroupFormed = EventType(
    "GroupFormed",
    "group id",
    ("group_id", "name", "year", "theme", "description"),
    viewer_fields=("group_id", "name", "year", "theme"),
)
GroupApproved = EventType("GroupApproved", "group id", ("group_id", "year"), viewer_fields=("group_id", "year"))
GroupClosed = EventType("GroupClosed", "group id", ("group_id", "year"), viewer_fields=("group_id", "year"))
MemberJoined = EventType(
    "MemberJoined",
    "group id",
    ("group_id", "year", "member_id", "joined_on", "district", "children", "consent", "personal"),
    shapes={
        "children": "[{child_id}]",
        "consent": "{notice_version, given_at, items: [item], children: [child_id]}",
        "personal": "{guardian_name, phone, children: [{child_id, name, birth_date}]}",
    },
    viewer_fields=("group_id", "year", "member_id", "joined_on", "district", "children"),
)
MemberLeft = EventType(
    "MemberLeft",
    "group id",
    ("group_id", "year", "member_id", "left_on"),
    viewer_fields=("group_id", "year", "member_id", "left_on"),
)
MemberErased = EventType(
    "MemberErased", "group id", ("group_id", "year", "member_id"), viewer_fields=("group_id", "year", "member_id")
)

NOTES = """\
Members live inside the group aggregate, so the group's `aggregateversion` counts joins too.

Registration's fields: `theme`, `description`, `personal.phone` and `personal.children[].name` are present
with `null` when not given; `year` is the group's program year (2020–2100); `district` is always `용산구`;
`joined_on`/`left_on` are the center's calendar day in Seoul (`YYYY-MM-DD`); `children` (outside `personal`)
lists the child ids in the order the guardian gave them, and `personal.children` has the same ids in the same
order. `consent` is the guardian's consent to the privacy notice (개인정보 수집·이용 동의) given with the join:
the notice version shown, when it was given (RFC 3339, as the guardian's device sent it), the consented items,
and the ids of the children it covers — always every child of the join (a join without it is refused); events
recorded before consent was asked have no `consent`. A `MemberLeft` names a member who joined the same group earlier; approving an approved group, closing a
closed group and removing a member who already left emit nothing.

`MemberErased` is the contract's erasure event: registration records none yet (erasure has no command yet),
but activity and survey already apply it (an erased member is no guardian and answers no surveys).
"""

CATALOGUE = Catalogue(
    "registration.events",
    "registration",
    (GroupFormed, GroupApproved, GroupClosed, MemberJoined, MemberLeft, MemberErased),
    NOTES,
)
