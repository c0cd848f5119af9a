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
    personal=("personal",),
    owner="member_id",
    people=("member_id",),
    viewer_fields=("group_id", "year", "member_id", "joined_on", "district", "children"),
)
MemberLeft = EventType(
    "MemberLeft",
    "group id",
    ("group_id", "year", "member_id", "left_on"),
    viewer_fields=("group_id", "year", "member_id", "left_on"),
    people=("member_id",),
)
MemberErased = EventType(
    "MemberErased",
    "group id",
    ("group_id", "year", "member_id", "erased_on", "reason", "documents"),
    shapes={"documents": "[document_id]"},
    viewer_fields=("group_id", "year", "member_id", "erased_on", "documents"),
    people=("member_id",),
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

`MemberErased` (`POST /groups/{id}/members/{member_id}/erase`, or registration's retention sweep with actor
`system` and reason `보유기간 경과 (개인정보 보호법 제21조)`, docs/privacy.md) carries no personal data: registration destroys
the member's data key in the same transaction, so every stored copy of their `MemberJoined.personal` (sealed,
see below) stops opening. `erased_on` is the center's day; `reason` is the staff's reason, which must not name
the person. The member is no longer current (not counted in the group's current members) but stays in every
report's counts; activity and survey apply it too (an erased member is no guardian and answers no surveys).

**Sealed fields.** `MemberJoined.personal` is stored and published as
`{"sealed": "AES-256-GCM", "key_id": <member_id>, "nonce": <base64>, "ciphertext": <base64>}`, encrypted under
the member's own data key (jajo/personal.py; keys in the `keys` database, never on Kafka). Registration's API
and the audit's `personal=true` open it; once the key is destroyed it opens as `null` and reads `(삭제됨)`.
"""

CATALOGUE = Catalogue(
    "registration.events",
    "registration",
    (GroupFormed, GroupApproved, GroupClosed, MemberJoined, MemberLeft, MemberErased),
    NOTES,
)
