"""The pure projection: commutative updates, the annual and group reports over them."""

from __future__ import annotations

import random

import pytest

from services.reporting import exports, report
from services.reporting.projection import MemoryModels, esc, project, replay, unesc
from tests.unit.reporting.program import Program, small_program

AS_OF = "2026-01-01T00:00:00Z"


def annual(envelopes, year=2025):
    return report.annual(replay(envelopes), year, AS_OF)


def test_annual_report_of_the_small_program():
    r = annual(small_program().envelopes)
    assert r["groups"] == {"formed": 3, "approved": 2, "active": 2}
    assert r["members"] == {"guardians": 3, "children": 4}
    assert r["sessions"] == {"held": 4, "cancelled": 1, "by_kind": {"regular": 1, "special": 2, "online": 1}}
    assert r["participation"] == {"parents": 5, "children": 5, "unique_parents": 3, "unique_children": 3}
    assert len(r["by_month"]) == 12 and [m["month"] for m in r["by_month"]][:2] == ["2025-01", "2025-02"]
    months = {m["month"]: (m["sessions"], m["parents"], m["children"], m["cancelled"]) for m in r["by_month"]}
    assert months["2025-03"] == (1, 2, 2, 0) and months["2025-04"] == (2, 2, 2, 0)
    assert months["2025-05"] == (0, 0, 0, 1) and months["2025-12"] == (1, 1, 1, 0) and months["2025-01"] == (0, 0, 0, 0)
    assert r["venues"] == {
        "키움터": {"sessions": 1, "hours": 2.0},
        "자람터": {"sessions": 0, "hours": 0.0},
        "공동육아방": {"sessions": 1, "hours": 1.5},
        "external": {"sessions": 1, "hours": 3.5},
        "online": {"sessions": 1, "hours": 1.0},
    }
    assert r["budget"] == {"allocated": 800_000, "claimed": 180_000, "approved": 100_000, "rejected": 50_000}
    q1, q2 = r["satisfaction"]["questions"]
    assert (q1["id"], q1["category"], q1["responses"], q1["positive"]) == ("q1", "activity_support", 3, 2)
    assert (q1["positive_rate"], q1["mean"], q1["score100"]) == (0.6667, 3.6667, 66.6667)  # four decimals
    assert (q2["positive"], q2["mean"], q2["score100"]) == (2, 4.0, 75.0)
    assert r["choices"] == {"q3": {"서류 제출의 어려움": 2, "온라인 간담회 중단": 1, "기타": 0}}
    assert r["as_of"] == AS_OF


def test_other_years_are_separate():
    r = annual(small_program().envelopes, 2024)
    assert r["groups"]["formed"] == 1 and r["sessions"]["held"] == 1 and r["members"]["guardians"] == 1
    assert r["satisfaction"]["questions"] == [] and r["choices"] == {}


@pytest.mark.parametrize("seed", range(5))
def test_any_order_gives_the_same_report(seed):
    envelopes = small_program().envelopes
    shuffled = envelopes[:]
    random.Random(seed).shuffle(shuffled)
    assert annual(shuffled) == annual(envelopes)
    assert report.group(replay(shuffled), "g1") == report.group(replay(envelopes), "g1")


def test_held_before_group_formed_and_response_before_survey_published():
    p = small_program()
    late = [e for e in p.envelopes if e["type"] in ("GroupFormed", "SurveyPublished")]
    early = [e for e in p.envelopes if e["type"] not in ("GroupFormed", "SurveyPublished")]
    partial = annual(early)
    assert partial["groups"]["formed"] == 0 and partial["satisfaction"]["questions"] == []
    assert annual(early + late) == annual(p.envelopes)


def test_group_report_budget_sessions_and_missing_documents():
    models = replay(small_program().envelopes)
    g1 = report.group(models, "g1")
    assert g1["status"] == "approved" and g1["year"] == 2025
    assert g1["members"] == {"joined": 2, "current": 1, "children": 3}
    assert [s["id"] for s in g1["sessions"]] == ["s1", "s2", "s5", "s6"]
    assert [s["status"] for s in g1["sessions"]] == ["held", "held", "scheduled", "held"]
    assert g1["attendance"] == {"held": 3, "cancelled": 0, "parents": 4, "children": 5}
    assert g1["budget"] == {
        "allocated": 500_000,
        "claimed": 150_000,
        "approved": 100_000,
        "rejected": 50_000,
        "remaining": 400_000,
    }
    assert [e["status"] for e in g1["expenses"]] == ["approved", "rejected"]
    assert g1["missing_documents"] == [
        {
            "kind": "result_report",
            "year": 2025,
            "session_id": "s6",
            "expense_id": None,
            "date": "2025-12-20",
            "detail": "a result report for the special session of 2025-12-20",
        }
    ]
    g2 = report.group(models, "g2")
    assert [(m["kind"], m["expense_id"]) for m in g2["missing_documents"]] == [
        ("activity_plan", None),
        ("receipt", "e3"),
    ]
    assert report.group(models, "nobody") is None


def test_receipt_submitted_after_the_claim_still_counts():
    p = Program()
    p.group("g")
    p.expense("e", "g", 1000, None, documents=["r"])
    p.document("plan", "g", "activity_plan")
    before = report.group(replay(p.envelopes), "g")["missing_documents"]
    assert [m["kind"] for m in before] == ["receipt"]
    p.document("r", "g", "receipt")
    assert report.group(replay(p.envelopes), "g")["missing_documents"] == []


def test_a_returned_document_is_owed_again_until_a_new_file_arrives_in_any_order():
    p = Program()
    p.group("g")
    p.document("plan", "g", "activity_plan")
    facts = {"group_id": "g", "year": 2025, "kind": "activity_plan", "session_id": None, "expense_id": None}
    p.emit("activity", "document", "plan", "DocumentReturned", document_id="plan", **facts, reason="서명 누락")
    assert [m["kind"] for m in report.group(replay(p.envelopes), "g")["missing_documents"]] == ["activity_plan"]
    assert [m["kind"] for m in report.group(replay(p.envelopes[::-1]), "g")["missing_documents"]] == ["activity_plan"]
    p.document("plan2", "g", "activity_plan")
    p.emit("activity", "document", "plan2", "DocumentAccepted", document_id="plan2", **facts)
    assert report.group(replay(p.envelopes), "g")["missing_documents"] == []
    assert replay(p.envelopes).get("documents", "plan")["return_reason"] == "서명 누락"


def connection(p: Program, member: str, status: str, report_no: int, sid: str = "s3") -> None:
    p.emit(
        "activity",
        "session",
        sid,
        "ConnectionReported",
        session_id=sid,
        group_id="g2",
        date="2025-04-15",
        start="20:00",
        end="21:00",
        kind="online",
        venue="online",
        member_id=member,
        status=status,
        note=None,
        report_no=report_no,
    )


def test_online_block_counts_the_latest_report_per_guardian_in_any_order():
    p = small_program()
    assert annual(p.envelopes)["online"] == {
        "sessions_held": 1,
        "reports": 0,
        "problem_rate": 0.0,
        "by_status": {"ok": 0, "audio": 0, "video": 0, "dropped": 0, "could_not_join": 0},
    }
    connection(p, "m3", "dropped", 1)
    connection(p, "m3", "ok", 2)  # replaces the first
    connection(p, "m4", "audio", 1)
    connection(p, "m5", "could_not_join", 1)
    online = annual(p.envelopes)["online"]
    assert online == {
        "sessions_held": 1,
        "reports": 3,
        "problem_rate": 0.6667,
        "by_status": {"ok": 1, "audio": 1, "video": 0, "dropped": 0, "could_not_join": 1},
    }
    assert annual(p.envelopes[::-1])["online"] == online
    rows = dict(exports.summary_rows(annual(p.envelopes)))
    assert rows["온라인 접속 보고"] == 3 and rows["온라인 접속 문제율"] == 0.6667
    assert "온라인접속,접속 못 함,보고 수,1" in exports.csv_text(annual(p.envelopes)).splitlines()


def test_likert_summary_without_responses_and_score100():
    assert report.likert_summary({})["score100"] == 0.0
    summary = report.likert_summary({"i5": 2, "i1": 2})
    assert summary["mean"] == 3.0 and summary["score100"] == 50.0 and summary["positive_rate"] == 0.5


def test_text_answers_never_become_field_names_and_keys_are_escaped():
    p = Program()
    p.response("v", "m", {"q.1": "긴 의견 " * 100, "$q": 3})
    [op] = project(p.envelopes[0])
    assert set(op.inc) == {"responses", "hist.q%2E1.s" + op_key(op, "q%2E1"), "hist.%24q.i3"}
    assert all(len(path) < 80 and "$" not in path for path in op.inc)
    assert unesc(esc("a.b$c%")) == "a.b$c%" and unesc(esc("")) == ""


@pytest.mark.parametrize(
    "breakage",
    [
        lambda e: e["data"].pop("group_id"),
        lambda e: e["data"].update(date="2025-13-01"),
        lambda e: e["data"].update(parents=-1),
        lambda e: e.update(time="not a time"),
    ],
)
def test_an_unprojectable_event_raises_a_dead_letter_error(breakage):
    p = Program()
    p.session("s", "g", "2025-03-05", "10:00", "12:00", "regular", "키움터", ["m"], [])
    held = p.envelopes[-1]
    breakage(held)
    with pytest.raises((KeyError, ValueError, TypeError)):
        project(held)
    assert report.annual(replay(p.envelopes), 2025, AS_OF)["sessions"]["held"] == 0


def op_key(op, question):
    [path] = [p for p in op.inc if p.startswith(f"hist.{question}.s")]
    return path.rsplit(".s", 1)[1]


def test_memory_models_find_and_sets():
    models = MemoryModels()
    p = Program()
    p.member("g", "m", ["c"])
    p.member("g", "m", ["c"])
    models.apply([op for e in p.envelopes for op in project(e)])
    assert models.get("years", "2025")["member_ids"] == ["m"]
    assert [g["_id"] for g in models.find("groups", year=2025)] == ["g"]


def test_exports_hold_the_report_numbers():
    r = annual(small_program().envelopes)
    sheets = exports.sheets(r)
    assert list(sheets) == ["요약", "활동유형별", "월별", "장소별", "예산", "만족도", "온라인접속", "선택문항"]
    summary = dict(sheets["요약"][1])
    assert summary["진행 회기"] == 4 and summary["누적 보호자 참여"] == 5
    text = exports.csv_text(r)
    assert text.startswith("\ufeff구분,항목,세부,값") and "선택문항,q3,서류 제출의 어려움,2" in text
