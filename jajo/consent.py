"""The consent block a member's join carries (개인정보 수집·이용 동의): one shared builder for every caller
that joins members through the API (demo, benchmarks, drills, tests) and for events built by hand."""

from __future__ import annotations

NOTICE_VERSION = "2026-01"
ITEMS = ("personal_data", "children_data", "contact")
GIVEN_AT = "2025-03-01T10:00:00+09:00"


def consent_block(children: int, *, given_at: str = GIVEN_AT, notice_version: str = NOTICE_VERSION) -> dict:
    """`consent` of `POST /groups/{id}/members` for a guardian joining with `children` children (all consented)."""
    return {
        "notice_version": notice_version,
        "given_at": given_at,
        "items": list(ITEMS),
        "children": list(range(children)),
    }


def consent_record(child_ids: list[str], *, given_at: str = GIVEN_AT) -> dict:
    """`data.consent` of a `MemberJoined` event, as registration records it."""
    return {"notice_version": NOTICE_VERSION, "given_at": given_at, "items": list(ITEMS), "children": list(child_ids)}
