"""A program year's tasks done in the browser by a staff member, checked against the services' own answers."""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

from tests.browser.live import PASSWORD
from tests.browser.pages import FundingPage, GroupsPage, SchedulePage
from tests.conftest import STAFF
from tests.waiting import eventually

# A 1×1 PNG: the receipt "photo".
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")


def test_a_program_year_in_the_portal(page, live, tmp_path):
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    year, day = today.year, today.isoformat()
    portal = GroupsPage(page, live.portal_url)
    portal.open("/signin")
    portal.check_accessibility("로그인", "signin")
    portal.sign_in("kim", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("대시보드")
    portal.check_accessibility("대시보드")

    portal.nav("모임")
    portal.check_accessibility("모임", "groups")
    portal.form_group("햇살 숲놀이 모임", year, "숲놀이")
    group_url = page.url
    portal.join("박하늘", "마포구", [("박새봄", f"{year - 2}-03-14"), ("박여름", f"{year - 4}-07-01")])
    expect(page.locator("#district-error")).to_contain_text("용산구")  # the service's rule, in Korean, at its field
    expect(page.get_by_label("보호자 이름")).to_have_value("박하늘")  # the form keeps what was typed
    portal.check_accessibility("모임 (오류)", "groups-join-error")
    portal.join("박하늘", "용산구", [("박새봄", f"{year - 2}-03-14"), ("박여름", f"{year - 4}-07-01")])
    expect(portal.notice()).to_contain_text("박하늘 님이 가입했습니다")
    expect(page.get_by_role("row", name="박하늘")).to_contain_text("박여름")
    portal.approve()
    portal.check_accessibility("모임 상세", "group")

    schedule = SchedulePage(page, live.portal_url)
    schedule.schedule("햇살 숲놀이 모임", day, "10:00", "12:00")
    expect(schedule.booking(day)).to_contain_text("햇살 숲놀이 모임")  # in 키움터's week calendar
    portal.check_accessibility("활동 일정", "schedule")
    schedule.schedule("햇살 숲놀이 모임", day, "11:00", "13:00")  # overlaps the first: refused
    expect(page.locator("#error-summary")).to_contain_text("이미 예약된 활동")
    portal.check_accessibility("일정 충돌", "schedule-clash")
    expect(page.get_by_label("시작")).to_have_value("11:00")
    schedule.open(group_url.removeprefix(live.portal_url))
    page.get_by_role("link", name=today.strftime("%Y. ") + f"{today.month}. {today.day}.", exact=False).first.click()
    portal.check_accessibility("출석 기록", "attendance")
    schedule.record_attendance(["박하늘"], ["박새봄", "박여름"])
    expect(page.locator("[data-attendance]")).to_have_text("부모 1명 · 자녀 2명")

    funding = FundingPage(page, live.portal_url)
    funding.allocate("햇살 숲놀이 모임", "400,000")
    expect(page.get_by_role("row", name="햇살 숲놀이 모임")).to_contain_text("400,000원")
    receipt = tmp_path / "영수증.png"
    receipt.write_bytes(PNG)
    funding.claim("햇살 숲놀이 모임", day, "52,000", receipt)
    claim = page.locator("[data-claim]").first
    expect(claim).to_contain_text("52,000원")
    expect(claim.get_by_role("img")).to_be_visible()  # the receipt beside the claim, loaded through the portal
    page.wait_for_function("() => document.querySelector('[data-claim] img').naturalWidth > 0")
    funding.check_accessibility("활동비", "funding")
    claim_id = claim.get_attribute("data-claim")
    claim.get_by_role("button", name="승인").click()
    expect(page.locator("[data-claim]")).to_have_count(0)

    portal.nav("만족도 조사")
    page.get_by_role("button", name="조사 게시").click()
    expect(page.locator("[data-survey]")).to_contain_text(f"{year}년 자조모임 만족도 조사")
    portal.check_accessibility("만족도 조사", "surveys")

    # The dashboard, once every event is projected, shows exactly what reporting answers.
    def fresh():
        portal.open(f"/?year={year}")
        return page.locator("[data-freshness]").get_attribute("data-freshness") == "0"

    eventually(fresh, timeout=30, interval=0.2, what="dashboard says every record is in")
    expect(page.locator(".portal-freshness")).to_contain_text("모든 기록 반영됨")
    report = requests.get(f"{live.api('reporting')}/reports/annual/{year}", headers=STAFF, timeout=10).json()
    shown = {
        el.get_attribute("data-metric"): el.get_attribute("data-value") for el in page.locator("[data-metric]").all()
    }
    for path, value in shown.items():
        expected = report
        for part in path.split("."):
            expected = expected.get(part, 0) if isinstance(expected, dict) else expected
        assert float(value) == float(expected), (path, value, expected)
    assert shown["sessions.held"] == "1" and shown["participation.children"] == "2"
    assert float(shown["venues.키움터.hours"]) == 2.0
    assert report["budget"] == {**report["budget"], "allocated": 400000, "claimed": 52000, "approved": 52000}
    portal.check_accessibility("대시보드 (자료)", "dashboard")

    # Who approved the claim? The audit history names the person.
    history = requests.get(
        f"{live.api('reporting')}/audit/events", params={"type": "ExpenseApproved"}, headers=STAFF, timeout=10
    ).json()["events"]
    [approval] = [e for e in history if e["data"].get("expense_id", e["subject"]) in (claim_id, e["subject"])]
    if live.portal_names_people:
        assert approval["actor"] == "staff:kim" and approval["actorvia"] == "portal:web"
    portal.nav("감사 기록")
    page.get_by_label("이벤트 종류").select_option("ExpenseApproved")
    page.get_by_role("button", name="검색").click()
    page.wait_for_url("**type=ExpenseApproved**")
    expect(page.locator("[data-actor]").first).to_contain_text(approval["actor"])
    portal.check_accessibility("감사 기록", "audit")
    portal.nav("운영 상태")
    portal.check_accessibility("운영 상태", "operations")
    portal.nav("서류")
    expect(page.locator("[data-document]").first).to_contain_text("영수증")
    portal.check_accessibility("서류", "documents")

    serious = {name: found for name, found in portal.scanned.items() if found}
    assert not serious, serious
