"""Page objects: what a person does in the portal, in the words of its pages (labels, buttons, headings)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Page, expect

AXE = (Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js").read_text()
SERIOUS = ("serious", "critical")
SETTLE = """async () => {
    document.querySelectorAll('*').forEach(e => getComputedStyle(e).backgroundColor);
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    document.getAnimations().filter(a => a.effect?.getComputedTiming().endTime !== Infinity).forEach(a => a.finish());
}"""
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")  # `make screenshots` sets it to docs/portal


def axe_violations(page: Page) -> list[dict]:
    """axe-core (npm), run in the page; only serious and critical violations count (WCAG 2.1 AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)  # evaluated, not a <script>: the portal's CSP allows no inline script
    result = page.evaluate(
        "async () => JSON.stringify((await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations)"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in json.loads(result)
        if v["impact"] in SERIOUS
    ]


class Portal:
    def __init__(self, page: Page, base_url: str):
        self.page, self.base = page, base_url
        self.scanned: dict[str, list] = {}

    def open(self, path: str) -> "Portal":
        self.page.goto(self.base + path)
        return self

    def check_accessibility(self, name: str, shot: str | None = None) -> None:
        """axe on the page as it is now; with PORTAL_SCREENSHOTS set, also a full-page PNG named `shot`."""
        self.page.mouse.move(0, 0)  # scan the page at rest, not a hovered button
        # At rest: no request in flight (dimmed while busy) and every part that loads after the page (hx-trigger
        # "load", the dashboard's freshness) in place: a scan between the two read the dimmed placeholder.
        expect(self.page.locator('[aria-busy=true], [hx-trigger="load"]')).to_have_count(0)
        # KRDS buttons fade their colours (0.4 s): a colour caught mid-transition is no colour a person reads. The
        # fade after the mouse leaves starts only at the next style recalculation, so force that, let two frames
        # pass, and finish every transition before axe reads the colours.
        self.page.evaluate(SETTLE)
        found = axe_violations(self.page)
        if any(v["id"] == "color-contrast" for v in found):
            # The button just clicked can still read as pressed (KRDS's pressed fill, #b1cefb under #0b50d0, is a
            # colour of the instant of the press) or hovered when htmx swapped the page around it: let go of it,
            # wait for no pressed or hovered control and no running animation, then read again. A real contrast
            # fault is there at rest too and fails the second reading.
            self.page.evaluate("() => document.activeElement?.blur()")
            self.page.wait_for_function(
                "() => !document.querySelector('a:hover, button:hover, .krds-btn:hover, a:active, button:active')"
                " && document.getAnimations().every(a => a.playState !== 'running')"
            )
            self.page.evaluate(SETTLE)
            found = axe_violations(self.page)
        self.scanned[name] = found
        if SCREENSHOTS and shot:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SCREENSHOTS) / f"{shot}.png"), full_page=True)

    def sign_in(self, username: str, password: str) -> None:
        self.open("/signin")
        self.page.get_by_label("아이디").fill(username)
        self.page.get_by_label("비밀번호").fill(password)
        self.page.get_by_role("button", name="로그인").click()

    def nav(self, label: str) -> None:
        self.page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name=label).click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(
            label if label != "활동 일정" else "활동 일정"
        )

    def notice(self):
        return self.page.locator(".portal-notice").first


class GroupsPage(Portal):
    def form_group(self, name: str, year: int, theme: str) -> None:
        self.nav("모임")
        form = self.page.locator("form", has=self.page.get_by_role("button", name="모임 만들기"))
        form.get_by_label("모임 이름").fill(name)
        form.get_by_label("사업 연도").fill(str(year))
        form.get_by_label("주제").fill(theme)
        form.get_by_role("button", name="모임 만들기").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(name)

    def join(self, guardian: str, district: str, children: list[tuple[str, str]]) -> None:
        self.page.get_by_label("보호자 이름").fill(guardian)
        self.page.get_by_label("거주 구").fill(district)
        self.page.get_by_label("연락처").fill("010-1234-5678")
        for row, (name, birth) in enumerate(children):
            self.page.locator(f"#children_{row}_name").fill(name)
            self.page.locator(f"#children_{row}_birth_date").fill(birth)
        if not self.page.get_by_label("개인정보 수집·이용 안내", exact=False).is_checked():
            self.page.locator('label[for="consent"]').click()  # KRDS draws the box on the label
        self.page.get_by_role("button", name="가입 처리").click()

    def approve(self) -> None:
        self.page.get_by_role("button", name="모임 승인").click()
        expect(self.page.locator("h1 [data-status]")).to_have_attribute("data-status", "approved")


class SchedulePage(Portal):
    def schedule(self, group: str, day: str, start: str, end: str, venue: str = "키움터") -> None:
        self.open("/schedule/new")
        self.page.get_by_label("모임(승인된 모임)").select_option(label=group)
        self.page.get_by_label("날짜").fill(day)
        self.page.get_by_label("시작").fill(start)
        self.page.get_by_label("종료").fill(end)
        self.page.get_by_label("장소").select_option(label=venue)
        self.page.get_by_role("button", name="일정 잡기").click()

    def booking(self, day: str):
        return self.page.locator(f'[data-date="{day}"] .portal-booking')

    def record_attendance(self, guardians: list[str], children: list[str]) -> None:
        for prefix, people in (("g-", guardians), ("c-", children)):  # tapping the large label ticks the box
            for person in people:
                self.page.locator(f'label[for^="{prefix}"]', has_text=person).click()
                expect(self.page.get_by_role("checkbox", name=person).first).to_be_checked()
        self.page.get_by_role("button", name="출석 저장").click()


class FundingPage(Portal):
    def allocate(self, group: str, amount: str) -> None:
        self.nav("활동비")
        form = self.page.locator("form", has=self.page.get_by_role("button", name="배정"))
        form.get_by_label("모임").select_option(label=group)
        form.get_by_label("금액(원)").fill(amount)
        form.get_by_role("button", name="배정").click()

    def claim(self, group: str, day: str, amount: str, receipt: Path) -> None:
        form = self.page.locator("form", has=self.page.get_by_role("button", name="청구", exact=True))
        form.get_by_label("모임").select_option(label=group)
        form.get_by_label("사용일").fill(day)
        form.get_by_label("금액(원)").fill(amount)
        form.get_by_label("항목").select_option("재료비")
        form.get_by_label("영수증(사진 또는 PDF)").set_input_files(str(receipt))
        form.get_by_role("button", name="청구", exact=True).click()
