"""The portal's own "Brief scannen" page: a fake phone camera shows the letter's QR code.

Chromium gets a fake camera that plays a YUV4MPEG2 file made here from a segno QR code. Debian's
Chromium on Linux has no native BarcodeDetector, so these tests decode through the zxing-wasm
ponyfill served from /static/vendor; the strict-CSP test proves the page's policy allows exactly
what that needs (same-origin script and .wasm, 'wasm-unsafe-eval').
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import segno
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _new_context,
    _watch,
    assert_accessible,
    problems,
)
from tests.conftest import LiveServer
from tests.factories import make_fine_case

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480
FOREIGN = "Dieser QR-Code gehört nicht zu einem Schreiben der Stadt."
NO_CAMERA = "Die Kamera ist nicht verfügbar. Geben Sie Aktenzeichen und Zugangscode ein."
NO_SCRIPT = "Der Scanner auf dieser Seite braucht JavaScript."
DECODE_TIMEOUT = 15000  # ms: the first scan loads and compiles 1 MB of WebAssembly


def case_page(case: dict[str, str]) -> re.Pattern[str]:
    return re.compile(rf"/bussgeld/fall/{re.escape(case['aktenzeichen'])}$")


def write_y4m(path: Path, text: str, frames: int = 3) -> Path:
    """A 640x480 4:2:0 video of the QR code for ``text``, black on white with a quiet zone."""
    border = 4
    rows = [list(row) for row in segno.make_qr(text, error="m").matrix_iter(border=border)]
    scale = min(WIDTH, HEIGHT) * 9 // 10 // len(rows)
    assert scale >= 4, "QR code too dense for the frame"
    side = len(rows) * scale
    left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
    white, black = b"\xff", b"\x00"
    blank_line = white * WIDTH
    luma = bytearray()
    for _ in range(top):
        luma += blank_line
    for row in rows:
        line = white * left + b"".join((black if dark else white) * scale for dark in row)
        line += white * (WIDTH - len(line))
        for _ in range(scale):
            luma += line
    while len(luma) < WIDTH * HEIGHT:
        luma += blank_line
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)
    return path


CameraPage = Callable[..., Page]


@pytest.fixture
def camera_page(
    playwright: Playwright,
    browser: Browser,  # fails in CI / skips elsewhere when Chromium or axe is missing
    live_server: LiveServer,
    tmp_path: Path,
) -> Iterator[CameraPage]:
    """Opens a Pixel 7 page in a Chromium whose camera films the QR code of ``qr_text``."""
    launched: list[Browser] = []

    def open_page(qr_text: str, *, bypass_csp: bool = True) -> Page:
        video = write_y4m(tmp_path / f"camera-{len(launched)}.y4m", qr_text)
        camera_browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera_browser)
        context = _new_context(
            playwright, camera_browser, live_server, bypass_csp=bypass_csp, permissions=["camera"]
        )
        page = context.new_page()
        _watch(page)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.requested = requests  # type: ignore[attr-defined]
        return page

    yield open_page
    for camera_browser in launched:
        camera_browser.close()


def start_camera(page: Page) -> None:
    page.goto("/bussgeld/scannen")
    expect(page.locator("h1")).to_have_text("Brief scannen")
    page.get_by_role("button", name="Kamera starten").click()


def test_the_letters_qr_code_opens_the_case(
    camera_page: CameraPage, live_server: LiveServer
) -> None:
    case = make_fine_case(live_server.app)
    page = camera_page(case["portal_url"])
    page.goto("/bussgeld/scannen")
    assert_accessible(page)
    page.get_by_role("button", name="Kamera starten").click()
    expect(page).to_have_url(case_page(case), timeout=DECODE_TIMEOUT)
    expect(page.locator(".kern-hgroup")).to_contain_text(case["aktenzeichen"])
    assert_accessible(page)


def test_a_foreign_qr_code_is_refused_and_scanning_goes_on(camera_page: CameraPage) -> None:
    page = camera_page("https://example.org/b/not-the-city")
    start_camera(page)
    expect(page.get_by_text(NO_SCRIPT)).to_be_hidden()
    status = page.get_by_role("status").filter(has_text=FOREIGN)
    expect(status).to_be_visible(timeout=DECODE_TIMEOUT)
    expect(page.get_by_label("Kamerabild für den QR-Code")).to_be_visible()
    page.wait_for_timeout(1000)  # several more scans: still here, still one message
    expect(page).to_have_url(re.compile(r"/bussgeld/scannen$"))
    expect(page.get_by_text(FOREIGN)).to_have_count(1)
    assert_accessible(page)


def test_a_portal_url_outside_the_letter_paths_is_refused(
    camera_page: CameraPage, live_server: LiveServer
) -> None:
    page = camera_page(f"{live_server.url}/verwaltung/anmelden")
    start_camera(page)
    expect(page.get_by_text(FOREIGN)).to_be_visible(timeout=DECODE_TIMEOUT)
    expect(page).to_have_url(re.compile(r"/bussgeld/scannen$"))


def test_the_wasm_decoder_works_under_the_pages_strict_csp(
    camera_page: CameraPage, live_server: LiveServer
) -> None:
    case = make_fine_case(live_server.app)
    page = camera_page(case["portal_url"], bypass_csp=False)
    page.goto("/bussgeld/scannen")
    # Debian's Chromium on Linux has no native BarcodeDetector: this run must use the ponyfill.
    assert page.evaluate("() => !('BarcodeDetector' in window)")
    page.get_by_role("button", name="Kamera starten").click()
    expect(page).to_have_url(case_page(case), timeout=DECODE_TIMEOUT)
    requested = page.requested  # type: ignore[attr-defined]
    assert any("/static/vendor/barcode-detector/zxing_reader.wasm?v=" in url for url in requested)
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(live_server.url).netloc}
    assert problems(page).csp_violations == []
    assert problems(page).console_errors == []


NATIVE_STUB = """
window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    constructor(options) { this.formats = options.formats; }
    async detect(video) {
        const ready = this.formats.join() === "qr_code" && video instanceof HTMLVideoElement;
        return ready ? [{ rawValue: %s, format: "qr_code" }] : [];
    }
};
"""


def test_the_browsers_own_barcode_detector_is_used_where_there_is_one(
    camera_page: CameraPage, live_server: LiveServer
) -> None:
    case = make_fine_case(live_server.app)
    page = camera_page("not used: the stub decides", bypass_csp=False)
    # Stands in for Chromium on Android/macOS: a native BarcodeDetector that reads QR codes.
    page.add_init_script(NATIVE_STUB % json.dumps(case["portal_url"]))
    start_camera(page)
    expect(page).to_have_url(case_page(case), timeout=DECODE_TIMEOUT)
    requested = page.requested  # type: ignore[attr-defined]
    assert not [url for url in requested if "/vendor/barcode-detector/" in url]
    assert problems(page).console_errors == []


def test_a_refused_camera_says_to_type_the_access_code(phone: Page) -> None:
    # The shared browser has no fake camera and the context no camera permission.
    start_camera(phone)
    expect(phone.get_by_text(NO_CAMERA)).to_be_visible(timeout=DECODE_TIMEOUT)
    expect(
        phone.get_by_role("link", name="Ohne Kamera: Aktenzeichen und Zugangscode eingeben")
    ).to_be_visible()
    assert_accessible(phone)


def test_without_javascript_the_page_says_what_to_do(no_script_phone: Page) -> None:
    no_script_phone.goto("/bussgeld/scannen")
    expect(no_script_phone.get_by_text(NO_SCRIPT)).to_be_visible()
    expect(no_script_phone.get_by_role("button", name="Kamera starten")).to_be_hidden()
    no_script_phone.get_by_role(
        "link", name="Ohne Kamera: Aktenzeichen und Zugangscode eingeben"
    ).click()
    expect(no_script_phone).to_have_url(re.compile(r"/bussgeld$"))
