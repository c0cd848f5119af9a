"""Concurrent joins against a real HTTP server, If-Match and Idempotency-Key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import STAFF
from tests.integration.registration.conftest import member_body

pytestmark = pytest.mark.integration


@pytest.fixture
def server(app, reg):
    """The app behind a real threaded werkzeug server on a free port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()


def test_20_concurrent_joins_all_land_with_distinct_versions(reg, server):
    group = reg.form()
    url = f"{server}/api/v1/groups/{group['id']}/members"
    start = threading.Barrier(20)

    def join(index: int) -> requests.Response:
        body = member_body(
            guardian_name=f"보호자{index}", children=[{"name": f"아이{index}", "birth_date": "2023-01-01"}]
        )
        with requests.Session() as session:
            start.wait(timeout=10)
            return session.post(url, json=body, headers=STAFF, timeout=60)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(join, range(20)))

    assert [r.status_code for r in responses] == [201] * 20, [r.text[:200] for r in responses if r.status_code != 201]
    members = [r.json() for r in responses]
    assert sorted(m["version"] for m in members) == list(range(2, 22))
    assert len({m["id"] for m in members}) == 20
    events = reg.events(group["id"])
    assert [e["aggregateversion"] for e in events] == list(range(1, 22))
    assert sorted(e["envelope"]["data"]["member_id"] for e in events[1:]) == sorted(m["id"] for m in members)
    detail = reg.get(f"/groups/{group['id']}").get_json()
    assert detail["version"] == 21 and detail["member_count"] == 20 and detail["children_count"] == 20
    assert {m["guardian_name"] for m in detail["members"]} == {f"보호자{i}" for i in range(20)}


def test_concurrent_joins_of_the_same_guardian_let_exactly_one_in(reg, server):
    group = reg.form()
    url = f"{server}/api/v1/groups/{group['id']}/members"
    start = threading.Barrier(8)

    def join(_: int) -> int:
        with requests.Session() as session:
            start.wait(timeout=10)
            return session.post(url, json=member_body(), headers=STAFF, timeout=60).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(join, range(8)))
    assert statuses == [201] + [409] * 7
    assert [e["type"] for e in reg.events(group["id"])] == ["GroupFormed", "MemberJoined"]


def test_stale_if_match_is_412_and_stores_nothing(reg):
    group = reg.form()
    first = reg.join(group["id"], headers={"If-Match": '"1"'})
    assert first.status_code == 201 and first.headers["ETag"] == '"2"'
    before = reg.event_count()
    for response in (
        reg.join(group["id"], headers={"If-Match": "1"}, guardian_name="이보호"),
        reg.post(f"/groups/{group['id']}/approve", headers={"If-Match": "1"}),
        reg.post(f"/groups/{group['id']}/close", headers={"If-Match": 'W/"1"'}),
        reg.delete(f"/groups/{group['id']}/members/{first.get_json()['id']}", headers={"If-Match": "1"}),
        reg.post(f"/groups/{group['id']}/approve", headers={"If-Match": "latest"}),
    ):
        assert response.status_code == 412 and response.mimetype == "application/problem+json"
    assert reg.event_count() == before
    current = reg.post(f"/groups/{group['id']}/approve", headers={"If-Match": first.headers["ETag"]})
    assert current.status_code == 200 and current.get_json()["version"] == 3


def test_idempotency_key_replays_the_first_answer_with_one_event(reg):
    group = reg.form()
    key = {"Idempotency-Key": "join-김보호-1"}
    first = reg.join(group["id"], headers=key)
    again = reg.join(group["id"], headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert [e["type"] for e in reg.events(group["id"])] == ["GroupFormed", "MemberJoined"]

    different = reg.join(group["id"], headers=key, guardian_name="이보호")
    assert different.status_code == 422 and different.mimetype == "application/problem+json"
    assert "Idempotency-Key" in different.get_json()["detail"]
    assert len(reg.events(group["id"])) == 2


def test_idempotency_key_on_forming_and_approving(reg):
    key = {**STAFF, "Idempotency-Key": "form-1"}
    body = {"name": "햇살", "year": 2026}
    first = reg.client.post("/api/v1/groups", json=body, headers=key)
    second = reg.client.post("/api/v1/groups", json=body, headers=key)
    assert second.get_json()["id"] == first.get_json()["id"] and reg.event_count() == 1
    assert reg.client.post("/api/v1/groups", json={**body, "year": 2027}, headers=key).status_code == 422
    approve = {"Idempotency-Key": "approve-1"}
    assert reg.post(f"/groups/{first.get_json()['id']}/approve", headers=approve).status_code == 200
    assert (
        reg.post(f"/groups/{first.get_json()['id']}/approve", headers=approve).headers["Idempotent-Replayed"] == "true"
    )
    assert reg.event_count() == 2


def test_concurrent_repeats_of_one_idempotency_key_emit_one_event(reg, server):
    group = reg.form()
    url = f"{server}/api/v1/groups/{group['id']}/members"
    start = threading.Barrier(6)

    def join(_: int) -> requests.Response:
        with requests.Session() as session:
            start.wait(timeout=10)
            return session.post(url, json=member_body(), headers={**STAFF, "Idempotency-Key": "k1"}, timeout=60)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(join, range(6)))
    assert {r.status_code for r in responses} <= {201, 409} and 201 in {r.status_code for r in responses}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    assert [e["type"] for e in reg.events(group["id"])] == ["GroupFormed", "MemberJoined"]
