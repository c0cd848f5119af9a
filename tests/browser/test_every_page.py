"""Every page, fetched as a signed-in person and parsed: a title, lang="ko", unique ids, a label on every
control and a CSRF token in every form (the notifications-admin `client_request` idea, over live servers)."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
import requests

from tests.browser.live import PASSWORD

PAGES = [
    "/",
    "/groups/",
    "/schedule/",
    "/schedule/new",
    "/funding/",
    "/documents/",
    "/surveys/",
    "/audit/",
    "/operations/",
]
NS = "{http://www.w3.org/1999/xhtml}"


def signed_in(live, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{live.portal_url}/signin", timeout=10).text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]
    answer = http.post(
        f"{live.portal_url}/signin",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 303
    return http


def problems(html: str) -> list[str]:
    root = html5lib.parse(html)
    found = []
    if root.get("lang") != "ko":
        found.append("lang is not ko")
    if not (root.findtext(f".//{NS}title") or "").strip():
        found.append("no title")
    ids = Counter(e.get("id") for e in root.iter() if e.get("id"))
    found += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    labelled = {e.get("for") for e in root.iter(f"{NS}label")}
    for control in [*root.iter(f"{NS}input"), *root.iter(f"{NS}select"), *root.iter(f"{NS}textarea")]:
        if (
            control.get("type") not in ("hidden", "submit")
            and control.get("id") not in labelled
            and not control.get("aria-label")
        ):
            found.append(f"control without label: {control.get('name')}")
    for form in root.iter(f"{NS}form"):
        if (form.get("method") or "get").lower() == "post" and not any(
            i.get("name") == "csrf_token" for i in form.iter(f"{NS}input")
        ):
            found.append(f"form without CSRF token: {form.get('action')}")
    return found


def test_every_page_is_well_formed_for_staff(live):
    http = signed_in(live, "kim")
    for path in PAGES:
        answer = http.get(live.portal_url + path, timeout=20)
        assert answer.status_code == 200, (path, answer.status_code)
        assert (
            answer.headers["Vary"] == "HX-Request"
            and "script-src 'self' 'nonce-" in answer.headers["Content-Security-Policy"]
        )
        assert problems(answer.text) == [], path


def test_viewers_reach_reports_and_audit_only(live):
    http = signed_in(live, "lee")
    assert http.get(live.portal_url + "/", timeout=20).status_code == 200
    assert http.get(live.portal_url + "/audit/", timeout=20).status_code == 200
    assert http.get(live.portal_url + "/groups/", timeout=20).status_code == 403
    nav = http.get(live.portal_url + "/", timeout=20).text
    assert "운영 상태" not in nav and "감사 기록" in nav
