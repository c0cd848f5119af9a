"""A member's personal data in the portal: staff download the 열람 export and erase the member (issue 13)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

from tests.browser.live import PASSWORD
from tests.browser.pages import GroupsPage
from tests.conftest import STAFF
from tests.waiting import eventually


def test_staff_export_and_erase_a_members_personal_data(page, live, tmp_path):
    year = datetime.now(ZoneInfo("Asia/Seoul")).date().year
    portal = GroupsPage(page, live.portal_url)
    portal.sign_in("kim", PASSWORD)
    portal.form_group("개인정보 점검 모임", year, "점검")
    portal.join("정다운", "용산구", [("정새싹", f"{year - 3}-09-21")])
    expect(portal.notice()).to_contain_text("정다운 님이 가입했습니다")
    group_url = page.url

    group_id = group_url.rstrip("/").rsplit("/", 1)[-1]
    receipt = requests.post(
        f"{live.api('activity')}/documents",
        files={"file": ("receipt.pdf", b"%PDF-1.4\n% receipt\n%%EOF\n", "application/pdf")},
        data={"kind": "receipt", "group_id": group_id},
        headers=STAFF,
        timeout=10,
    )
    assert receipt.status_code == 201, receipt.text
    content = f"{live.api('activity')}/documents/{receipt.json()['id']}/content"
    page.get_by_role("row", name="정다운").get_by_role("link", name="개인정보").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("정다운 님의 개인정보")
    portal.check_accessibility("개인정보", "privacy")
    with page.expect_download() as download:
        page.get_by_role("link", name="열람 자료 내려받기 (JSON)").click()
    held = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert held["member"]["guardian_name"] == "정다운"
    assert held["events"]["registration"][0]["data"]["personal"]["children"][0]["name"] == "정새싹"

    page.get_by_role("button", name="개인정보 삭제").click()  # no reason given: refused at the field
    expect(page.locator("#reason-error")).to_contain_text("입력")
    portal.check_accessibility("개인정보 (오류)", "privacy-error")
    page.get_by_label("삭제 사유").fill("보호자의 삭제 요구")
    page.locator(f'label[for="doc-{receipt.json()["id"]}"]').click()  # the center's review: it names the person
    page.get_by_role("button", name="개인정보 삭제").click()
    expect(portal.notice()).to_contain_text("개인정보를 삭제했습니다")
    assert page.url == group_url
    expect(page.get_by_role("row", name="정다운")).to_have_count(0)

    members = requests.get(f"{live.api('registration')}/groups/{group_id}", headers=STAFF, timeout=10).json()
    assert members["member_count"] == 0
    eventually(lambda: requests.get(content, headers=STAFF, timeout=10).status_code == 404, what="file deleted")
    serious = {name: found for name, found in portal.scanned.items() if found}
    assert serious == {}, serious
