"""The demo's program year is built to produce the center's 2025 figures without breaking any rule."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from demo.client import staff_token
from demo.plan import CENTER_SPACES, COMPLAINTS, plan, survey_answers
from demo.report import check, table
from services.reporting import report
from services.reporting.projection import replay
from tests.unit.reporting.program import small_program


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def test_the_plan_adds_up_to_the_2025_figures():
    planned = plan()
    held = [s for g in planned for s in g.sessions if not s.cancel]
    assert len(planned) == 20
    assert len(held) == 223
    assert sum(len(s.guardians) for s in held) == 948
    assert sum(len(s.children) for s in held) == 877
    assert 0 < sum(s.cancel for g in planned for s in g.sessions) < 10
    assert Counter(s.kind for s in held).keys() == {"regular", "special", "online"}
    assert {s.date[:7] for s in held} == {f"2025-{m:02d}" for m in range(3, 13)}
    assert plan() == planned  # deterministic


def test_the_plan_keeps_the_rules():
    planned = plan()
    for g in planned:
        assert len({s.date for s in g.sessions}) == len(g.sessions)
        for s in g.sessions:
            assert (s.kind == "online") == (s.venue == "online") and minutes(s.end) > minutes(s.start)
            assert len(set(s.guardians)) == len(s.guardians) and len(set(s.children)) == len(s.children)
            assert all(m in s.guardians and c < len(g.members[m]["children"]) for m, c in s.children)
        for member in g.members:
            assert all("2021-01-01" <= born <= "2024-12-31" for born in member["children"])
    booked = [s for g in planned for s in g.sessions if s.venue in CENTER_SPACES]
    for a, b in combinations(booked, 2):
        if a.venue == b.venue and a.date == b.date:
            assert minutes(a.end) <= minutes(b.start) or minutes(b.end) <= minutes(a.start)


def test_the_survey_answers_are_all_positive_on_support_and_operation():
    answers = survey_answers(2025, 100)
    assert {a["q1"] for a in answers} <= {4, 5} and {a["q2"] for a in answers} <= {4, 5}
    chosen = Counter(option for a in answers for option in a["q4"])
    assert chosen["서류 제출의 어려움"] > 0 and chosen["온라인 간담회 중단"] > 0
    assert all(set(a["q4"]) <= set(COMPLAINTS) for a in answers)


def test_table_and_check():
    r = report.annual(replay(small_program().envelopes), 2025, "2026-01-01T00:00:00Z")
    text = table(r)
    assert "진행 회기" in text and "2025-12" in text and "서류 제출의 어려움" in text
    assert any("held: 4" in problem for problem in check(r))


def test_staff_token_from_api_tokens():
    assert staff_token("viewer:v1,staff:alice:s3cret") == "s3cret"
    assert staff_token("staff:tok") == "tok" and staff_token("viewer:x") is None
