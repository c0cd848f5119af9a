"""A small program year as envelopes built per docs/events.md (no other service's code)."""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from jajo.consent import consent_record
from jajo.consumer import Message
from jajo.envelope import build, encode

SOURCES = {"registration": "registration.events", "activity": "activity.events", "survey": "survey.events"}


@dataclass
class Program:
    """Appends events with per-aggregate versions; `time` can be set to place them on a timeline."""

    events: list[tuple[str, dict]] = field(default_factory=list)  # (topic name without prefix, envelope)
    versions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    time: str | None = None

    def emit(self, source: str, aggregate_type: str, subject: str, type_: str, **data) -> dict:
        self.versions[subject] += 1
        envelope = build(
            type_,
            data,
            subject=subject,
            source=source,
            aggregate_type=aggregate_type,
            version=self.versions[subject],
            actor="staff:test",
            time=self.time,
        )
        self.events.append((SOURCES[source], envelope))
        return envelope

    @property
    def envelopes(self) -> list[dict]:
        return [envelope for _, envelope in self.events]

    # --- registration ---
    def group(self, gid: str, year: int = 2025, approve: bool = True, name: str = "햇살 모임") -> None:
        self.emit(
            "registration",
            "group",
            gid,
            "GroupFormed",
            group_id=gid,
            name=name,
            year=year,
            theme="숲 놀이",
            description=None,
        )
        if approve:
            self.emit("registration", "group", gid, "GroupApproved", group_id=gid, year=year)

    def member(self, gid: str, mid: str, children: list[str], year: int = 2025) -> None:
        self.emit(
            "registration",
            "group",
            gid,
            "MemberJoined",
            group_id=gid,
            year=year,
            member_id=mid,
            joined_on=f"{year}-03-01",
            district="용산구",
            children=[{"child_id": c} for c in children],
            consent=consent_record(children),
            personal={
                "guardian_name": f"보호자 {mid}",
                "phone": "010-0000-0000",
                "children": [{"child_id": c, "name": f"아이 {c}", "birth_date": "2022-01-01"} for c in children],
            },
        )

    def leave(self, gid: str, mid: str, year: int = 2025) -> None:
        self.emit(
            "registration", "group", gid, "MemberLeft", group_id=gid, year=year, member_id=mid, left_on=f"{year}-09-01"
        )

    # --- activity ---
    def session(
        self,
        sid: str,
        gid: str,
        day: str,
        start: str,
        end: str,
        kind: str,
        venue: str,
        guardians: list[str] | None = None,
        children: list[str] | None = None,
        cancel: bool = False,
    ) -> None:
        base = dict(session_id=sid, group_id=gid, date=day, start=start, end=end, kind=kind, venue=venue)
        self.emit("activity", "session", sid, "SessionScheduled", **base, title="모임", series_id=None)
        if cancel:
            self.emit("activity", "session", sid, "SessionCancelled", **base, reason="우천")
        elif guardians is not None:
            self.emit(
                "activity",
                "session",
                sid,
                "SessionHeld",
                **base,
                guardian_ids=guardians,
                child_ids=children or [],
                parents=len(guardians),
                children=len(children or []),
                notes=None,
            )

    def budget(self, gid: str, amount: int, year: int = 2025) -> None:
        subject = f"budget:{gid}:{year}"
        self.emit(
            "activity", "budget", subject, "BudgetAllocated", group_id=gid, year=year, amount=amount, total=amount
        )

    def expense(
        self,
        eid: str,
        gid: str,
        amount: int,
        outcome: str | None,
        documents: tuple[str, ...] | list[str] = (),
        year: int = 2025,
        session_id: str | None = None,
    ) -> None:
        subject = f"budget:{gid}:{year}"
        self.emit(
            "activity",
            "budget",
            subject,
            "ExpenseClaimed",
            expense_id=eid,
            group_id=gid,
            year=year,
            session_id=session_id,
            date=f"{year}-04-10",
            amount=amount,
            category="간식비",
            description="간식",
            document_ids=list(documents),
        )
        if outcome == "approve":
            self.emit(
                "activity", "budget", subject, "ExpenseApproved", expense_id=eid, group_id=gid, year=year, amount=amount
            )
        elif outcome == "reject":
            self.emit(
                "activity",
                "budget",
                subject,
                "ExpenseRejected",
                expense_id=eid,
                group_id=gid,
                year=year,
                amount=amount,
                reason="영수증 불명확",
            )

    def document(self, did: str, gid: str, kind: str, session_id: str | None = None, year: int = 2025) -> None:
        self.emit(
            "activity",
            "document",
            did,
            "DocumentSubmitted",
            document_id=did,
            group_id=gid,
            year=year,
            kind=kind,
            session_id=session_id,
            expense_id=None,
            filename="문서.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
        )

    def space(self, space: str, day: str, sid: str) -> None:
        self.emit(
            "activity",
            "space_day",
            f"space:{space}:{day}",
            "SpaceBooked",
            space=space,
            date=day,
            session_id=sid,
            start="10:00",
            end="12:00",
        )

    # --- survey ---
    def survey(self, vid: str, year: int = 2025) -> None:
        questions = [
            {
                "id": "q1",
                "text": "활동 지원에 만족하십니까?",
                "kind": "likert5",
                "category": "activity_support",
                "options": None,
                "multiple": False,
            },
            {
                "id": "q2",
                "text": "운영에 만족하십니까?",
                "kind": "likert5",
                "category": "operation",
                "options": None,
                "multiple": False,
            },
            {
                "id": "q3",
                "text": "어려웠던 점",
                "kind": "choice",
                "category": None,
                "options": ["서류 제출의 어려움", "온라인 간담회 중단", "기타"],
                "multiple": True,
            },
            {"id": "q4", "text": "하고 싶은 말", "kind": "text", "category": None, "options": None, "multiple": False},
        ]
        self.emit(
            "survey",
            "survey",
            vid,
            "SurveyPublished",
            survey_id=vid,
            title="2025 만족도 조사",
            year=year,
            questions=questions,
            copied_from=None,
        )

    def response(self, vid: str, mid: str, answers: dict, year: int = 2025) -> None:
        subject = f"response:{vid}:{mid}"
        self.emit(
            "survey",
            "response",
            subject,
            "SurveySubmitted",
            survey_id=vid,
            year=year,
            response_id=subject,
            respondent=mid,
            answers=answers,
        )


def small_program() -> Program:
    p = Program()
    p.group("g1")
    p.group("g2")
    p.group("g3", approve=False)
    p.group("g9", year=2024)
    p.member("g1", "m1", ["c1", "c2"])
    p.member("g1", "m2", ["c3"])
    p.member("g2", "m3", ["c4"])
    p.member("g9", "m9", ["c9"], year=2024)
    p.leave("g1", "m2")
    p.session("s1", "g1", "2025-03-05", "10:00", "12:00", "regular", "키움터", ["m1", "m2"], ["c1", "c3"])
    p.space("키움터", "2025-03-05", "s1")
    p.session("s2", "g1", "2025-04-10", "13:00", "16:30", "special", "external", ["m1"], ["c1", "c2"])
    p.session("s3", "g2", "2025-04-15", "20:00", "21:00", "online", "online", ["m3"], [])
    p.session("s4", "g2", "2025-05-01", "10:00", "11:00", "regular", "자람터", cancel=True)
    p.session("s5", "g1", "2025-06-01", "10:00", "11:00", "regular", "공동육아방")
    p.session("s6", "g1", "2025-12-20", "10:00", "11:30", "special", "공동육아방", ["m1"], ["c2"])
    p.session("s9", "g9", "2024-12-20", "10:00", "11:00", "regular", "키움터", ["m9"], ["c9"])
    p.budget("g1", 500_000)
    p.budget("g2", 300_000)
    p.document("d1", "g1", "activity_plan")
    p.document("d2", "g1", "receipt")
    p.document("d3", "g1", "result_report", session_id="s2")
    p.expense("e1", "g1", 100_000, "approve", documents=["d2"])
    p.expense("e2", "g1", 50_000, "reject")
    p.expense("e3", "g2", 30_000, None)
    p.survey("v1")
    p.response("v1", "m1", {"q1": 5, "q2": 4, "q3": ["서류 제출의 어려움", "온라인 간담회 중단"], "q4": "좋아요"})
    p.response("v1", "m2", {"q1": 4, "q2": 3, "q3": ["서류 제출의 어려움"]})
    p.response("v1", "m3", {"q1": 2, "q2": 5, "q3": []})
    return p


def messages(events: list[tuple[str, dict]], topic_prefix: str = "", partitions: int = 2) -> list[Message]:
    """Kafka-like records: keyed by subject, partitioned by key, offsets counting per partition."""
    offsets: dict[tuple[str, int], int] = defaultdict(int)
    out = []
    for topic, envelope in events:
        partition = zlib.crc32(envelope["subject"].encode()) % partitions
        name = topic_prefix + topic
        out.append(Message(name, partition, offsets[(name, partition)], envelope["subject"].encode(), encode(envelope)))
        offsets[(name, partition)] += 1
    return out
