"""Bad input of every kind: a 4xx problem+json naming the field, and nothing stored or emitted."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF
from tests.integration.registration.conftest import member_body

pytestmark = pytest.mark.integration

BIG = "가" * 10 * 1024  # 10 K characters (30 KB of UTF-8)
CHILD = {"birth_date": "2023-05-14"}

# (case, body, status, field named in `errors`)
MEMBER_CASES = [
    ("missing guardian_name", {k: v for k, v in member_body().items() if k != "guardian_name"}, 422, "guardian_name"),
    ("missing district", {k: v for k, v in member_body().items() if k != "district"}, 422, "district"),
    ("missing children", {k: v for k, v in member_body().items() if k != "children"}, 422, "children"),
    ("missing birth_date", member_body(children=[{"name": "하늘"}]), 422, "children.0.birth_date"),
    ("null guardian_name", member_body(guardian_name=None), 422, "guardian_name"),
    ("number guardian_name", member_body(guardian_name=42), 422, "guardian_name"),
    ("list district", member_body(district=["용산구"]), 422, "district"),
    ("number phone", member_body(phone=1012345678), 422, "phone"),
    ("letters phone", member_body(phone="전화번호없음"), 422, "phone"),
    ("children object", member_body(children={"birth_date": "2023-05-14"}), 422, "children"),
    ("children strings", member_body(children=["2023-05-14"]), 422, "children.0._schema"),
    ("bad date", member_body(children=[{"birth_date": "2023-13-40"}]), 422, "children.0.birth_date"),
    ("date as number", member_body(children=[{"birth_date": 20230514}]), 422, "children.0.birth_date"),
    ("datetime", member_body(children=[{"birth_date": "2023-05-14T10:00:00"}]), 422, "children.0.birth_date"),
    ("null child", member_body(children=[None]), 422, "children.0"),
    ("null birth_date", member_body(children=[{"birth_date": None}]), 422, "children.0.birth_date"),
    ("operator object", member_body(guardian_name={"$gt": ""}), 422, "guardian_name"),
    ("compact date", member_body(children=[{"birth_date": "20230514"}]), 422, "children.0.birth_date"),
    ("empty name", member_body(guardian_name=""), 422, "guardian_name"),
    ("blank name", member_body(guardian_name="   "), 422, "guardian_name"),
    ("blank child name", member_body(children=[{"name": " ", "birth_date": "2023-05-14"}]), 422, "children.0.name"),
    ("10 KB guardian_name", member_body(guardian_name=BIG), 422, "guardian_name"),
    ("10 KB district", member_body(district=BIG), 422, "district"),
    ("10 KB phone", member_body(phone="0" * 10240), 422, "phone"),
    ("10 KB child name", member_body(children=[{"name": BIG, "birth_date": "2023-05-14"}]), 422, "children.0.name"),
    ("10 KB birth_date", member_body(children=[{"birth_date": BIG}]), 422, "children.0.birth_date"),
    ("too many children", member_body(children=[CHILD] * 21), 422, "children"),
    ("unknown field", member_body(nickname="하늘맘"), 422, "nickname"),
    ("unknown child field", member_body(children=[{**CHILD, "gender": "f"}]), 422, "children.0.gender"),
    ("id supplied", member_body(id="mine"), 422, "id"),
    ("array body", [member_body()], 422, "_schema"),
    ("string body", "용산구", 422, "_schema"),
    ("null body", None, 422, "guardian_name"),
    ("wrong district", member_body(district="마포구"), 422, "district"),
    ("7 year old", member_body(children=[{"birth_date": "2019-01-01"}]), 422, "children.0.birth_date"),
    ("unborn", member_body(children=[{"birth_date": "2027-01-01"}]), 422, "children.0.birth_date"),
    ("no children", member_body(children=[]), 422, "children"),
]

GROUP_CASES = [
    ("missing name", {"year": 2026}, 422, "name"),
    ("missing year", {"name": "햇살"}, 422, "year"),
    ("year as string", {"name": "햇살", "year": "2026"}, 422, "year"),
    ("year as float", {"name": "햇살", "year": 2026.5}, 422, "year"),
    ("year as bool", {"name": "햇살", "year": True}, 422, "year"),
    ("huge year", {"name": "햇살", "year": 10**40}, 422, "year"),
    ("name as object", {"name": {"ko": "햇살"}, "year": 2026}, 422, "name"),
    ("10 KB name", {"name": BIG, "year": 2026}, 422, "name"),
    ("10 KB theme", {"name": "햇살", "year": 2026, "theme": BIG}, 422, "theme"),
    ("10 KB description", {"name": "햇살", "year": 2026, "description": BIG}, 422, "description"),
    ("unknown field", {"name": "햇살", "year": 2026, "status": "approved"}, 422, "status"),
]


@pytest.fixture
def group(reg):
    return reg.form()


def assert_problem(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    if field is not None:
        assert field in body["errors"], body["errors"]
    return body


@pytest.mark.parametrize("case, body, status, field", MEMBER_CASES, ids=[c[0] for c in MEMBER_CASES])
def test_bad_member_bodies(reg, group, case, body, status, field):
    before = (reg.event_count(), reg.db["outbox"].count_documents({}))
    response = reg.client.post(f"/api/v1/groups/{group['id']}/members", json=body, headers=STAFF)
    assert_problem(response, status, field)
    assert (reg.event_count(), reg.db["outbox"].count_documents({})) == before
    assert reg.get(f"/groups/{group['id']}").get_json()["member_count"] == 0


@pytest.mark.parametrize("case, body, status, field", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_bad_group_bodies(reg, case, body, status, field):
    response = reg.client.post("/api/v1/groups", json=body, headers=STAFF)
    assert_problem(response, status, field)
    assert reg.event_count() == 0 and reg.db["group_views"].count_documents({}) == 0


RAW_CASES = [
    ("malformed JSON", '{"guardian_name": "김'.encode(), "application/json", 400),
    ("trailing garbage", b'{"guardian_name": "a"} x', "application/json", 400),
    ("not UTF-8", '{"guardian_name": "김보호"}'.encode("euc-kr"), "application/json", 400),
    ("form body", b"guardian_name=a&district=b", "application/x-www-form-urlencoded", 415),
    ("text body", b'{"guardian_name": "a"}', "text/plain", 415),
    ("no content type", b'{"guardian_name": "a"}', None, 415),
    ("xml", b"<member/>", "application/xml", 415),
]


@pytest.mark.parametrize("case, raw, content_type, status", RAW_CASES, ids=[c[0] for c in RAW_CASES])
def test_bad_raw_bodies(reg, group, case, raw, content_type, status):
    headers = {**STAFF, **({"Content-Type": content_type} if content_type else {})}
    before = reg.event_count()
    response = reg.client.post(f"/api/v1/groups/{group['id']}/members", data=raw, headers=headers)
    body = assert_problem(response, status, None)
    if status == 400:
        assert "_body" in body["errors"]
    assert reg.event_count() == before


def test_empty_json_body_names_every_missing_field(reg, group):
    response = reg.client.post(
        f"/api/v1/groups/{group['id']}/members", data=b"", headers={**STAFF, "Content-Type": "application/json"}
    )
    body = assert_problem(response, 422, None)
    assert set(body["errors"]) == {"guardian_name", "district", "children", "consent"}
    assert reg.event_count() == 1


def test_korean_text_round_trips_unchanged(reg):
    text = "햇살 🌞 놀이 모임 · 「숲」 — 우리 아이들"
    group = reg.form(name=text[:100], theme="ㄱㄴㄷ", description="줄바꿈\n과 탭\t도 그대로")
    assert reg.get(f"/groups/{group['id']}").get_json()["description"] == "줄바꿈\n과 탭\t도 그대로"
    member = reg.joined(
        group["id"], guardian_name="남궁 민수", children=[{"name": "남궁 하늘", "birth_date": "2024-01-01"}]
    )
    stored = reg.get(f"/groups/{group['id']}").get_json()
    assert stored["name"] == text and stored["members"][0]["guardian_name"] == "남궁 민수"
    assert member["children"][0]["name"] == "남궁 하늘"
    assert "남궁 하늘".encode() in reg.get(f"/groups/{group['id']}").data  # raw UTF-8, not \u escapes


def test_largest_accepted_values(reg):
    group = reg.form(name="가" * 100, theme="나" * 200, description="다" * 2000)
    member = reg.joined(group["id"], guardian_name="라" * 100, children=[{"name": "마" * 100, **CHILD}] * 20)
    assert len(member["children"]) == 20 and len({c["id"] for c in member["children"]}) == 20
