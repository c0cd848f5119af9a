"""Least privilege in the audit: viewers read each event type through its allow-list (EventType.viewer_fields),
staff see everything but `data.personal` unless they ask for it, and asking for it leaves an access record."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from jajo.access import AccessLog
from jajo.envelope import build
from jajo.events_doc import catalogues
from jajo.mongo import in_transaction
from services.reporting import audit, sequence
from tests.conftest import PORTAL, STAFF, VIEWER, acting

pytestmark = pytest.mark.integration

DECLARED = [(catalogue.source, event) for catalogue in catalogues() for event in catalogue.types]
PERSONAL = {
    "guardian_name": "«비밀 보호자»",
    "phone": "«010-9999-8888»",
    "children": [{"child_id": "child-secret", "name": "«비밀 아이»", "birth_date": "«2022-02-02»"}],
}
PERSONAL_VALUES = ("«비밀 보호자»", "«010-9999-8888»", "«비밀 아이»", "«2022-02-02»")
UNKNOWN = ("MysteryHappened", "«mystery.note»")
VIEWERS = [VIEWER, acting("viewer:vera"), PORTAL]
VIEWER_IDS = ["viewer", "viewer-via-portal", "portal-for-nobody"]


def marker(type_name: str, field: str) -> str:
    """Every value is unique, so that an answer can be searched for it: free text, answers, ids alike."""
    return f"«{type_name}.{field}»"


def data_of(event) -> dict:
    return {name: PERSONAL if name == "personal" else marker(event.name, name) for name in event.fields}


def allowed_values() -> set[str]:
    return {marker(event.name, name) for _, event in DECLARED for name in event.viewer_fields}


def hidden_values() -> set[str]:
    """What no viewer may read: every field outside its type's allow-list, personal data, an unknown type's data."""
    hidden = {marker(event.name, name) for _, event in DECLARED for name in event.fields if name != "personal"}
    return (hidden - allowed_values()) | set(PERSONAL_VALUES) | {UNKNOWN[1]}


@pytest.fixture
def history(reporting):
    """Every declared event type, each field holding a value of its own, and one type nobody declared, recorded
    in the audit as the projector records them (sequence numbers reserved before the transaction)."""
    envelopes = [
        build(event.name, data_of(event), subject=f"s-{event.name}", source=source, aggregate_type="any")
        for source, event in DECLARED
    ]
    envelopes.append(
        build(UNKNOWN[0], {"note": UNKNOWN[1]}, subject="s-mystery", source="registration", aggregate_type="any")
    )

    now = datetime.now(timezone.utc)
    taken = sequence.reserve(reporting.client, reporting.db, len(envelopes), now, now)

    def write(session):
        audit.record(reporting.db, envelopes, taken.first, session)
        sequence.complete(reporting.db, taken, session)

    in_transaction(reporting.client, write)
    return envelopes


def read_all(http, headers, query: str = "") -> dict[str, tuple[list[dict], str]]:
    """Every audit route's answer: its events and its raw text."""
    answers = {}
    page = http.get(f"/api/v1/audit/events?limit=1000{query and '&' + query}", headers=headers)
    assert page.status_code == 200, page.get_json()
    answers["events"] = (page.get_json()["events"], page.get_data(as_text=True))
    export = http.get(f"/api/v1/audit/events.jsonl{query and '?' + query}", headers=headers)
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    answers["events.jsonl"] = ([json.loads(line) for line in text.splitlines()], text)
    subjects, texts = [], []
    for subject in [f"s-{event.name}" for _, event in DECLARED] + ["s-mystery"]:
        answer = http.get(f"/api/v1/audit/subjects/{subject}{query and '?' + query}", headers=headers)
        assert answer.status_code == 200
        subjects += answer.get_json()["events"]
        texts.append(answer.get_data(as_text=True))
    answers["subjects"] = (subjects, "\n".join(texts))
    return answers


@pytest.mark.parametrize("headers", VIEWERS, ids=VIEWER_IDS)
def test_viewers_read_every_audit_route_through_the_allow_list_only(http, history, headers):
    expected = {event.name: set(event.viewer_fields) for _, event in DECLARED} | {UNKNOWN[0]: set()}
    for route, (events, text) in read_all(http, headers).items():
        assert len(events) == len(history), route
        for event in events:
            assert set(event["data"]) == expected[event["type"]], (route, event["type"])
        leaked = sorted(value for value in hidden_values() if value in text)
        assert leaked == [], f"{route} shows viewers {leaked}"
        assert all(value in text for value in allowed_values()), route  # the allow-list is no blanket refusal


@pytest.mark.parametrize("headers", VIEWERS, ids=VIEWER_IDS)
def test_viewers_asking_for_personal_data_are_refused_on_every_route(http, history, headers):
    for url in ("/api/v1/audit/events", "/api/v1/audit/events.jsonl", "/api/v1/audit/subjects/s-MemberJoined"):
        refused = http.get(f"{url}?personal=true", headers=headers)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", url


def sealed_text() -> set[str]:
    """The other declared personal fields (a connection report's note, a document's filename)."""
    return {marker(event.name, name) for _, event in DECLARED for name in event.personal if name != "personal"}


def test_staff_see_everything_but_the_personal_fields_unless_they_ask(http, history, settings):
    free_text = hidden_values() - set(PERSONAL_VALUES) - sealed_text()
    personal = {event.name: set(event.personal) | {"personal"} for _, event in DECLARED}
    assert sealed_text(), "some type declares a personal field besides the personal block"
    for query in ("", "personal=false"):
        for route, (events, text) in read_all(http, STAFF, query).items():
            assert not any(value in text for value in {*PERSONAL_VALUES, *sealed_text()}), (route, query)
            assert all(not personal.get(event["type"], {"personal"}) & set(event["data"]) for event in events)
            assert all(value in text for value in free_text), (route, query)
    assert AccessLog.of(settings).records.count_documents({}) == 0  # nothing personal was read


def test_staff_asking_for_personal_data_get_it_and_leave_an_access_record_per_read(http, history, settings):
    answers = read_all(http, acting("staff:mina"), "personal=true")
    for route, (events, text) in answers.items():
        assert all(value in text for value in {*PERSONAL_VALUES, *sealed_text()}), route
        [joined] = [event for event in events if event["type"] == "MemberJoined"]
        assert joined["data"]["personal"] == PERSONAL
    records = list(AccessLog.of(settings).records.find().sort("_id", 1))
    assert len(records) == 2 + len(history)  # the page, the export, and each subject's history
    named = {"s-MemberJoined", marker("MemberJoined", "member_id"), "child-secret"}
    owners = {f"s-{event.name}": marker(event.name, event.owner or "") for _, event in DECLARED if event.personal}
    everyone = named | set(owners) | set(owners.values())
    for record in records:
        assert (record["actor"], record["actorvia"]) == ("staff:mina", "portal:web")
        assert not any(value in str(record) for value in {*PERSONAL_VALUES, *sealed_text()})
    by_route = {record["route"]: record for record in records}
    assert set(by_route["/api/v1/audit/events"]["subjects"]) == everyone
    assert set(by_route["/api/v1/audit/events.jsonl"]["subjects"]) == everyone
    [subject_read] = [r for r in records if r["path"] == "/api/v1/audit/subjects/s-MemberJoined"]
    assert set(subject_read["subjects"]) == named
