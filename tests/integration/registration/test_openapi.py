"""The OpenAPI document describes every field, rule and error of registration."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

OPERATIONS = {
    ("/api/v1/groups", "post"): {"201", "400", "401", "403", "415", "422"},
    ("/api/v1/groups", "get"): {"200", "401", "403", "422"},
    ("/api/v1/groups/{group_id}", "get"): {"200", "401", "403", "404"},
    ("/api/v1/groups/{group_id}/approve", "post"): {"200", "401", "403", "404", "409", "412"},
    ("/api/v1/groups/{group_id}/close", "post"): {"200", "401", "403", "404", "412"},
    ("/api/v1/groups/{group_id}/members", "post"): {"201", "400", "401", "403", "404", "409", "412", "415", "422"},
    ("/api/v1/groups/{group_id}/members/{member_id}", "delete"): {"200", "401", "403", "404", "412"},
    ("/api/v1/groups/{group_id}/members/{member_id}", "get"): {"200", "401", "403", "404"},
    ("/api/v1/retention/due", "get"): {"200", "401", "403", "422"},
}


@pytest.fixture
def spec(reg):
    response = reg.client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_operation_documents_its_answers_and_errors_as_problems(spec):
    for (path, method), statuses in OPERATIONS.items():
        operation = spec["paths"][path][method]
        assert statuses <= set(operation["responses"]), (path, method)
        assert operation["summary"] and operation.get("description"), (path, method)
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                assert answer["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
                assert answer["description"]


def test_every_schema_field_is_described(spec):
    schemas = spec["components"]["schemas"]
    for name in ("GroupIn", "MemberIn", "ChildIn", "ConsentIn", "Problem"):
        for field, definition in schemas[name]["properties"].items():
            assert definition.get("description"), f"{name}.{field}"
    assert schemas["MemberIn"]["additionalProperties"] is False
    assert set(schemas["MemberIn"]["required"]) == {"guardian_name", "district", "children", "consent"}
    assert schemas["GroupIn"]["properties"]["year"]["minimum"] == 2020
    assert schemas["GroupIn"]["properties"]["name"]["maxLength"] == 100
    for name in ("MemberOut", "GroupOut", "GroupSummary", "GroupList", "ChildOut"):
        assert name in schemas


def test_rules_are_spelled_out(spec):
    join = spec["paths"]["/api/v1/groups/{group_id}/members"]["post"]
    text = " ".join(
        [join["description"], join["responses"]["422"]["description"], join["responses"]["409"]["description"]]
    )
    text = " ".join(text.split())
    for rule in ("용산구", "younger than 7", "future", "closed", "same name and phone", "input order"):
        assert rule in text, rule
    headers = {p["name"] for p in join["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "If-Match"}
    approve = spec["paths"]["/api/v1/groups/{group_id}/approve"]["post"]
    assert "emits nothing" in " ".join(approve["description"].split())


def test_swagger_ui_needs_no_token(reg):
    assert reg.client.get("/docs").status_code == 200
