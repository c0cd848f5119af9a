"""Envelopes of whole program years, generated directly (docs/events.md), without the services.

Copy k of the demo's 2025 plan (demo/plan.py) becomes program year 2025 - k, with fresh ids:
about 1,000 events per year (groups, members, sessions with their space bookings, attendance, budgets,
documents, expense claims, the satisfaction survey). `years(n)` is a history of n program years; the newest
year, 2025, is the same in every history, so a report of 2025 reads the same amount of data whatever n is.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from jajo.consent import consent_record
from demo.plan import COMPLAINTS, SURVEY_QUESTIONS, YEAR, plan, survey_answers
from jajo.envelope import KAFKA_HEADERS, build, encode

TOPIC_OF = {"registration": "registration.events", "activity": "activity.events", "survey": "survey.events"}


class _Year:
    def __init__(self, year: int, copy: int):
        self.year = year
        self.copy = copy
        self.versions: dict[str, int] = {}
        self.clock = datetime(year, 2, 1, 9, 0, tzinfo=timezone.utc)
        self.out: list[tuple[str, dict]] = []

    def day(self, text: str) -> str:
        return f"{self.year}{text[4:]}"

    def emit(
        self, source: str, kind: str, subject: str, aggregate_type: str, data: dict, on: str | None = None
    ) -> None:
        version = self.versions.get(subject, 0) + 1
        self.versions[subject] = version
        if on is not None:
            moment = datetime.fromisoformat(on).replace(hour=18, tzinfo=timezone.utc)
            self.clock = max(self.clock + timedelta(seconds=1), moment)
        else:
            self.clock += timedelta(seconds=1)
        self.out.append(
            (
                TOPIC_OF[source],
                build(
                    kind,
                    data,
                    subject=subject,
                    source=source,
                    aggregate_type=aggregate_type,
                    version=version,
                    actor="bench",
                    time=self.clock.isoformat().replace("+00:00", "Z"),
                    event_id=uuid.uuid4().hex,
                ),
            )
        )


def _ident(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


def program_year(year: int, copy: int = 0) -> list[tuple[str, dict]]:
    """(topic name, envelope) of one program year, in the order the services would have emitted them."""
    y = _Year(year, copy)
    member_ids: list[str] = []
    for grp in plan(YEAR):
        gid = _ident("g")
        y.emit(
            "registration",
            "GroupFormed",
            gid,
            "group",
            {"group_id": gid, "name": grp.name, "year": year, "theme": "영유아 부모 자조모임", "description": None},
        )
        y.emit("registration", "GroupApproved", gid, "group", {"group_id": gid, "year": year})
        members = []
        for m in grp.members:
            mid, kids = _ident("m"), [_ident("c") for _ in m["children"]]
            members.append((mid, kids))
            y.emit(
                "registration",
                "MemberJoined",
                gid,
                "group",
                {
                    "group_id": gid,
                    "year": year,
                    "member_id": mid,
                    "joined_on": f"{year}-02-01",
                    "district": "용산구",
                    "children": [{"child_id": c} for c in kids],
                    "consent": consent_record(kids),
                    "personal": {
                        "guardian_name": m["guardian_name"],
                        "phone": m["phone"],
                        "children": [
                            {"child_id": c, "name": None, "birth_date": b} for c, b in zip(kids, m["children"])
                        ],
                    },
                },
            )
        member_ids += [mid for mid, _ in members]
        budget = f"budget:{gid}:{year}"
        y.emit(
            "activity",
            "BudgetAllocated",
            budget,
            "budget",
            {"group_id": gid, "year": year, "amount": grp.budget, "total": grp.budget},
        )
        _document(y, gid, "activity_plan", None)
        for s in grp.sessions:
            sid, day = _ident("s"), y.day(s.date)
            facts = {
                "session_id": sid,
                "group_id": gid,
                "date": day,
                "start": s.start,
                "end": s.end,
                "kind": s.kind,
                "venue": s.venue,
            }
            y.emit("activity", "SessionScheduled", sid, "session", {**facts, "title": s.title, "series_id": None})
            space = f"space:{s.venue}:{day}" if s.venue not in ("external", "online") else None
            if space:
                y.emit(
                    "activity",
                    "SpaceBooked",
                    space,
                    "spaceday",
                    {"space": s.venue, "date": day, "session_id": sid, "start": s.start, "end": s.end, "group_id": gid},
                )
            if s.cancel:
                y.emit("activity", "SessionCancelled", sid, "session", {**facts, "reason": "우천"}, on=day)
                if space:
                    y.emit(
                        "activity",
                        "SpaceReleased",
                        space,
                        "spaceday",
                        {"space": s.venue, "date": day, "session_id": sid},
                    )
                continue
            guardians = [members[m][0] for m in s.guardians]
            children = [members[m][1][c] for m, c in s.children]
            y.emit(
                "activity",
                "SessionHeld",
                sid,
                "session",
                {
                    **facts,
                    "guardian_ids": guardians,
                    "child_ids": children,
                    "parents": len(guardians),
                    "children": len(children),
                    "notes": None,
                },
                on=day,
            )
            if s.kind == "special":
                _document(y, gid, "result_report", sid)
                receipt = _document(y, gid, "receipt", sid)
                amount = 40_000 + (sum(map(ord, s.key)) % 12) * 10_000
                expense = _ident("e")
                y.emit(
                    "activity",
                    "ExpenseClaimed",
                    budget,
                    "budget",
                    {
                        "expense_id": expense,
                        "group_id": gid,
                        "year": year,
                        "session_id": sid,
                        "date": day,
                        "amount": amount,
                        "category": "활동비",
                        "description": s.title,
                        "document_ids": [receipt],
                    },
                )
                if s.key == "g0-s9":
                    y.emit(
                        "activity",
                        "ExpenseRejected",
                        budget,
                        "budget",
                        {
                            "expense_id": expense,
                            "group_id": gid,
                            "year": year,
                            "amount": amount,
                            "reason": "영수증 내역 불일치",
                        },
                    )
                else:
                    y.emit(
                        "activity",
                        "ExpenseApproved",
                        budget,
                        "budget",
                        {"expense_id": expense, "group_id": gid, "year": year, "amount": amount},
                    )
    survey = _ident("v")
    questions = [
        {
            "id": q["id"],
            "text": q["text"],
            "kind": q["kind"],
            "category": q.get("category"),
            "options": q.get("options"),
            "multiple": bool(q.get("multiple")),
        }
        for q in SURVEY_QUESTIONS
    ]
    y.emit(
        "survey",
        "SurveyPublished",
        survey,
        "survey",
        {
            "survey_id": survey,
            "title": f"{year} 자조모임 만족도 조사",
            "year": year,
            "questions": questions,
            "copied_from": None,
        },
    )
    respondents = member_ids[: len(member_ids) * 5 // 6]
    for member, answers in zip(respondents, survey_answers(YEAR, len(respondents))):
        y.emit(
            "survey",
            "SurveySubmitted",
            f"response:{survey}:{member}",
            "response",
            {"survey_id": survey, "year": year, "response_id": _ident("r"), "respondent": member, "answers": answers},
        )
    y.emit("survey", "SurveyClosed", survey, "survey", {"survey_id": survey, "year": year})
    assert set(COMPLAINTS)  # the answers use the demo's options
    return y.out


def _document(y: _Year, group_id: str, kind: str, session_id: str | None) -> str:
    doc = _ident("d")
    y.emit(
        "activity",
        "DocumentSubmitted",
        doc,
        "document",
        {
            "document_id": doc,
            "group_id": group_id,
            "year": y.year,
            "kind": kind,
            "session_id": session_id,
            "expense_id": None,
            "filename": f"{kind}.pdf",
            "content_type": "application/pdf",
            "size": 1234,
            "sha256": "0" * 64,
        },
    )
    return doc


def years(count: int, newest: int = YEAR) -> Iterator[tuple[str, dict]]:
    """`count` program years, oldest first, ending with `newest`."""
    for k in reversed(range(count)):
        yield from program_year(newest - k, k)


def history(events: int, newest: int = YEAR) -> Iterator[dict]:
    """Exactly `events` envelopes: the program years they need, oldest first, the oldest year without its start
    (so that every newer year is whole)."""
    return (envelope for _, envelope in published_history(events, newest))


def published_history(events: int, newest: int = YEAR) -> Iterator[tuple[str, dict]]:
    """`history` with each envelope's topic."""
    per_year = len(program_year(newest))
    count = -(-events // per_year)
    return itertools.islice(years(count, newest), count * per_year - events, None)


def produce(settings, messages: list[tuple[str, dict]]) -> int:
    """Publish with a plain producer (key = subject, like the relay); returns how many."""
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        linger_ms=20,
        batch_size=256 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    try:
        for topic, envelope in messages:
            producer.send(
                settings.topic(topic), key=envelope["subject"].encode(), value=encode(envelope), headers=KAFKA_HEADERS
            )
        producer.flush(120)
    finally:
        producer.close()
    return len(messages)


__all__ = ["program_year", "years", "history", "published_history", "produce", "date"]
