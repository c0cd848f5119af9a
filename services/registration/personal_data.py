"""열람 (개인정보 열람, 개인정보 보호법 제35조): everything Jajo holds about one member, as one JSON document.

Registration's own part (the member and the group's events about them) comes from its event store, opened;
what the other services hold (sessions attended, connection reports, documents sent, survey answers) comes from
reporting's audit of the person (`GET /api/v1/audit/people/{id}?personal=true`), read with the caller's own
credentials, so reporting authorises and records the read as the same person.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

import requests

from jajo.errors import Unavailable
from services.registration.domain import Group, Member

FORWARDED = ("Authorization", "X-Jajo-Actor", "X-Correlation-ID")
SOURCE = "/registration"


def elsewhere(reporting_url: str, member_id: str, headers: Mapping[str, str]) -> list[dict]:
    """The other services' events about the member, from reporting (503 when it cannot be read)."""
    if not reporting_url:
        raise Unavailable("the personal-data export needs reporting's address (JAJO_REPORTING_URL)")
    sent = {name: headers[name] for name in FORWARDED if name in headers}
    try:
        answer = requests.get(
            f"{reporting_url.rstrip('/')}/api/v1/audit/people/{member_id}",
            params={"personal": "true"},
            headers=sent,
            timeout=10,
        )
    except requests.RequestException:
        raise Unavailable("reporting could not be reached for the personal-data export") from None
    if answer.status_code != 200:
        raise Unavailable(f"reporting answered {answer.status_code} for the personal-data export")
    return [e for e in answer.json()["events"] if e.get("source") != SOURCE]


def document(group: Group, member: Member, own: list[dict], others: list[dict]) -> dict:
    """The export: the member as registration holds them, then every event about them, by the service holding it."""
    held: dict[str, list[dict]] = {"registration": own}
    for envelope in others:
        held.setdefault(str(envelope.get("source", "")).lstrip("/"), []).append(envelope)
    return {
        "member": {**member.view(), "group_id": group.id},
        "group": {"id": group.id, "name": group.name, "year": group.year},
        "events": held,
        "documents": sorted({e["data"]["document_id"] for e in others if e.get("type") == "DocumentSubmitted"}),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
