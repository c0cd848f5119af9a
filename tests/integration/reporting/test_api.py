"""Reporting's HTTP API: annual report with as_of, exports, group report, audit, status, dead letters."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from jajo.bootstrap import write_service
from jajo.http import outbox
from jajo.http.app import create_service_app
from services.reporting import projection as readmodels
from tests.conftest import STAFF, VIEWER
from tests.unit.reporting.program import Program, small_program

pytestmark = pytest.mark.integration


def get(http, url, headers=VIEWER, status=200):
    response = http.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def test_as_of_before_and_after_a_batch_of_writes(http, feed):
    first = Program(time="2025-12-01T09:00:00Z")
    first.group("g1")
    first.member("g1", "m1", ["c1"])
    first.session("s1", "g1", "2025-11-05", "10:00", "12:00", "regular", "키움터", ["m1"], ["c1"])
    feed(first.events)
    second = Program(time="2026-01-15T09:00:00Z", versions=first.versions)
    second.member("g1", "m2", ["c2", "c3"])
    second.session("s2", "g1", "2025-12-05", "10:00", "11:00", "special", "external", ["m1", "m2"], ["c2", "c3"])
    second.session("s3", "g1", "2025-12-06", "10:00", "11:00", "regular", "자람터", cancel=True)
    feed(second.events)

    before = get(http, "/api/v1/reports/annual/2025?as_of=2025-12-31T23:59:59%2B09:00").get_json()
    after = get(http, "/api/v1/reports/annual/2025?as_of=2026-02-01T00:00:00Z").get_json()
    live = get(http, "/api/v1/reports/annual/2025").get_json()
    assert before["as_of"] == "2025-12-31T14:59:59Z"
    assert before["sessions"] == {"held": 1, "cancelled": 0, "by_kind": {"regular": 1, "special": 0, "online": 0}}
    assert before["participation"] == {"parents": 1, "children": 1, "unique_parents": 1, "unique_children": 1}
    assert before["members"] == {"guardians": 1, "children": 1}
    assert after["sessions"] == {"held": 2, "cancelled": 1, "by_kind": {"regular": 1, "special": 1, "online": 0}}
    assert after["participation"] == {"parents": 3, "children": 3, "unique_parents": 2, "unique_children": 3}
    assert after["members"] == {"guardians": 2, "children": 3}
    after.pop("as_of"), live.pop("as_of")
    assert after == live
    exactly_at = get(http, "/api/v1/reports/annual/2025?as_of=2025-12-01T09:00:00Z").get_json()
    assert exactly_at["sessions"]["held"] == 1
    nothing = get(http, "/api/v1/reports/annual/2025?as_of=2020-01-01T00:00:00Z").get_json()
    assert nothing["sessions"]["held"] == 0 and len(nothing["by_month"]) == 12


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/reports/annual/2025?as_of=yesterday", "as_of"),
        ("/api/v1/reports/annual/2025?as_of=2025-12-31T00:00:00", "as_of"),
        ("/api/v1/reports/annual/1999", "year"),
        ("/api/v1/reports/annual/2019", "year"),  # the program years of jajo/center.toml, as the write services'
        ("/api/v1/reports/annual/2101", "year"),
        ("/api/v1/reports/annual/2025?unknown=1", "unknown"),
        ("/api/v1/audit/events?limit=0", "limit"),
        ("/api/v1/audit/events?cursor=abc", "cursor"),
        ("/api/v1/audit/events?type=Nope", "type"),
        ("/api/v1/audit/events?since=noon", "since"),
    ],
)
def test_bad_queries_are_problems_naming_the_field(http, url, field):
    response = http.get(url, headers=VIEWER)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_xlsx_and_csv_hold_the_same_numbers_as_the_json(http, feed):
    feed(small_program().events)
    report = get(http, "/api/v1/reports/annual/2025").get_json()
    response = get(http, "/api/v1/reports/annual/2025.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["요약", "활동유형별", "월별", "장소별", "예산", "만족도", "온라인접속", "선택문항"]
    summary = {row[0]: row[1] for row in book["요약"].iter_rows(min_row=2, values_only=True)}
    assert summary["진행 회기"] == report["sessions"]["held"] == 4
    assert summary["누적 보호자 참여"] == report["participation"]["parents"]
    assert summary["누적 아동 참여"] == report["participation"]["children"]
    assert summary["실 참여 보호자"] == report["participation"]["unique_parents"]
    assert summary["결성 모임 수"] == report["groups"]["formed"]
    assert summary["예산 배정액(원)"] == report["budget"]["allocated"]
    months = [list(row) for row in book["월별"].iter_rows(min_row=2, values_only=True)]
    assert months == [
        [m["month"], m["sessions"], m["parents"], m["children"], m["cancelled"]] for m in report["by_month"]
    ]
    venues = {row[0]: (row[1], row[2]) for row in book["장소별"].iter_rows(min_row=2, values_only=True)}
    assert venues["키움터"] == (report["venues"]["키움터"]["sessions"], report["venues"]["키움터"]["hours"])
    assert venues["외부"] == (1, 3.5)
    likert = [list(row) for row in book["만족도"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in likert] == [
        (q["id"], q["responses"], q["positive"], q["positive_rate"], q["mean"], q["score100"])
        for q in report["satisfaction"]["questions"]
    ]
    choices = {(r[0], r[1]): r[2] for r in book["선택문항"].iter_rows(min_row=2, values_only=True)}
    assert choices[("q3", "서류 제출의 어려움")] == report["choices"]["q3"]["서류 제출의 어려움"] == 2
    csv = get(http, "/api/v1/reports/annual/2025.csv").get_data(as_text=True)
    assert "요약,진행 회기,,4" in csv
    past = load_workbook(io.BytesIO(get(http, "/api/v1/reports/annual/2025.xlsx?as_of=2020-01-01T00:00:00Z").data))
    assert dict(past["요약"].iter_rows(min_row=2, values_only=True))["진행 회기"] == 0


def test_group_report(http, feed):
    feed(small_program().events)
    g1 = get(http, "/api/v1/reports/groups/g1").get_json()
    assert g1["budget"]["remaining"] == 400_000 and g1["attendance"]["held"] == 3
    assert [m["kind"] for m in g1["missing_documents"]] == ["result_report"]
    assert get(http, "/api/v1/reports/groups/nope", status=404).mimetype == "application/problem+json"


def test_audit_pages_filters_and_personal_data(http, feed):
    program = small_program()
    feed(program.events, batch=11)
    seen, cursor = [], None
    while True:
        url = "/api/v1/audit/events?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = get(http, url, headers=STAFF).get_json()
        seen += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in seen] == [e["id"] for e in program.envelopes]
    joined = get(http, "/api/v1/audit/events?type=MemberJoined&personal=true", headers=STAFF).get_json()["events"]
    assert len(joined) == 4 and joined[0]["data"]["personal"]["guardian_name"] == "보호자 m1"
    for headers in (VIEWER, STAFF):  # staff too must ask for it
        events = get(http, "/api/v1/audit/events?type=MemberJoined", headers=headers).get_json()["events"]
        assert all("personal" not in e["data"] for e in events)
    assert all(
        "personal" not in e["data"]
        for e in get(http, "/api/v1/audit/events?type=MemberJoined&personal=false", headers=STAFF).get_json()["events"]
    )
    assert get(http, "/api/v1/audit/events?personal=true", status=403).mimetype == "application/problem+json"
    surveys = get(http, "/api/v1/audit/events?source=/survey").get_json()["events"]
    assert {e["source"] for e in surveys} == {"/survey"} and len(surveys) == 4
    assert get(http, "/api/v1/audit/events?since=2099-01-01T00:00:00Z").get_json() == {
        "events": [],
        "next_cursor": None,
    }
    history = get(http, "/api/v1/audit/subjects/g1?personal=true", headers=STAFF).get_json()["events"]
    assert [e["aggregateversion"] for e in history] == [1, 2, 3, 4, 5]
    assert "personal" in history[2]["data"]
    assert "personal" not in get(http, "/api/v1/audit/subjects/g1", headers=STAFF).get_json()["events"][2]["data"]
    assert "personal" not in get(http, "/api/v1/audit/subjects/g1").get_json()["events"][2]["data"]

    export = get(http, "/api/v1/audit/events.jsonl?subject=g1")
    assert export.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert [e["type"] for e in lines] == ["GroupFormed", "GroupApproved", "MemberJoined", "MemberJoined", "MemberLeft"]
    assert all("personal" not in e["data"] for e in lines)
    staff_lines = get(http, "/api/v1/audit/events.jsonl?type=MemberJoined&personal=true", headers=STAFF)
    assert "보호자 m1" in staff_lines.get_data(as_text=True)
    for query in ("", "?personal=false"):
        assert "보호자" not in get(http, f"/api/v1/audit/events.jsonl{query}", headers=STAFF).get_data(as_text=True)
    assert get(http, "/api/v1/audit/events.jsonl?personal=true", status=403)


def test_audit_cursor_is_stable_while_events_keep_arriving(http, feed):
    program = small_program()
    events = program.events
    feed(events[:10])
    page = get(http, "/api/v1/audit/events?limit=6").get_json()
    feed(events[10:])
    rest = get(http, f"/api/v1/audit/events?limit=1000&cursor={page['next_cursor']}").get_json()
    assert [e["id"] for e in page["events"] + rest["events"]] == [e["id"] for e in program.envelopes]
    assert rest["next_cursor"] is None


def test_dead_letters_are_listed_and_redriven(http, feed, reporting, monkeypatch):
    program = small_program()
    feed(program.events[:5])

    def broken(data):
        raise ValueError("a projector bug")

    monkeypatch.setitem(readmodels.PROJECTORS, "SessionHeld", broken)
    feed(program.events[5:])
    status = get(http, "/api/v1/projections/status").get_json()
    assert status["dead_letters"] == 5
    assert get(http, "/api/v1/reports/annual/2025").get_json()["sessions"]["held"] == 0
    get(http, "/api/v1/admin/dead-letters", status=403)
    letters = get(http, "/api/v1/admin/dead-letters", headers=STAFF).get_json()["dead_letters"]
    assert len(letters) == 5 and "a projector bug" in letters[0]["reason"]
    pages = [get(http, f"/api/v1/admin/dead-letters?limit=2&offset={o}", headers=STAFF).get_json() for o in (0, 2, 4)]
    assert [p["total"] for p in pages] == [5, 5, 5] and [len(p["dead_letters"]) for p in pages] == [2, 2, 1]
    assert [letter["id"] for p in pages for letter in p["dead_letters"]] == [letter["id"] for letter in letters]
    response = http.post(f"/api/v1/admin/dead-letters/{letters[0]['id']}/redrive", headers=STAFF)
    assert response.status_code == 422 and "a projector bug" in response.get_json()["detail"]

    monkeypatch.undo()  # the fix is deployed
    assert http.post(f"/api/v1/admin/dead-letters/{letters[0]['id']}/redrive", headers=VIEWER).status_code == 403
    for letter in letters:
        response = http.post(f"/api/v1/admin/dead-letters/{letter['id']}/redrive", headers=STAFF)
        assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"dead_letters": 0}
    assert get(http, "/api/v1/reports/annual/2025").get_json()["sessions"]["held"] == 4
    assert http.post("/api/v1/admin/dead-letters/nope/redrive", headers=STAFF).status_code == 404
    feed(program.events)  # redriven events are tracked: a redelivery still counts them once
    assert get(http, "/api/v1/reports/annual/2025").get_json()["sessions"]["held"] == 4


def test_the_outbox_endpoint_of_a_write_service(settings):
    def wire(s):
        return write_service("outboxcheck", s, {})

    app = create_service_app("outboxcheck", [outbox.blp], wire, settings)
    client = app.test_client()
    assert client.get("/api/v1/outbox", headers=STAFF).get_json() == {"pending": 0}
    store = app.extensions["jajo"].wired.store
    store.outbox.insert_one({"_id": "x", "topic": "t", "key": "k", "envelope": {}})
    assert client.get("/api/v1/outbox", headers=STAFF).get_json() == {"pending": 1}
    assert client.get("/api/v1/outbox").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit/events?until=0001-01-01T01%3A03%3A17.0%2B12%3A17",  # found by schemathesis: year 0 in UTC
        "/api/v1/audit/events.jsonl?since=9999-12-31T23%3A00%3A00-05%3A00",
        "/api/v1/reports/annual/2025?as_of=0001-01-01T00%3A00%3A00%2B01%3A00",
    ],
)
def test_timestamps_outside_the_utc_calendar_are_422_not_500(http, path):
    answer = get(http, path, headers=STAFF, status=422)
    assert answer.mimetype == "application/problem+json" and "out of range" in json.dumps(answer.get_json())
