"""Load a 2025 program year through the public HTTP APIs, wait for the report to catch up, print it.

    python -m services.reporting.demo --registration http://127.0.0.1:8001 --activity http://127.0.0.1:8002 \
        --survey http://127.0.0.1:8003 --reporting http://127.0.0.1:8004 --token STAFF_TOKEN

About 20 groups with members and children, sessions March–December (regular meetings, 특별활동 and
온라인 간담회, some cancelled), budgets, receipts and expense claims, documents, and the satisfaction
survey with its complaints. The plan is deterministic (seeded) and shaped so that the center's 2025
figures come out of the report: 223 sessions held, 948 parent and 877 child attendances, 100 %
positive on activity support and on operation. Nothing is stored as a total: the report computes them.

Every POST carries an Idempotency-Key derived from `--run`, so running the demo again with the same
run id changes nothing; a new `--run` loads another program year beside it.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import requests

from jajo.consent import consent_block

YEAR = 2025
TARGET = {"held": 223, "parents": 948, "children": 877}
GROUP_NAMES = [
    "햇살 놀이터", "꿈나무 책읽기", "숲속 탐험대", "무지개 미술", "하하호호 체육", "아장아장 걸음마", "도란도란 이야기",
    "새싹 텃밭", "콩콩 음악놀이", "방울방울 과학", "토닥토닥 육아", "알콩달콩 요리", "반짝반짝 별빛", "뚝딱뚝딱 만들기",
    "oo 영어동요", "풀잎 생태", "말랑말랑 촉감", "씽씽 자전거", "오손도손 보드게임", "구름빵 그림책",
]
GROUP_NAMES[14] = "랄라 영어동요"
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민지", "서연", "지훈", "하은", "도윤", "수빈", "예준", "지아", "현우", "유나", "준서", "채원"]
CENTER_SPACES = ["키움터", "자람터", "공동육아방"]
SLOTS = [("10:00", "12:00"), ("13:00", "15:00"), ("15:30", "17:00"), ("09:00", "09:50")]
COMPLAINTS = ["서류 제출의 어려움", "온라인 간담회 중단", "활동 공간 부족", "없음"]
SURVEY_QUESTIONS = [
    {"id": "q1", "text": "자조모임 활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "자조모임 운영에 만족하십니까?", "kind": "likert5", "category": "operation"},
    {"id": "q3", "text": "활동 공간에 만족하십니까?", "kind": "likert5", "category": "space"},
    {"id": "q4", "text": "개선이 필요한 점을 골라 주세요", "kind": "choice", "category": "improvement",
     "options": COMPLAINTS, "multiple": True},
    {"id": "q5", "text": "하고 싶은 말씀", "kind": "text", "category": "comment"},
]


# --- the plan: pure and deterministic ---------------------------------------------------------------------
@dataclass
class PlannedSession:
    key: str
    date: str
    start: str
    end: str
    kind: str
    venue: str
    title: str
    cancel: bool = False
    guardians: list[int] = field(default_factory=list)  # member indexes in the group
    children: list[tuple[int, int]] = field(default_factory=list)  # (member index, child index)


@dataclass
class PlannedGroup:
    index: int
    name: str
    members: list[dict]  # {guardian_name, phone, children: [birth_date]}
    sessions: list[PlannedSession]
    budget: int


def _nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return date(year, month, 1 + offset + 7 * week)


def _adjust(values: list[int], target: int, low: list[int], high: list[int], rng: random.Random) -> None:
    """Nudge values one by one, within their bounds, until they sum to target."""
    while sum(values) != target:
        step = 1 if sum(values) < target else -1
        candidates = [i for i, v in enumerate(values) if low[i] <= v + step <= high[i]]
        if not candidates:
            raise ValueError("the plan cannot reach its target")
        values[rng.choice(candidates)] += step


def plan(seed: int = YEAR, groups: int = 20, year: int = YEAR) -> list[PlannedGroup]:
    """The program year `year`'s groups and sessions (the same shape every year, on that year's weekdays)."""
    rng = random.Random(seed)
    held_per_group = [TARGET["held"] // groups + (1 if g < TARGET["held"] % groups else 0) for g in range(groups)]
    planned: list[PlannedGroup] = []
    for g in range(groups):
        members = [
            {"guardian_name": f"{SURNAMES[(g * 6 + m) % len(SURNAMES)]}{GIVEN[(g + m) % len(GIVEN)]}",
             "phone": f"010-{2000 + g * 10 + m:04d}-{(g * 37 + m * 11) % 10000:04d}",
             "children": [f"{2021 + (g + m + c) % 4}-{1 + (g * 3 + m + c) % 12:02d}-{1 + (g + m * 5 + c) % 28:02d}"
                          for c in range(2 if m % 3 == 0 else 1)]}
            for m in range(6)
        ]
        count = held_per_group[g] + (1 if g < 7 else 0)
        weekday, (start, end) = g % 5, SLOTS[g // 5 % len(SLOTS)]
        home = CENTER_SPACES[g % len(CENTER_SPACES)]
        sessions, per_month = [], {}
        for k in range(count):
            month = 3 + k * 10 // count
            week = per_month.get(month, 0)
            per_month[month] = week + 1
            day = _nth_weekday(year, month, weekday, week * 2)
            if k in (2, 7):
                kind, venue, title = "online", "online", "온라인 간담회"
            elif k == 4:
                kind, venue, title = "special", "external", "특별활동: 체험 나들이"
            elif k == 9:
                kind, venue, title = "special", home, "특별활동: 가족 만들기 교실"
            else:
                kind, venue, title = "regular", home, f"{month}월 정기모임"
            sessions.append(PlannedSession(f"g{g}-s{k}", day.isoformat(), start, end, kind, venue, title,
                                           cancel=(g < 7 and k == 5)))
        planned.append(PlannedGroup(g, GROUP_NAMES[g], members, sessions, 600_000))

    held = [(grp, s) for grp in planned for s in grp.sessions if not s.cancel]
    assert len(held) == TARGET["held"]
    parents = [rng.randint(3, 6) for _ in held]
    _adjust(parents, TARGET["parents"], [2] * len(held), [6] * len(held), rng)
    for (grp, session), p in zip(held, parents):
        session.guardians = sorted(rng.sample(range(len(grp.members)), p))
    available = [[(m, c) for m in s.guardians for c in range(len(grp.members[m]["children"]))] for grp, s in held]
    kids = [rng.randint(1, len(a)) for a in available]
    _adjust(kids, TARGET["children"], [1] * len(held), [len(a) for a in available], rng)
    for (grp, session), a, n in zip(held, available, kids):
        session.children = sorted(rng.sample(a, n))
    return planned


def survey_answers(seed: int, members: int) -> list[dict]:
    rng = random.Random(seed + 1)
    answers = []
    for m in range(members):
        complaints = [c for c in COMPLAINTS[:3] if rng.random() < (0.45, 0.35, 0.2)[COMPLAINTS.index(c)]]
        answer = {"q1": rng.choice([4, 5, 5]), "q2": rng.choice([4, 5, 5]), "q3": rng.choice([3, 4, 5]),
                  "q4": complaints or ["없음"]}
        if m % 4 == 0:
            answer["q5"] = rng.choice(["서류 제출이 조금 번거로웠어요.", "온라인 간담회가 다시 열리면 좋겠어요.",
                                       "아이와 함께한 시간이 즐거웠습니다."])
        answers.append(answer)
    return answers


# --- the HTTP client ----------------------------------------------------------------------------------------
class Api:
    def __init__(self, base: str, token: str, run: str, timeout: float = 60.0):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.run = run
        self.timeout = timeout

    def call(self, method: str, path: str, key: str | None = None, **kwargs) -> dict:
        """Retries what the contract says to retry: 409 with Retry-After, 503, a refused connection."""
        headers = {"Idempotency-Key": f"demo-{self.run}-{key}"} if key else {}
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                response = self.http.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=30,
                                             **kwargs)
            except requests.ConnectionError:
                response = None
            retry = response is None or response.status_code == 503 or (
                response.status_code == 409 and "Retry-After" in response.headers)
            if not retry:
                if response.status_code >= 400:
                    raise SystemExit(f"{method} {path} → {response.status_code}: {response.text[:500]}")
                return response.json()
            if time.monotonic() > deadline:
                raise SystemExit(f"{method} {path} kept answering {response and response.status_code}")
            wait = float(response.headers.get("Retry-After", 0.2)) if response is not None else 0.5
            time.sleep(min(max(wait, 0.05), 1.0))

    def post(self, path: str, key: str, **kwargs) -> dict:
        return self.call("POST", path, key, **kwargs)

    def get(self, path: str) -> dict:
        return self.call("GET", path)


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
        group_id = reg.post("/groups", f"{k}-form", json={
            "name": grp.name, "year": self.year, "theme": "영유아 부모 자조모임", "description": f"{grp.name} 자조모임"})["id"]
        reg.post(f"/groups/{group_id}/approve", f"{k}-approve")
        members = []
        for m, member in enumerate(grp.members):
            body = {"guardian_name": member["guardian_name"], "district": "용산구", "phone": member["phone"],
                    "children": [{"name": f"{member['guardian_name'][0]}아이{c + 1}", "birth_date": born}
                                 for c, born in enumerate(member["children"])],
                    "consent": consent_block(len(member["children"]))}
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
        return self.activity.post("/documents", f"{key}-doc", data=data,
                                  files={"file": (f"{key}.pdf", content, "application/pdf")})["id"]

    def session(self, group_id: str, members: list[tuple[str, list[str]]], s: PlannedSession) -> None:
        act = self.activity
        session_id = act.post("/sessions", f"{s.key}-schedule", json={
            "group_id": group_id, "date": s.date, "start": s.start, "end": s.end, "kind": s.kind,
            "venue": s.venue, "title": s.title})["id"]
        if s.cancel:
            act.post(f"/sessions/{session_id}/cancel", f"{s.key}-cancel")
            return
        act.post(f"/sessions/{session_id}/attendance", f"{s.key}-held", json={
            "guardians": [members[m][0] for m in s.guardians],
            "children": [members[m][1][c] for m, c in s.children]})
        if s.kind == "special":
            self.document(group_id, f"{s.key}-report", "result_report", session_id)
            receipt = self.document(group_id, f"{s.key}-receipt", "receipt", session_id)
            amount = 40_000 + (sum(map(ord, s.key)) % 12) * 10_000
            expense = act.post("/expenses", f"{s.key}-claim", json={
                "group_id": group_id, "session_id": session_id, "date": s.date, "amount": amount,
                "category": "활동비", "description": s.title, "document_ids": [receipt]})["id"]
            if s.key == "g0-s9":
                act.post(f"/expenses/{expense}/reject", f"{s.key}-reject", json={"reason": "영수증 내역 불일치"})
            else:
                act.post(f"/expenses/{expense}/approve", f"{s.key}-approve")

    def satisfaction(self, member_ids: list[str]) -> None:
        survey_id = self.survey.post("/surveys", "survey", json={
            "title": f"{self.year} 자조모임 만족도 조사", "year": self.year, "questions": SURVEY_QUESTIONS})["id"]
        respondents = member_ids[: len(member_ids) * 5 // 6]
        for n, (member_id, answers) in enumerate(zip(respondents, survey_answers(self.seed, len(respondents)))):
            self.survey.post(f"/surveys/{survey_id}/responses", f"response-{n}",
                             json={"respondent": member_id, "answers": answers})
        self.survey.post(f"/surveys/{survey_id}/close", "survey-close")
        self.say(f"  satisfaction survey: {len(respondents)} responses")

    def load(self, planned: list[PlannedGroup], workers: int = 4) -> None:
        self.say(f"loading {len(planned)} groups of {self.year} …")
        with ThreadPoolExecutor(workers) as pool:
            member_ids = [m for ids in pool.map(self.group, planned) for m in ids]
        self.satisfaction(member_ids)


# --- waiting and printing --------------------------------------------------------------------------------
def pending(api: Api) -> int:
    response = api.http.get(f"{api.base}/api/v1/outbox", timeout=30)
    if response.status_code == 404:
        print(f"warning: {api.base} has no /api/v1/outbox; not waiting for it", file=sys.stderr)
        return 0
    response.raise_for_status()
    return response.json()["pending"]


def wait_until_caught_up(writers: list[Api], reporting: Api, timeout: float = 300.0) -> None:
    """`pending == 0` on every write service, then `lag == 0`: the report includes everything written."""
    deadline = time.monotonic() + timeout
    while any([pending(api) for api in writers]):
        if time.monotonic() > deadline:
            raise SystemExit("outboxes did not drain")
        time.sleep(0.2)
    while reporting.get("/projections/status")["lag"]:
        if time.monotonic() > deadline:
            raise SystemExit("the projector did not catch up")
        time.sleep(0.2)


def table(report: dict) -> str:
    s, p = report["sessions"], report["participation"]
    rows = [
        ("연도", report["year"]), ("결성/승인/활동 모임", "{formed} / {approved} / {active}".format(**report["groups"])),
        ("참여 보호자 / 아동", f"{report['members']['guardians']} / {report['members']['children']}"),
        ("진행 회기", s["held"]), ("취소 회기", s["cancelled"]),
        ("정기 / 특별활동 / 온라인 간담회", "{regular} / {special} / {online}".format(**s["by_kind"])),
        ("누적 보호자 참여", p["parents"]), ("누적 아동 참여", p["children"]),
        ("실 참여 보호자 / 아동", f"{p['unique_parents']} / {p['unique_children']}"),
        ("예산 배정 / 청구 / 승인 (원)", "{allocated:,} / {claimed:,} / {approved:,}".format(**report["budget"])),
    ]
    lines = [f"{YEAR} 자조모임 연간 보고 (기준 {report['as_of']})", "-" * 60]
    lines += [f"{name:<28}{value}" for name, value in rows]
    lines += ["", f"{'월':<10}{'회기':>6}{'보호자':>8}{'아동':>8}"]
    lines += [f"{m['month']:<10}{m['sessions']:>6}{m['parents']:>8}{m['children']:>8}" for m in report["by_month"]]
    lines += ["", f"{'장소':<12}{'회기':>6}{'시간':>8}"]
    lines += [f"{v:<12}{d['sessions']:>6}{d['hours']:>8}" for v, d in report["venues"].items()]
    lines += ["", f"{'문항':<6}{'영역':<18}{'응답':>5}{'긍정':>5}{'긍정률':>8}{'평균':>6}{'100점':>7}"]
    lines += [f"{q['id']:<6}{q['category'] or '':<18}{q['responses']:>5}{q['positive']:>5}"
              f"{q['positive_rate'] * 100:>7.1f}%{q['mean']:>6}{q['score100']:>7}"
              for q in report["satisfaction"]["questions"]]
    for qid, counts in report["choices"].items():
        lines += ["", f"{qid} 선택 응답"] + [f"  {option:<20}{n:>5}" for option, n in counts.items()]
    return "\n".join(lines)


def check(report: dict) -> list[str]:
    problems = []
    found = {"held": report["sessions"]["held"], "parents": report["participation"]["parents"],
             "children": report["participation"]["children"]}
    for name, want in TARGET.items():
        if found[name] != want:
            problems.append(f"{name}: {found[name]} ≠ {want}")
    rates = {q["category"]: q["positive_rate"] for q in report["satisfaction"]["questions"]}
    for category in ("activity_support", "operation"):
        if rates.get(category) != 1.0:
            problems.append(f"{category} positive rate {rates.get(category)} ≠ 1.0")
    return problems


def staff_token(spec: str) -> str | None:
    """The first staff token of an API_TOKENS value (`role:token` or `role:name:token`, comma separated)."""
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        parts = entry.split(":")
        if parts[0] == "staff" and len(parts) in (2, 3):
            return parts[-1]
    return None


def default_token() -> str | None:
    """JAJO_TOKEN, else the staff token of API_TOKENS, else the one the embedded stack saved on `make up`."""
    import os

    if os.environ.get("JAJO_TOKEN"):
        return os.environ["JAJO_TOKEN"]
    if os.environ.get("API_TOKENS"):
        return staff_token(os.environ["API_TOKENS"])
    try:
        from jajo.stack import Layout
    except ImportError:
        return None
    saved = Layout.from_env().root / "tokens"
    return staff_token(saved.read_text()) if saved.exists() else None


def default_url(service: str, port: int) -> str:
    import os

    return f"http://127.0.0.1:{os.environ.get(f'{service.upper()}_PORT', port)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for service, port in (("registration", 8001), ("activity", 8002), ("survey", 8003), ("reporting", 8004)):
        parser.add_argument(f"--{service}", default=default_url(service, port), help=f"{service}'s base URL")
    parser.add_argument("--token", default=default_token(),
                        help="a staff token (default: JAJO_TOKEN, API_TOKENS or the embedded stack's saved one)")
    parser.add_argument("--run", default="2025", help="idempotency namespace: the same run id loads nothing twice")
    parser.add_argument("--seed", type=int, default=YEAR)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("no staff token: pass --token or set JAJO_TOKEN")
    apis = {name: Api(getattr(args, name), args.token, args.run)
            for name in ("registration", "activity", "survey", "reporting")}
    started = time.monotonic()
    Loader(apis["registration"], apis["activity"], apis["survey"], args.seed).load(plan(args.seed), args.workers)
    print(f"loaded in {time.monotonic() - started:.1f} s; waiting for the report to catch up …", file=sys.stderr)
    wait_until_caught_up([apis["registration"], apis["activity"], apis["survey"]], apis["reporting"])
    report = apis["reporting"].get(f"/reports/annual/{YEAR}")
    print(table(report))
    problems = check(report)
    if problems:
        print("\nthe report does not match the center's 2025 figures: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("\n223 회기 · 보호자 948 · 아동 877 · 활동 지원/운영 긍정 100% ✓")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
