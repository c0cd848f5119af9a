"""Hostile input over HTTP (issue 14): never a 500; clean text; safe ids; fingerprints; security headers."""

from __future__ import annotations

import json
import unicodedata

import pytest

from services.registration.app import create_app as registration_app
from tests.conftest import STAFF

PROBLEM = "application/problem+json"


@pytest.fixture
def http(settings):
    return registration_app(settings).test_client()


def post_group(http, body, **headers):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return http.post("/api/v1/groups", data=raw, content_type="application/json", headers={**STAFF, **headers})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": ' + b"[" * 50_000 + b"]" * 50_000 + b', "year": 2026}',
        b'{"name": "x", "year": 2026, "extra": ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}",
        b'{"name": "x", "year": ' + b"9" * 5000 + b"}",
        b'{"name": "x", "year": 99999999999999999999999}',
        b'{"name": "x", "year": NaN}',
        b'{"name": "\\ud800", "year": 2026}',
        b'{"name\\u0000": "x", "year": 2026}',
    ],
)
def test_json_no_store_can_hold_is_a_4xx_problem_never_a_500(http, raw):
    response = post_group(http, raw)
    assert 400 <= response.status_code < 500 and response.mimetype == PROBLEM, response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["a\x00b", "a\x1bb", "a\nb", "\x85x"])
def test_control_characters_in_a_name_are_422(http, name):
    response = post_group(http, {"name": name, "year": 2026})
    assert response.status_code == 422 and "name" in response.get_json()["errors"]


def test_text_is_stored_nfc_without_bidi_or_zero_width_marks(http):
    decomposed = unicodedata.normalize("NFD", "햇살 모임")
    response = post_group(
        http,
        {
            "name": f"\u202e{decomposed}\u200b",
            "year": 2026,
            "description": "첫 줄\n둘째 줄",
            "theme": " 숲\u2066 놀이 ",
        },
    )
    assert response.status_code == 201
    group = http.get(response.headers["Location"], headers=STAFF).get_json()
    assert group["name"] == "햇살 모임" and unicodedata.is_normalized("NFC", group["name"])
    assert group["description"] == "첫 줄\n둘째 줄" and group["theme"] == "숲 놀이"


def test_the_biggest_text_the_limits_allow_is_stored(http):
    response = post_group(http, {"name": "가" * 100, "year": 2026, "description": "😀" * 2000})
    assert response.status_code == 201
    assert post_group(http, {"name": "가" * 101, "year": 2026}).status_code == 422


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("abc-123_X.y:z", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("bad id", False),
        ("x\r\nSet-Cookie: a", False),
        ("<script>", False),
        ("한글", False),
        ("", False),
    ],
)
def test_request_and_correlation_ids_are_kept_only_as_short_safe_tokens(http, sent, kept):
    try:
        response = http.get("/healthz", headers={"X-Request-ID": sent, "X-Correlation-ID": sent})
    except ValueError:  # the test client itself refuses a header with a line break: nothing to check
        return
    for header in ("X-Request-ID", "X-Correlation-ID"):
        assert (response.headers[header] == sent) is kept
        assert response.headers[header].replace("-", "").isalnum() or kept


def test_the_idempotency_fingerprint_covers_the_query_string(http):
    body = {"name": "같은 모임", "year": 2026}
    first = post_group(http, body, **{"Idempotency-Key": "k-query"})
    http_query = http.post("/api/v1/groups?dry=1", json=body, headers={**STAFF, "Idempotency-Key": "k-query"})
    assert first.status_code == 201 and http_query.status_code == 422
    again = post_group(http, body, **{"Idempotency-Key": "k-query"})
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_every_answer_carries_the_security_headers(http):
    for response in (
        http.get("/api/v1/groups?year=2026", headers=STAFF),
        http.get("/api/v1/groups"),
        post_group(http, {"year": 1}),
        http.get("/docs"),
        http.get("/healthz"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert http.get("/api/v1/groups?year=2026", headers=STAFF).headers["Cache-Control"] == "no-store"
    assert http.get("/api/v1/groups").headers["Cache-Control"] == "no-store"
