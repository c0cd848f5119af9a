"""Members through HTTP: the join rules, leaving, the events and personal data."""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
from datetime import date

import pytest

from jajo.personal import is_sealed
from services.registration.app import create_app
from tests.conftest import STAFF
from tests.integration.registration.conftest import Registration, member_body

pytestmark = pytest.mark.integration

JOINED_KEYS = {"group_id", "year", "member_id", "joined_on", "district", "children", "consent", "personal"}


def rejected(reg: Registration, response, status: int, field: str | None = None) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert response.mimetype == "application/problem+json" and body["status"] == status
    if field is not None:
        assert field in body["errors"], body
    return body


def test_join_returns_the_member_with_children_in_input_order(reg):
    group = reg.form()
    children = [{"name": f"아이{i}", "birth_date": f"202{i}-0{i + 1}-1{i}"} for i in range(5)]
    response = reg.join(group["id"], children=children)
    assert response.status_code == 201
    member = response.get_json()
    assert member["group_id"] == group["id"] and member["version"] == 2 and response.headers["ETag"] == '"2"'
    assert member["guardian_name"] == "김보호" and member["district"] == "용산구" and member["phone"] == "010-1234-5678"
    assert member["joined_on"] == "2026-03-02" and member["status"] == "current" and member["left_on"] is None
    assert [(c["name"], c["birth_date"]) for c in member["children"]] == [
        (c["name"], c["birth_date"]) for c in children
    ]
    assert len({c["id"] for c in member["children"]}) == 5
    assert response.headers["Location"] == f"/api/v1/groups/{group['id']}/members/{member['id']}"
    assert reg.get(f"/groups/{group['id']}/members/{member['id']}").get_json() == member

    [_, stored] = reg.envelopes(group["id"])
    assert is_sealed(stored["data"]["personal"]) and stored["data"]["personal"]["key_id"] == member["id"]
    as_stored = json.dumps(stored, ensure_ascii=False)
    [_, joined] = reg.opened(group["id"])
    assert {k: v for k, v in joined.items() if k != "data"} == {k: v for k, v in stored.items() if k != "data"}
    assert joined["type"] == "MemberJoined" and joined["aggregateversion"] == 2 and joined["dataversion"] == 1
    assert set(joined["data"]) == JOINED_KEYS
    assert joined["data"]["children"] == [{"child_id": c["id"]} for c in member["children"]]
    assert joined["data"]["personal"] == {
        "guardian_name": "김보호",
        "phone": "010-1234-5678",
        "children": [
            {"child_id": c["id"], "name": c["name"], "birth_date": c["birth_date"]} for c in member["children"]
        ],
    }
    assert joined["data"]["joined_on"] == "2026-03-02" and joined["data"]["member_id"] == member["id"]
    outside = json.dumps({k: v for k, v in joined["data"].items() if k != "personal"}, ensure_ascii=False)
    for personal in ["김보호", "010-1234-5678", *(c["name"] for c in children), *(c["birth_date"] for c in children)]:
        assert personal not in outside and personal not in as_stored


def test_phone_and_child_names_are_optional(reg):
    group = reg.form()
    body = member_body(children=[{"birth_date": "2024-02-02"}])
    del body["phone"]
    response = reg.client.post(f"/api/v1/groups/{group['id']}/members", json=body, headers=STAFF)
    assert response.status_code == 201
    assert response.get_json()["phone"] is None and response.get_json()["children"][0]["name"] is None
    assert reg.opened(group["id"])[1]["data"]["personal"]["phone"] is None


@pytest.mark.parametrize("district", ["강남구", "서울특별시 용산구", "Yongsan-gu"])
def test_district_must_be_yongsan(reg, district):
    group = reg.form()
    body = rejected(reg, reg.join(group["id"], district=district), 422, "district")
    assert list(body["errors"]) == ["district"]
    assert len(reg.events(group["id"])) == 1


def test_district_in_decomposed_hangul_is_accepted(reg):
    group = reg.form()
    assert reg.joined(group["id"], district=unicodedata.normalize("NFD", "용산구"))["district"] == "용산구"


def test_children_must_be_younger_than_7_on_the_join_date(reg, clock):
    group = reg.form()
    rejected(reg, reg.join(group["id"], children=[{"birth_date": "2019-03-02"}]), 422, "children.0.birth_date")
    body = rejected(
        reg,
        reg.join(group["id"], children=[{"birth_date": "2023-01-01"}, {"birth_date": "2015-01-01"}]),
        422,
        "children.1.birth_date",
    )
    assert list(body["errors"]) == ["children.1.birth_date"]
    assert len(reg.events(group["id"])) == 1
    assert reg.joined(group["id"], children=[{"birth_date": "2019-03-03"}])["joined_on"] == "2026-03-02"
    clock.today = date(2026, 3, 3)  # a day later the same child is 7
    rejected(
        reg,
        reg.join(group["id"], guardian_name="이보호", children=[{"birth_date": "2019-03-03"}]),
        422,
        "children.0.birth_date",
    )


def test_birth_date_must_not_be_in_the_future(reg):
    group = reg.form()
    body = rejected(reg, reg.join(group["id"], children=[{"birth_date": "2026-03-03"}]), 422, "children.0.birth_date")
    assert "future" in body["errors"]["children.0.birth_date"][0]
    assert reg.joined(group["id"], children=[{"birth_date": "2026-03-02"}])["children"][0]["birth_date"] == "2026-03-02"


def test_at_least_one_child(reg):
    group = reg.form()
    rejected(reg, reg.join(group["id"], children=[]), 422, "children")
    assert reg.event_count() == 1


def test_closed_group_takes_no_members(reg):
    group = reg.form()
    reg.post(f"/groups/{group['id']}/close")
    rejected(reg, reg.join(group["id"]), 409)
    assert [e["type"] for e in reg.envelopes(group["id"])] == ["GroupFormed", "GroupClosed"]


def test_approved_group_takes_members(reg):
    group = reg.form()
    reg.post(f"/groups/{group['id']}/approve")
    assert reg.joined(group["id"])["version"] == 3


def test_same_guardian_cannot_join_the_same_group_twice(reg):
    group = reg.form()
    other = reg.form(name="달빛")
    reg.joined(group["id"])
    body = rejected(reg, reg.join(group["id"], phone="01012345678", children=[{"birth_date": "2024-01-01"}]), 409)
    assert "김보호" not in json.dumps(body, ensure_ascii=False) and "5678" not in json.dumps(body)
    assert len(reg.events(group["id"])) == 2
    reg.joined(group["id"], phone="010-0000-0000")  # same name, another phone: another guardian
    reg.joined(other["id"])  # same guardian, another group
    assert reg.get(f"/groups/{group['id']}").get_json()["member_count"] == 2


def test_same_name_without_phone_twice_is_the_same_guardian(reg):
    group = reg.form()
    reg.joined(group["id"], phone=None)
    rejected(reg, reg.join(group["id"], phone=None), 409)


def test_leaving_emits_member_left_and_keeps_history(reg, clock):
    group = reg.form()
    member = reg.joined(group["id"])
    clock.today = date(2026, 6, 30)
    response = reg.delete(f"/groups/{group['id']}/members/{member['id']}")
    assert response.status_code == 200
    left = response.get_json()
    assert left["status"] == "left" and left["left_on"] == "2026-06-30" and left["version"] == 3
    assert left["children"] == member["children"]

    envelopes = reg.envelopes(group["id"])
    assert [e["type"] for e in envelopes] == ["GroupFormed", "MemberJoined", "MemberLeft"]
    assert envelopes[2]["data"] == {
        "group_id": group["id"],
        "year": 2026,
        "member_id": member["id"],
        "left_on": "2026-06-30",
    }
    assert reg.get(f"/groups/{group['id']}").get_json()["members"] == []
    assert reg.get(f"/groups/{group['id']}/members/{member['id']}").get_json() == left

    again = reg.delete(f"/groups/{group['id']}/members/{member['id']}")
    assert again.status_code == 200 and again.get_json() == left
    assert len(reg.events(group["id"])) == 3
    assert reg.joined(group["id"])["id"] != member["id"]  # the guardian may join again as a new member


def test_removing_an_unknown_member_is_404(reg):
    group = reg.form()
    rejected(reg, reg.delete(f"/groups/{group['id']}/members/nobody"), 404)
    rejected(reg, reg.get(f"/groups/{group['id']}/members/nobody"), 404)
    assert reg.event_count() == 1


def test_members_may_leave_a_closed_group(reg):
    group = reg.form()
    member = reg.joined(group["id"])
    reg.post(f"/groups/{group['id']}/close")
    assert reg.delete(f"/groups/{group['id']}/members/{member['id']}").get_json()["status"] == "left"


def test_personal_data_never_reaches_logs_or_error_messages(settings, clock):
    app = create_app(settings.override(log_level="DEBUG"), clock=clock)
    wired = app.extensions["jajo"].wired
    reg = Registration(app.test_client(), wired.db, wired.store)
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    root = logging.getLogger()
    capture.setFormatter(root.handlers[0].formatter)
    for log_filter in root.handlers[0].filters:
        capture.addFilter(log_filter)
    root.addHandler(capture)
    try:
        group = reg.form()
        secrets = {
            "guardian_name": "홍길동",
            "phone": "010-9876-5432",
            "children": [{"name": "홍아기", "birth_date": "2024-07-07"}],
        }
        member = reg.joined(group["id"], **secrets)
        answers = [
            reg.join(group["id"], **secrets),  # duplicate
            reg.join(group["id"], **{**secrets, "district": "강남구"}),
            reg.join(group["id"], **{**secrets, "children": [{"name": "홍아기", "birth_date": "2012-07-07"}]}),
            reg.join(group["id"], **{**secrets, "children": [{"name": "홍아기", "birth_date": "2030-07-07"}]}),
            reg.join(group["id"], **{**secrets, "phone": "홍길동-9876"}),
            reg.join(group["id"], **{**secrets, "children": [{"name": "홍아기", "birth_date": "07/07/2024"}]}),
            reg.join(group["id"], headers={"If-Match": "1"}, **secrets),
            reg.delete(f"/groups/{group['id']}/members/{member['id']}", headers={"If-Match": "1"}),
        ]
        assert all(400 <= answer.status_code < 500 for answer in answers)
        reg.delete(f"/groups/{group['id']}/members/{member['id']}")
    finally:
        root.removeHandler(capture)
    ids = re.compile(r"\b[0-9a-f]{32}\b")  # a random hex id may hold "5432"
    logged = ids.sub("<id>", stream.getvalue())
    assert '"status": 409' in logged or "409" in logged  # the requests were logged at all
    errors = ids.sub("<id>", " ".join(answer.get_data(as_text=True) for answer in answers))
    for secret in ("홍길동", "9876", "5432", "홍아기", "2024-07-07", "2012-07-07", "2030-07-07", "07/07/2024"):
        assert secret not in logged and secret not in errors, secret


@pytest.mark.parametrize("phone", ["010-1234-5678", "01012345678", "+82 10-1234-5678", "(02) 123-4567"])
def test_usual_phone_spellings_are_accepted(reg, phone):
    assert reg.joined(reg.form()["id"], phone=phone)["phone"] == phone


def test_the_join_records_the_consent_for_the_guardian_and_every_child(reg):
    group = reg.form()
    member = reg.joined(group["id"], children=[{"birth_date": "2023-01-01"}, {"birth_date": "2024-01-01"}])
    child_ids = [c["id"] for c in member["children"]]
    recorded = {
        "notice_version": "2026-01",
        "given_at": "2025-03-01T10:00:00+09:00",
        "items": ["personal_data", "children_data", "contact"],
        "children": child_ids,
    }
    assert member["consent"] == recorded
    assert reg.envelopes(group["id"])[-1]["data"]["consent"] == recorded


@pytest.mark.parametrize(
    "consent, field",
    [
        (None, "consent"),
        ("missing", "consent"),
        (
            {
                "notice_version": "2026-01",
                "given_at": "2026-03-02T10:00:00+09:00",
                "items": ["personal_data"],
                "children": [0],
            },
            "consent.children",
        ),
        (
            {
                "notice_version": "2026-01",
                "given_at": "2026-03-02T10:00:00",
                "items": ["personal_data"],
                "children": [0, 1],
            },
            "consent.given_at",
        ),
        (
            {"notice_version": "", "given_at": "2026-03-02T10:00:00Z", "items": ["a"], "children": [0, 1]},
            "consent.notice_version",
        ),
        (
            {"notice_version": "2026-01", "given_at": "2026-03-02T10:00:00Z", "items": [], "children": [0, 1]},
            "consent.items",
        ),
        (
            {"notice_version": "2026-01", "given_at": "2026-03-02T10:00:00Z", "items": ["a"], "children": ["0", 1]},
            "consent.children.0",
        ),
    ],
)
def test_without_consent_for_the_guardian_and_every_child_nothing_is_stored(reg, consent, field):
    group = reg.form()
    body = member_body(children=[{"birth_date": "2023-01-01"}, {"birth_date": "2024-01-01"}])
    if consent == "missing":
        del body["consent"]
    else:
        body["consent"] = consent
    before = reg.event_count()
    response = reg.client.post(f"/api/v1/groups/{group['id']}/members", json=body, headers=STAFF)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()
    assert reg.event_count() == before and reg.db["outbox"].count_documents({}) == 1  # the GroupFormed only
