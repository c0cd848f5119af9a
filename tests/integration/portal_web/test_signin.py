"""Sign-in for people: argon2id accounts, cookie sessions, CSRF on every form, sign-in limits, roles."""

from __future__ import annotations

import re

import pytest

from jajo.mongo import client_for
from services.portal.accounts import Accounts
from services.portal.app import create_app
from services.portal.cli import first_admin
from services.portal.settings import PortalSettings

pytestmark = pytest.mark.integration
PASSWORD = "a-long-enough-password"


@pytest.fixture
def portal(settings):
    urls = {name: "http://127.0.0.1:9" for name in ("registration", "activity", "survey", "reporting")}
    app = create_app(settings, PortalSettings(service_urls=urls, api_token="t", signin_attempts=3))
    accounts: Accounts = app.extensions["portal"].accounts
    accounts.add("kim", PASSWORD, "staff")
    accounts.add("lee", PASSWORD, "viewer")
    return app


def sign_in(client, username: str, password: str):
    page = client.get("/signin").get_data(as_text=True)
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]
    return client.post("/signin", data={"csrf_token": token, "username": username, "password": password})


def test_sign_in_sets_a_protected_cookie_and_sign_out_ends_the_session(portal):
    client = portal.test_client()
    assert client.get("/groups/").status_code == 303  # to the sign-in page
    answer = sign_in(client, "kim", PASSWORD)
    assert answer.status_code == 303
    cookie = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("jajo_portal=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    stored = portal.extensions["portal"].db["accounts"].find_one({"_id": "kim"})
    assert stored["password"].startswith("$argon2id$")
    csrf = portal.extensions["portal"].db["sessions"].find_one({"username": "kim"})["csrf"]
    assert client.post("/signout", data={}).headers["Location"].startswith("/signin")  # no CSRF token: refused
    assert client.post("/signout", data={"csrf_token": csrf}).status_code == 303
    assert portal.extensions["portal"].db["sessions"].count_documents({"username": "kim"}) == 0


def test_sign_in_needs_its_csrf_token_and_is_limited(portal):
    client = portal.test_client()
    assert client.post("/signin", data={"username": "kim", "password": PASSWORD}).status_code == 400
    for _ in range(3):
        assert sign_in(client, "kim", "wrong password!").status_code == 401
    blocked = sign_in(client, "kim", PASSWORD)
    assert blocked.status_code == 429 and "너무 많습니다" in blocked.get_data(as_text=True)


def test_viewers_see_reports_only_and_disabling_ends_sessions(portal):
    client = portal.test_client()
    assert sign_in(client, "lee", PASSWORD).status_code == 303
    assert client.get("/groups/").status_code == 403
    portal.extensions["portal"].accounts.disable("lee")
    assert client.get("/groups/").status_code == 303
    assert sign_in(client, "lee", PASSWORD).status_code == 401


def test_first_admin_from_make_up(settings, tmp_path):
    accounts = Accounts(client_for(settings.mongodb_uri)[settings.database_name("portal")])
    saved = tmp_path / "portal-admin"
    line = first_admin(accounts, "", saved)
    name, password = saved.read_text().strip().split(":")
    assert name == "admin" and password in line and accounts.verify(name, password) is not None
    assert password in first_admin(accounts, "", saved)  # a second `make up` prints the same account
    assert saved.stat().st_mode & 0o077 == 0
