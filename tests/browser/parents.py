"""Page objects of the parents' phone pages (issue 12), in the words of the pages, and the test's fixtures:
a phone context (390 × 844, touch, fake camera and microphone) and photo files (a 4 MB JPEG, a HEIC)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import Portal

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36 KAKAOTALK 10.8.0",
}


def jpeg_of(path: Path, megabytes: float) -> Path:
    """A camera-like JPEG of at least `megabytes` (noise does not compress)."""
    from PIL import Image

    side = int((megabytes * 1_000_000 / 0.9) ** 0.5)  # noise at quality 92: ~0.97 bytes a pixel
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, "JPEG", quality=92)
    return path


def heic_of(path: Path) -> Path:
    """An iPhone-like HEIC photo, written by pillow-heif."""
    from PIL import Image
    from pillow_heif import from_pillow

    buffer = io.BytesIO()
    from_pillow(Image.new("RGB", (320, 240), (200, 120, 40))).save(buffer, format="HEIF", quality=60)
    path.write_bytes(buffer.getvalue())
    return path


class ParentPage(Portal):
    """A parent with a phone and a link."""

    def join(self, name: str, phone: str, birth: str, consent: bool) -> None:
        self.page.get_by_label("보호자 이름").fill(name)
        self.page.get_by_label("휴대전화 번호").fill(phone)
        self.page.locator("#children_0_birth_date").fill(birth)
        self.page.locator("#children_0_name").fill("새싹")
        if consent:
            self.page.locator('label[for="child_consent_0"]').tap()
            self.page.locator('label[for="consent"]').tap()
        self.page.get_by_role("button", name="가입 신청").tap()

    def check_accessibility(self, name: str, shot: str | None = None) -> None:
        super().check_accessibility(name, shot)
        shots = os.environ.get("JAJO_SCREENSHOTS")  # docs/portal: `JAJO_SCREENSHOTS=docs/portal make test-browser`
        if shots:
            self.page.screenshot(path=str(Path(shots) / f"parents-{len(self.scanned):02d}.png"), full_page=True)

    def owed(self, kind: str):
        return self.page.locator(f'[data-owed="{kind}"]')

    def upload(self, item, files: list[Path], camera: bool = False) -> None:
        chooser = item.locator("input[capture]" if camera else "input[multiple]")
        chooser.set_input_files([str(f) for f in files])

    def done(self):
        return self.page.locator("#done .portal-upload-row.success")

    def touch_targets_too_small(self) -> list[str]:
        """Buttons, links and labels of form controls smaller than 44 × 44 px."""
        return self.page.evaluate("""() => [...document.querySelectorAll('main .krds-btn, main a, main .portal-check label')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.height < 44 || r.width < 44)
            .map(([e, r]) => e.textContent.trim().slice(0, 30) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")

    def fits_360(self) -> bool:
        return self.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def expect_korean_error(page: Page, text: str) -> None:
    expect(page.get_by_role("alert")).to_contain_text(text)
