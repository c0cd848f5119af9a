"""A parent with only a phone and a link (issue 12): joins by the invite link (refused without consent), hands
in receipts (a 4 MB JPEG from the camera, a HEIC photo), answers a return with a new file, answers the survey,
checks the connection before an online meeting and says how the last one went; staff see it and the annual
report counts it. At a phone viewport (390 × 844, touch), with axe on every phone page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import LAUNCH_ARGS, NODE_MODULES
from tests.browser.live import PASSWORD, PORTAL_TOKEN, live_system
from tests.browser.pages import Portal
from tests.browser.parents import PHONE, ParentPage, expect_korean_error, heic_of, jpeg_of
from tests.conftest import STAFF
from tests.waiting import eventually


def _api(live, service: str, method: str, path: str, body: dict | None = None, headers: dict = STAFF) -> dict:
    """A staff call; waits while a service has not heard of the group or member yet (409 + Retry-After)."""

    def call():
        answer = requests.request(method, live.api(service) + path, json=body, headers=headers, timeout=10)
        return None if answer.status_code == 409 and "Retry-After" in answer.headers else answer

    answer = eventually(call, timeout=20, interval=0.1, what=f"{service} {path}")
    assert answer.status_code < 300, (path, answer.status_code, answer.text)
    return answer.json()


@pytest.fixture(scope="module")
def own(infra):
    """A system of its own (its own databases and topics): this year's surveys and claims stay out of the others'."""
    with live_system(infra, NODE_MODULES) as system:
        system.accounts.add("kim", PASSWORD, "staff", "김담당")
        yield system


@pytest.fixture
def phone(browser, own):
    assert "--use-fake-device-for-media-stream" in LAUNCH_ARGS  # a fake camera and microphone in headless Chromium
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", **PHONE)
    context.grant_permissions(["camera", "microphone"], origin=own.portal_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_parent_with_a_phone_and_a_link(page, phone, own, tmp_path):
    live = own
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    year = today.year
    group = _api(live, "registration", "POST", "/groups", {"name": "도토리 놀이 모임", "year": year, "theme": "놀이"})
    other = _api(live, "registration", "POST", "/groups", {"name": "다른 모임", "year": year})
    for g in (group, other):
        _api(live, "registration", "POST", f"/groups/{g['id']}/approve")
    meeting = "https://meet.example.org/dotori"
    upcoming = _api(
        live,
        "activity",
        "POST",
        "/sessions",
        {
            "group_id": group["id"],
            "date": (today + timedelta(days=7)).isoformat(),
            "start": "20:00",
            "end": "21:00",
            "kind": "online",
            "venue": "online",
            "title": "온라인 간담회",
            "meeting_url": meeting,
            "dial_in": "02-123-4567",
        },
    )
    held = _api(
        live,
        "activity",
        "POST",
        "/sessions",
        {
            "group_id": group["id"],
            "date": today.isoformat(),
            "start": "07:00",
            "end": "08:00",
            "kind": "online",
            "venue": "online",
            "meeting_url": meeting,
        },
    )
    _api(live, "activity", "POST", f"/groups/{group['id']}/budget", {"year": year, "amount": 300000})
    _api(
        live,
        "survey",
        "POST",
        "/surveys",
        {
            "title": f"{year}년 부모 만족도",
            "year": year,
            "questions": [
                {"id": "q1", "text": "모임 활동에 만족하시나요?", "kind": "likert5", "category": "activity_support"},
                {"id": "q2", "text": "가장 어려운 점은?", "kind": "choice", "options": ["시간", "서류 제출의 어려움"]},
            ],
        },
    )

    # Staff make the invite link on the group's page (the QR code and the address to copy).
    staff = Portal(page, live.portal_url)
    staff.sign_in("kim", PASSWORD)
    staff.open(f"/groups/{group['id']}")
    page.get_by_role("button", name="초대 링크 만들기").click()
    expect(page.get_by_role("img", name="QR 코드")).to_be_visible()
    invite = page.locator("[data-link-url]").input_value()
    assert "/join/" in invite

    # The parent opens it on the phone: refused without consent, then joins with it.
    parent = ParentPage(phone, live.portal_url)
    phone.goto(invite)
    parent.check_accessibility("가입 신청")
    parent.join("최하늘", "010-2222-3333", f"{year - 3}-05-05", consent=False)
    expect(phone.locator("#error-summary")).to_contain_text("동의")
    expect(phone.get_by_label("보호자 이름")).to_have_value("최하늘")
    parent.check_accessibility("가입 신청 (동의 없음)")
    assert parent.fits_360() and not parent.touch_targets_too_small()
    phone.locator("#children_0_birth_date").fill(f"{year - 3}-05-05")
    parent.join("최하늘", "010-2222-3333", f"{year - 3}-05-05", consent=True)
    expect(phone.locator(".portal-notice.success")).to_contain_text("가입했습니다")
    parent.check_accessibility("가입 완료")
    personal = phone.locator("#link-url").input_value()
    [member] = [
        m
        for m in _api(live, "registration", "GET", f"/groups/{group['id']}")["members"]
        if m["guardian_name"] == "최하늘"
    ]
    assert member["consent"]["notice_version"] and len(member["consent"]["children"]) == 1
    [joined] = eventually(
        lambda: [
            e
            for e in _api(live, "reporting", "GET", f"/audit/subjects/{group['id']}")["events"]
            if e["type"] == "MemberJoined"
        ],
        what="the join in the audit history",
    )
    assert joined["actor"].startswith(f"invite:{group['id']}/")  # the invite link joined, not the staff who made it
    assert joined["actorvia"] == "portal:web"
    staff.open(f"/groups/{group['id']}")
    expect(page.locator("#members tr", has_text="010-2222-3333")).to_contain_text("새싹")  # staff see the new member

    # Two claims are made; the group owes a receipt for each (and its activity plan).
    claims = [
        _api(
            live,
            "activity",
            "POST",
            "/expenses",
            {"group_id": group["id"], "date": today.isoformat(), "amount": amount, "category": "재료비"},
        )
        for amount in (40000, 25000)
    ]
    _api(
        live,
        "activity",
        "POST",
        f"/sessions/{held['id']}/attendance",
        {"guardians": [member["id"]], "children": [member["children"][0]["id"]]},
    )
    phone.goto(personal)  # the token leaves the address bar: a cookie holds the guardian's session
    expect(phone).to_have_url(f"{live.portal_url}/p/")
    expect(parent.owed("receipt")).to_have_count(2)
    parent.check_accessibility("우리 모임")
    assert parent.fits_360() and not parent.touch_targets_too_small()
    photo = jpeg_of(tmp_path / "영수증.jpg", 4.0)
    assert 4_000_000 <= photo.stat().st_size < 10_000_000
    parent.upload(parent.owed("receipt").first, [photo], camera=True)
    expect(parent.done()).to_have_count(1)
    expect(parent.done().first).to_contain_text("제출 완료")
    expect(parent.owed("receipt")).to_have_count(1)
    parent.upload(parent.owed("receipt").first, [heic_of(tmp_path / "IMG_0001.HEIC")])
    expect(parent.done()).to_have_count(2)
    expect(parent.owed("receipt")).to_have_count(0)
    phone.wait_for_function(
        "() => [...document.querySelectorAll('#done img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    docs = _api(live, "activity", "GET", f"/groups/{group['id']}/documents")["documents"]
    assert sorted(d["content_type"] for d in docs) == ["image/heic", "image/jpeg"]  # each stored once
    assert {d["expense_id"] for d in docs} == {c["id"] for c in claims}

    # Staff return the JPEG with a reason; the parent sees it and sends a new file.
    jpeg = next(d for d in docs if d["content_type"] == "image/jpeg")
    staff.open(f"/documents/?group_id={group['id']}")
    page.locator(f"#reason-{jpeg['id']}").fill("금액이 보이지 않습니다")
    page.locator(f'[data-document="{jpeg["id"]}"]').get_by_role("button", name="보완 요청").click()
    staff.check_accessibility("서류 (검토)")
    phone.reload()
    returned = phone.locator(f'[data-returned="{jpeg["id"]}"]')
    expect(returned).to_contain_text("금액이 보이지 않습니다")
    parent.upload(returned, [jpeg_of(tmp_path / "다시.jpg", 0.3)])
    expect(parent.done()).to_have_count(1)
    expect(returned).to_have_count(0)
    owed = _api(live, "activity", "GET", f"/groups/{group['id']}/documents/missing")["missing"]
    assert [m["kind"] for m in owed] == ["activity_plan"]  # both receipts handed in, the returned one answered

    # The upcoming online meeting's link, and the connection check (fake camera and microphone).
    card = phone.locator(f'[data-session="{upcoming["id"]}"]')
    expect(card.get_by_role("link", name="온라인 모임 들어가기")).to_have_attribute("href", meeting)
    phone.get_by_role("button", name="접속 점검 시작").tap()
    expect(phone.locator("[data-check][data-checked=true]")).to_have_count(1)
    expect(phone.locator("[data-check-results]")).to_contain_text("카메라와 마이크를 쓸 수 있습니다")
    expect(phone.locator("[data-check-results]")).to_contain_text("응답")
    parent.check_accessibility("우리 모임 (점검 후)")

    # How did the held online meeting go? 소리 문제 → ConnectionReported → the report's online block.
    phone.locator(f"#connection-{held['id']}").get_by_role("button", name="소리 문제").tap()
    expect(phone.locator(f"#connection-{held['id']}")).to_contain_text("답변 고맙습니다")
    parent.check_accessibility("우리 모임 (접속 응답)")

    def online():
        block = _api(live, "reporting", "GET", f"/reports/annual/{year}").get("online") or {}
        return block if block.get("by_status", {}).get("audio") == 1 else None

    block = eventually(online, timeout=30, interval=0.2, what="the connection report in the annual report")
    assert block["reports"] == 1 and block["problem_rate"] == 1.0
    staff.open(f"/?year={year}")
    expect(page.locator('[data-online="audio"]')).to_contain_text("1")

    # The survey, answered once as this member, with a thank-you and nobody else's answers.
    phone.goto(f"{live.portal_url}/p/")
    phone.get_by_role("link", name=f"{year}년 부모 만족도 답하기").tap()
    parent.check_accessibility("설문")
    phone.locator('label[for="q_q1_1"]').tap()
    phone.get_by_text("서류 제출의 어려움").tap()
    phone.get_by_role("button", name="답변 보내기").tap()
    expect(phone.locator("[data-thanks]")).to_contain_text("고맙습니다")
    parent.check_accessibility("설문 (감사)")

    # A personal link acts for its member only: the services refuse the rest (403), whatever the portal asks.
    guardian = {"Authorization": f"Bearer {PORTAL_TOKEN}", "X-Jajo-Actor": f"guardian:{member['id']}"}
    for method, service, path in (
        ("GET", "activity", f"/groups/{other['id']}/documents/missing"),
        ("GET", "activity", f"/sessions?group_id={other['id']}"),
        ("GET", "registration", f"/groups/{group['id']}"),
    ):
        assert requests.request(method, live.api(service) + path, headers=guardian, timeout=10).status_code == 403
    stolen = requests.post(
        live.api("activity") + "/documents",
        headers=guardian,
        timeout=10,
        data={"group_id": other["id"], "kind": "activity_plan"},
        files={"file": ("plan.jpg", photo.read_bytes()[:2048], "image/jpeg")},
    )
    assert stolen.status_code == 403

    # Revoked and expired links answer a Korean error page, and the portal's API a 401.
    staff.open(f"/groups/{group['id']}")
    page.locator('[data-link="invite"]').get_by_role("button", name="사용 중지").click()
    answer = requests.get(invite, timeout=10)
    assert answer.status_code == 410 and "더 이상 쓸 수 없습니다" in answer.text
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    links = live.portal.extensions["portal"].links
    token, _ = links.create(
        "personal",
        group["id"],
        year,
        "kim",
        member["id"],
        expires_at=datetime.now(ZoneInfo("UTC")) - timedelta(minutes=1),
    )
    phone.goto(f"{live.portal_url}/p/{token}")
    expect_korean_error(phone, "사용 기간이 지났습니다")
    parent.check_accessibility("링크 오류")
    nobody = requests.post(f"{live.portal_url}/p/documents", headers={"Accept": "application/json"}, timeout=10)
    assert nobody.status_code == 401 and "링크" in nobody.json()["message"]

    for claim in claims:  # the receipts are in: staff approve the claims (the shared claims queue is empty again)
        _api(live, "activity", "POST", f"/expenses/{claim['id']}/approve")

    serious = {name: found for name, found in {**parent.scanned, **staff.scanned}.items() if found}
    assert not serious, serious
