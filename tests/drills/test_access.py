"""Drill 9: access. Every endpoint but health and docs refuses a missing or wrong token (401) and a role
without the right (403); tokens and personal data never reach logs or error messages."""

from __future__ import annotations

import io
from contextlib import contextmanager
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from jajo.consent import consent_block
from jajo.http.auth import PUBLIC_ENDPOINTS
from tests.conftest import STAFF, STAFF_TOKEN, VIEWER, VIEWER_TOKEN
from tests.drills.harness import Stack, settle

pytestmark = pytest.mark.integration
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PERSONAL = {"guardian_name": "개인정보김", "phone": "010-9876-5432", "child": "비밀아이", "birth": "2022-02-22"}


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith("api-docs."):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "2025").replace(f"<{arg}>", "x1")
        for method in sorted(rule.methods & set(METHODS)):
            yield rule.endpoint, method, url


@contextmanager
def captured_logs():
    """After the apps exist: configure_logging (in create_app) replaces the root handlers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    for noisy in ("pymongo", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    yield stream
    root.setLevel(level)
    root.removeHandler(handler)


def test_every_endpoint_refuses_missing_wrong_token_and_role(settings):
    stack = Stack(settings.override(log_level="DEBUG"))
    with captured_logs() as logs:
        checked = check_every_endpoint(stack)
    assert checked >= 40
    text = logs.getvalue()
    assert "request" in text  # the access log was captured
    assert STAFF_TOKEN not in text and VIEWER_TOKEN not in text and "wrong-token" not in text


def check_every_endpoint(stack) -> int:
    checked = 0
    for service, app in stack.apps.items():
        client = app.test_client()
        for endpoint, method, url in endpoints(app):
            for headers in (
                {},
                {"Authorization": "Bearer wrong-token"},
                {"Authorization": STAFF_TOKEN},
                {"Authorization": f"Basic {VIEWER_TOKEN}"},
            ):
                response = client.open(url, method=method, headers=headers, json={})
                assert response.status_code == 401, (service, endpoint, method, headers, response.status_code)
                assert response.mimetype == "application/problem+json"
                assert response.headers["WWW-Authenticate"] == "Bearer"
            viewer = client.open(url, method=method, headers=VIEWER, json={})
            staff_only = ("projections.dead_letters", "audit.person_history")  # whom one person's events are about
            viewer_may = service == "reporting" and method == "GET" and endpoint not in staff_only
            if viewer_may:  # the viewer gets what staff get (a 404 for the made-up id), never a 5xx
                staff = client.open(url, method=method, headers=STAFF, json={})
                assert viewer.status_code == staff.status_code < 500 and viewer.status_code not in (401, 403), (
                    service,
                    endpoint,
                    viewer.status_code,
                    staff.status_code,
                )
            else:
                assert viewer.status_code == 403, (service, endpoint, method, viewer.status_code)
            checked += 1
        for public in ("/healthz", "/openapi.json", "/docs"):
            assert client.get(public).status_code == 200, (service, public)
    return checked


def test_personal_data_stays_out_of_logs_errors_and_viewer_exports(settings, background):
    stack = Stack(settings.override(log_level="DEBUG"))
    with captured_logs() as logs:
        background(*stack.write_loops(), stack.reporting.consumer())
        check_personal_data(stack, logs)


def check_personal_data(stack, logs) -> None:
    _, group = stack.call("registration", "POST", "/groups", {"name": "개인정보 모임", "year": 2025})
    gid = group.body["id"]
    person = {
        "guardian_name": PERSONAL["guardian_name"],
        "district": "용산구",
        "phone": PERSONAL["phone"],
        "children": [{"name": PERSONAL["child"], "birth_date": PERSONAL["birth"]}],
        "consent": consent_block(1),
    }
    _, joined = stack.call("registration", "POST", f"/groups/{gid}/members", person)
    assert joined.status == 201
    refusals = [
        {**person, "district": "마포구"},
        {**person, "children": [{"name": PERSONAL["child"], "birth_date": "2999-01-01"}]},
        {**person, "children": [{"name": PERSONAL["child"], "birth_date": "2010-01-01"}]},
        {**person, "phone": PERSONAL["phone"] * 40},
        {**person, "children": [{"name": PERSONAL["child"] * 100, "birth_date": PERSONAL["birth"]}]},
    ]
    bodies = []
    for body in refusals:
        _, refused = stack.call("registration", "POST", f"/groups/{gid}/members", body)
        assert 400 <= refused.status < 500, refused.body
        bodies.append(str(refused.body))
    _, duplicate = stack.call("registration", "POST", f"/groups/{gid}/members", person)
    assert duplicate.status == 409
    bodies.append(str(duplicate.body))
    settle(stack)

    reporting = stack.client("reporting")
    staff = reporting.get("/api/v1/audit/events?personal=true", headers=STAFF).get_json()["events"]
    assert any(PERSONAL["guardian_name"] in str(e) for e in staff)  # staff see the record in full when they ask
    hidden = [
        reporting.get("/api/v1/audit/events", headers=STAFF).get_data(as_text=True),  # least privilege by default
        reporting.get("/api/v1/audit/events?personal=false", headers=STAFF).get_data(as_text=True),
        reporting.get("/api/v1/audit/events", headers=VIEWER).get_data(as_text=True),
        reporting.get(f"/api/v1/audit/subjects/{gid}", headers=VIEWER).get_data(as_text=True),
        reporting.get("/api/v1/audit/events.jsonl", headers=VIEWER).get_data(as_text=True),
        reporting.get("/api/v1/audit/events.jsonl?personal=false", headers=STAFF).get_data(as_text=True),
        reporting.get(f"/api/v1/reports/groups/{gid}", headers=VIEWER).get_data(as_text=True),
        reporting.get("/api/v1/reports/annual/2025", headers=VIEWER).get_data(as_text=True),
    ]
    assert "MemberJoined" in hidden[2]
    assert reporting.get("/api/v1/audit/events?personal=true", headers=VIEWER).status_code == 403
    text = logs.getvalue()
    for value in PERSONAL.values():
        assert value not in text, f"{value} in the logs"
        for body in bodies + hidden:
            assert value not in body, f"{value} in an answer: {body[:300]}"
