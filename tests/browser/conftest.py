"""Browser tests: real headless Chromium (Debian's, via Playwright's executable_path) against live servers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.live import PASSWORD, live_system

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
CHROMIUM = os.environ.get("JAJO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=ko-KR",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]  # the parents' connection check


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")  # each task-shaped test module counts on a program year of its own
def live(infra):
    if not (NODE_MODULES / "htmx.org").exists():
        pytest.fail("front-end packages missing: run `npm ci` (make test does)")
    with live_system(infra, NODE_MODULES) as system:
        system.accounts.add("kim", PASSWORD, "staff", "김담당")
        system.accounts.add("lee", PASSWORD, "viewer", "이열람")
        yield system


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (the .ci/run script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class OutsideRequests(list):
    """Every request a page made to anything but this machine (the portal must never need one)."""


@pytest.fixture
def page(browser, live):
    outside = OutsideRequests()
    context = browser.new_context(
        locale="ko-KR",
        timezone_id="Asia/Seoul",
        viewport={"width": 1280, "height": 900},
        bypass_csp=False,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()
    assert not outside, f"pages requested things outside the machine: {outside}"
