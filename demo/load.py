"""Loads the plan through the write services' APIs: groups, members, budgets, sessions, documents, claims
and the satisfaction survey. Every POST carries an Idempotency-Key of the run (demo.client.Api)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from demo.client import Api
from demo.plan import SURVEY_QUESTIONS, YEAR, PlannedGroup, PlannedSession, survey_answers
from jajo.center import CENTER
from jajo.consent import consent_block


@dataclass
class Loader:
    registration: Api
    activity: Api
    survey: Api
    seed: int = YEAR
    log: bool = True
    year: int = YEAR

    def say(self, text: str) -> None:
        if self.log:
            print(text, file=sys.stderr, flush=True)

    def group(self, grp: PlannedGroup) -> list[str]:
        reg, act, k = self.registration, self.activity, f"g{grp.index}"
        group_id = reg.post(
            "/groups",
            f"{k}-form",
            json={
                "name": grp.name,
                "year": self.year,
                "theme": "영유아 부모 자조모임",
                "description": f"{grp.name} 자조모임",
            },
        )["id"]
        reg.post(f"/groups/{group_id}/approve", f"{k}-approve")
        members = []
        for m, member in enumerate(grp.members):
            body = {
                "guardian_name": member["guardian_name"],
                "district": CENTER.district,
                "phone": member["phone"],
                "children": [
                    {"name": f"{member['guardian_name'][0]}아이{c + 1}", "birth_date": born}
                    for c, born in enumerate(member["children"])
                ],
                "consent": consent_block(len(member["children"])),
            }
            created = reg.post(f"/groups/{group_id}/members", f"{k}-m{m}", json=body)
            members.append((created["id"], [child["id"] for child in created["children"]]))
        act.post(f"/groups/{group_id}/budget", f"{k}-budget", json={"year": self.year, "amount": grp.budget})
        self.document(group_id, f"{k}-plan", "activity_plan")
        for s in grp.sessions:
            self.session(group_id, members, s)
        self.say(f"  {grp.name}: {len(members)} members, {sum(not s.cancel for s in grp.sessions)} sessions held")
        return [member_id for member_id, _ in members]

    def document(self, group_id: str, key: str, kind: str, session_id: str | None = None) -> str:
        data = {"kind": kind, "group_id": group_id, **({"session_id": session_id} if session_id else {})}
        content = b"%PDF-1.4\n% " + f"{kind} {key}".encode() + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        return self.activity.post(
            "/documents", f"{key}-doc", data=data, files={"file": (f"{key}.pdf", content, "application/pdf")}
        )["id"]

    def session(self, group_id: str, members: list[tuple[str, list[str]]], s: PlannedSession) -> None:
        act = self.activity
        session_id = act.post(
            "/sessions",
            f"{s.key}-schedule",
            json={
                "group_id": group_id,
                "date": s.date,
                "start": s.start,
                "end": s.end,
                "kind": s.kind,
                "venue": s.venue,
                "title": s.title,
            },
        )["id"]
        if s.cancel:
            act.post(f"/sessions/{session_id}/cancel", f"{s.key}-cancel")
            return
        act.post(
            f"/sessions/{session_id}/attendance",
            f"{s.key}-held",
            json={
                "guardians": [members[m][0] for m in s.guardians],
                "children": [members[m][1][c] for m, c in s.children],
            },
        )
        if s.kind == "special":
            self.document(group_id, f"{s.key}-report", "result_report", session_id)
            receipt = self.document(group_id, f"{s.key}-receipt", "receipt", session_id)
            amount = 40_000 + (sum(map(ord, s.key)) % 12) * 10_000
            expense = act.post(
                "/expenses",
                f"{s.key}-claim",
                json={
                    "group_id": group_id,
                    "session_id": session_id,
                    "date": s.date,
                    "amount": amount,
                    "category": "활동비",
                    "description": s.title,
                    "document_ids": [receipt],
                },
            )["id"]
            if s.key == "g0-s9":
                act.post(f"/expenses/{expense}/reject", f"{s.key}-reject", json={"reason": "영수증 내역 불일치"})
            else:
                act.post(f"/expenses/{expense}/approve", f"{s.key}-approve")

    def satisfaction(self, member_ids: list[str]) -> None:
        survey_id = self.survey.post(
            "/surveys",
            "survey",
            json={"title": f"{self.year} 자조모임 만족도 조사", "year": self.year, "questions": SURVEY_QUESTIONS},
        )["id"]
        respondents = member_ids[: len(member_ids) * 5 // 6]
        for n, (member_id, answers) in enumerate(zip(respondents, survey_answers(self.seed, len(respondents)))):
            self.survey.post(
                f"/surveys/{survey_id}/responses", f"response-{n}", json={"respondent": member_id, "answers": answers}
            )
        self.survey.post(f"/surveys/{survey_id}/close", "survey-close")
        self.say(f"  satisfaction survey: {len(respondents)} responses")

    def load(self, planned: list[PlannedGroup], workers: int = 4) -> None:
        self.say(f"loading {len(planned)} groups of {self.year} …")
        with ThreadPoolExecutor(workers) as pool:
            member_ids = [m for ids in pool.map(self.group, planned) for m in ids]
        self.satisfaction(member_ids)
