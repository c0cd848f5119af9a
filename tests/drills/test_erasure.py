"""Erasure across the whole stack (개인정보 삭제, issue 13): after `POST …/members/{id}/erase`, the member's name,
phone and children's names and birth dates are in no MongoDB database of the stack and in no Kafka topic in
plain text, every count of the annual report stays, and a rebuild from the audit history changes nothing."""

from __future__ import annotations

import io
import json
import threading

import pytest
from werkzeug.serving import make_server
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from jajo.consent import consent_block
from services.registration.app import create_app as registration_app
from services.reporting import rebuild
from tests.conftest import STAFF, VIEWER
from jajo.personal import ERASED
from tests.drills.harness import QUESTIONS, YEAR, Load, Stack, kill9, settle, stop, verify
from tests.topics import read_topic
from tests.waiting import eventually

pytestmark = pytest.mark.integration

ERASED_PERSON = {
    "guardian_name": "홍길동",
    "district": "용산구",
    "phone": "010-9876-5432",
    "children": [{"name": "홍아기", "birth_date": "2024-07-07"}, {"name": "홍둘째", "birth_date": "2025-08-19"}],
    "consent": consent_block(2),
}
KEPT_PERSON = {
    "guardian_name": "김보호",
    "district": "용산구",
    "phone": "010-1111-2222",
    "children": [{"name": "김하늘", "birth_date": "2023-05-14"}],
    "consent": consent_block(1),
}
SECRETS = ("홍길동", "010-9876-5432", "01098765432", "홍아기", "홍둘째", "2024-07-07", "2025-08-19")


def ok(stack: Stack, service: str, path: str, body=None, method: str = "POST") -> dict:
    _, out = stack.call(service, method, path, body)
    assert out.ok, (out.status, out.body)
    return out.body


def eventually_ok(stack: Stack, service: str, path: str, body=None) -> dict:
    """A follow-up the service may not be ready for yet (it learns members from registration's topic)."""
    answers: list = []

    def accepted() -> bool:
        _, out = stack.call(service, "POST", path, body)
        answers.append((out.status, out.body))
        return out.ok

    eventually(accepted, timeout=60, interval=0.2, what=f"{service} {path} accepted")
    return answers[-1][1]


def found_in_mongo(stack: Stack, secrets: tuple[str, ...] = SECRETS) -> dict[str, set[str]]:
    """Which secrets each collection of the stack's databases holds, in any string or binary field (raw BSON)."""
    client, prefix = stack.registration.client, stack.settings.db_prefix
    raw = CodecOptions(document_class=RawBSONDocument)
    found: dict[str, set[str]] = {}
    for name in client.list_database_names():
        if not name.startswith(prefix):
            continue
        for collection in client[name].list_collection_names():
            for document in client[name].get_collection(collection, codec_options=raw).find():
                hits = {secret for secret in secrets if secret.encode() in document.raw}
                if hits:
                    found.setdefault(f"{name}.{collection}", set()).update(hits)
    return found


def found_on_kafka(stack: Stack) -> set[str]:
    hits: set[str] = set()
    for service in stack.write_services().values():
        count = service.store.events.count_documents({})
        for record in read_topic(stack.settings, service.store.topic.removeprefix(stack.settings.topic_prefix), count):
            hits |= {secret for secret in SECRETS if secret.encode() in record.value}
    return hits


@pytest.fixture
def exports(stack):
    """Registration's 열람 export, which reads reporting's audit over HTTP: reporting served on a free port."""
    server = make_server("127.0.0.1", 0, stack.apps["reporting"], threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app = registration_app(stack.settings.override(reporting_url=f"http://127.0.0.1:{server.server_port}"))

    def export(group_id: str, member_id: str, headers=STAFF):
        return app.test_client().get(f"/api/v1/groups/{group_id}/members/{member_id}/personal-data", headers=headers)

    yield export
    server.shutdown()


def test_an_erased_member_is_nowhere_in_plain_text_and_every_count_stays(stack, background, exports):
    background(*stack.write_loops(), stack.reporting.consumer())
    group = ok(stack, "registration", "/groups", {"name": "삭제 점검 모임", "year": YEAR})
    ok(stack, "registration", f"/groups/{group['id']}/approve")
    erased = ok(stack, "registration", f"/groups/{group['id']}/members", ERASED_PERSON)
    kept = ok(stack, "registration", f"/groups/{group['id']}/members", KEPT_PERSON)
    session = eventually_ok(
        stack,
        "activity",
        "/sessions",
        {"group_id": group["id"], "date": f"{YEAR}-06-10", "start": "10:00", "end": "12:00", "kind": "online"}
        | {"venue": "online", "title": "온라인 간담회"},
    )
    children = [c["id"] for member in (erased, kept) for c in member["children"]]
    eventually_ok(
        stack,
        "activity",
        f"/sessions/{session['id']}/attendance",
        {"guardians": [erased["id"], kept["id"]], "children": children},
    )
    note = {"member_id": erased["id"], "status": "audio", "note": "홍길동: 소리만 들렸어요"}  # their own words
    ok(stack, "activity", f"/sessions/{session['id']}/connection", note)
    receipt = stack.client("activity").post(  # a scanned receipt that names the guardian, in its bytes
        "/api/v1/documents",
        data={"file": (io.BytesIO("%PDF-1.4\n% 영수증 홍길동 010-9876-5432\n%%EOF\n".encode()), "영수증_홍길동.pdf")}
        | {"kind": "receipt", "group_id": group["id"]},
        headers=STAFF,
        content_type="multipart/form-data",
    )
    assert receipt.status_code == 201, receipt.get_json()
    survey = ok(stack, "survey", "/surveys", {"title": f"{YEAR} 만족도 조사", "year": YEAR, "questions": QUESTIONS})
    for member in (erased, kept):
        answers = {"respondent": member["id"], "answers": {"q1": 5, "q2": "서류"}}
        eventually_ok(stack, "survey", f"/surveys/{survey['id']}/responses", answers)
    settle(stack)
    report, models = stack.annual(), stack.models()
    assert report["members"] == {"guardians": 2, "children": 3} and report["participation"]["parents"] == 2
    assert found_in_mongo(stack), "the scan sees the member's data before the erasure"
    assert found_on_kafka(stack) == set()  # sealed on the wire from the start: names, the note, the filename
    held = exports(group["id"], erased["id"])
    assert held.status_code == 200, held.get_json()
    held = held.get_json()
    assert held["member"]["guardian_name"] == "홍길동" and held["group"]["name"] == "삭제 점검 모임"
    assert {source: [e["type"] for e in events] for source, events in held["events"].items()} == {
        "registration": ["MemberJoined"],
        "activity": ["SessionHeld", "ConnectionReported"],
        "survey": ["SurveySubmitted"],
    }
    assert held["events"]["activity"][1]["data"]["note"] == note["note"]  # opened for the 열람 export
    assert held["events"]["registration"][0]["data"]["personal"]["children"][1]["name"] == "홍둘째"
    assert exports(group["id"], erased["id"], headers=VIEWER).status_code == 403

    erasure = {"reason": "보호자의 삭제 요구", "documents": [receipt.get_json()["id"]]}  # the center's review
    ok(stack, "registration", f"/groups/{group['id']}/members/{erased['id']}/erase", erasure)
    settle(stack)
    activity_db = stack.settings.database_name("activity")
    eventually(
        lambda: not any(place.startswith(f"{activity_db}.") for place in found_in_mongo(stack)),
        timeout=30,
        what="activity deleted the receipt's file",
    )

    assert found_in_mongo(stack) == {}
    assert found_on_kafka(stack) == set()
    assert stack.annual() == report
    shown = stack.client("reporting").get(f"/api/v1/audit/subjects/{group['id']}?personal=true", headers=STAFF)
    joins = {
        e["data"]["member_id"]: e["data"]["personal"] for e in shown.get_json()["events"] if "personal" in e["data"]
    }
    assert joins[erased["id"]] is None and joins[kept["id"]]["guardian_name"] == "김보호"
    member = stack.client("registration").get(f"/api/v1/groups/{group['id']}/members/{erased['id']}", headers=STAFF)
    assert member.get_json()["guardian_name"] == "(삭제됨)" and member.get_json()["status"] == "erased"
    after = exports(group["id"], erased["id"]).get_json()
    assert after["member"]["status"] == "erased" and after["events"]["registration"][0]["data"]["personal"] is None
    assert [e["type"] for e in after["events"]["registration"]] == ["MemberJoined", "MemberErased"]
    assert not any(secret in json.dumps(after, ensure_ascii=False) for secret in SECRETS)

    rebuild.rebuild(stack.reporting.client, stack.reporting.db, force=True)
    assert stack.models() == models and stack.annual() == report
    assert found_in_mongo(stack) == {}
    assert "홍길동" not in json.dumps(stack.models(), ensure_ascii=False)


def test_erasures_under_load_with_the_projector_killed_once(stack, background, scale, tmp_path):
    """Drill: erasures mixed into the program-year load (every third unit erases a member who attended and
    answered), the projector killed -9 once between them. Nothing is lost, counts stay, nothing opens again."""
    background(*stack.write_loops())
    log = tmp_path / "projector.log"
    projector = stack.spawn("services.reporting.worker", log)
    load = Load(stack, workers=2, max_units=scale(30, 150), erase_every=3).start()
    try:
        eventually(lambda: len(load.erased) >= 2, timeout=120, interval=0.1, what="erasures under way")
        kill9(projector)
        projector = stack.spawn("services.reporting.worker", log)
        load.drain(timeout=300)
        figures = verify(
            stack,
            "erasure under load",
            load=load,
            held=f"{load.units} groups, 2 workers, {len(load.erased)} erasures",
            faults="projector process kill -9 once, mid-load between erasures, restarted",
            timeout=300,
            extra={"erased": len(load.erased)},
        )
    finally:
        stop(projector)
    assert figures["lost"] == figures["duplicated"] == 0
    assert len(load.erased) == sum(1 for p in load.plans if p["erases"]) > 0
    erased = {member for _, member in load.erased}
    joins = [e for e in stack.audit() if e["type"] == "MemberJoined" and e["data"]["member_id"] in erased]
    assert len(joins) == len(erased)
    assert all(e["data"]["personal"] is None for e in stack.reporting.cipher.open(joins))  # nothing opens
    for group_id, member_id in load.erased[:5]:
        _, out = stack.call("registration", "GET", f"/groups/{group_id}/members/{member_id}")
        assert (out.body["guardian_name"], out.body["status"]) == (ERASED, "erased")
    names = tuple(name for p in load.plans for m, pair in p.get("names", {}).items() if m in erased for name in pair)
    assert found_in_mongo(stack, names) == {}
