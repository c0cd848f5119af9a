"""The demo's plan of a 2025 program year: pure and deterministic (seeded). Shared by the demo's loader,
bench/ (which copies it into more years) and the tests."""

from __future__ import annotations

import random
from typing import Any
from dataclasses import dataclass, field
from datetime import date

from jajo.center import CENTER

YEAR = 2025
TARGET = {"held": 223, "parents": 948, "children": 877}
GROUP_NAMES = [
    "햇살 놀이터",
    "꿈나무 책읽기",
    "숲속 탐험대",
    "무지개 미술",
    "하하호호 체육",
    "아장아장 걸음마",
    "도란도란 이야기",
    "새싹 텃밭",
    "콩콩 음악놀이",
    "방울방울 과학",
    "토닥토닥 육아",
    "알콩달콩 요리",
    "반짝반짝 별빛",
    "뚝딱뚝딱 만들기",
    "oo 영어동요",
    "풀잎 생태",
    "말랑말랑 촉감",
    "씽씽 자전거",
    "오손도손 보드게임",
    "구름빵 그림책",
]
GROUP_NAMES[14] = "랄라 영어동요"
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민지", "서연", "지훈", "하은", "도윤", "수빈", "예준", "지아", "현우", "유나", "준서", "채원"]
CENTER_SPACES = list(CENTER.space_names)
SLOTS = [("10:00", "12:00"), ("13:00", "15:00"), ("15:30", "17:00"), ("09:00", "09:50")]
COMPLAINTS = ["서류 제출의 어려움", "온라인 간담회 중단", "활동 공간 부족", "없음"]
SURVEY_QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "text": "자조모임 활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "자조모임 운영에 만족하십니까?", "kind": "likert5", "category": "operation"},
    {"id": "q3", "text": "활동 공간에 만족하십니까?", "kind": "likert5", "category": "space"},
    {
        "id": "q4",
        "text": "개선이 필요한 점을 골라 주세요",
        "kind": "choice",
        "category": "improvement",
        "options": COMPLAINTS,
        "multiple": True,
    },
    {"id": "q5", "text": "하고 싶은 말씀", "kind": "text", "category": "comment"},
]


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
            {
                "guardian_name": f"{SURNAMES[(g * 6 + m) % len(SURNAMES)]}{GIVEN[(g + m) % len(GIVEN)]}",
                "phone": f"010-{2000 + g * 10 + m:04d}-{(g * 37 + m * 11) % 10000:04d}",
                "children": [
                    f"{2021 + (g + m + c) % 4}-{1 + (g * 3 + m + c) % 12:02d}-{1 + (g + m * 5 + c) % 28:02d}"
                    for c in range(2 if m % 3 == 0 else 1)
                ],
            }
            for m in range(6)
        ]
        count = held_per_group[g] + (1 if g < 7 else 0)
        weekday, (start, end) = g % 5, SLOTS[g // 5 % len(SLOTS)]
        home = CENTER_SPACES[g % len(CENTER_SPACES)]
        sessions: list[PlannedSession] = []
        per_month: dict[int, int] = {}
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
            sessions.append(
                PlannedSession(f"g{g}-s{k}", day.isoformat(), start, end, kind, venue, title, cancel=(g < 7 and k == 5))
            )
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
    for (_, session), a, n in zip(held, available, kids):
        session.children = sorted(rng.sample(a, n))
    return planned


def survey_answers(seed: int, members: int) -> list[dict]:
    rng = random.Random(seed + 1)
    answers = []
    for m in range(members):
        complaints = [c for c in COMPLAINTS[:3] if rng.random() < (0.45, 0.35, 0.2)[COMPLAINTS.index(c)]]
        answer = {
            "q1": rng.choice([4, 5, 5]),
            "q2": rng.choice([4, 5, 5]),
            "q3": rng.choice([3, 4, 5]),
            "q4": complaints or ["없음"],
        }
        if m % 4 == 0:
            answer["q5"] = rng.choice(
                [
                    "서류 제출이 조금 번거로웠어요.",
                    "온라인 간담회가 다시 열리면 좋겠어요.",
                    "아이와 함께한 시간이 즐거웠습니다.",
                ]
            )
        answers.append(answer)
    return answers
