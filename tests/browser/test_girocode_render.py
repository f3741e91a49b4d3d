"""The GiroCode SVG as a phone shows it: rendered by Chromium under a strict CSP, screenshot,
decoded by zxing-cpp. A code that only decodes as PNG does not help a citizen on the portal."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright

from server.payments.girocode import Beneficiary, epc_payload, girocode_svg
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import IN_CI
from tests.qr_codes import read_qr_codes

pytestmark = pytest.mark.browser

TITLE = "GiroCode: 35,50 Euro an Stadtkasse Müllheim überweisen"
# No 'unsafe-inline' anywhere: an inline style attribute in the SVG would be blocked and reported.
PAGE = """<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'">
<title>GiroCode</title>
</head>
<body><main><h1>Zahlen</h1><figure id="girocode">{svg}</figure></main></body>
</html>"""


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Chromium without the axe-core requirement of the shared ``browser`` fixture."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message} (CI never skips browser tests)")
        pytest.skip(message)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def payload() -> str:
    return epc_payload(
        beneficiary=Beneficiary(name="Stadtkasse Müllheim", iban="DE89 3704 0044 0532 0130 00"),
        amount_cents=3550,
        rf_reference="RF40401234567899",
        purpose="GOVT",
    )


def _show(chromium: Browser, svg: str, width: int) -> tuple[Page, list[str]]:
    page = chromium.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.set_content(PAGE.format(svg=svg))
    return page, console


@pytest.mark.parametrize("width", [412, 200], ids=["pixel-7-width", "narrow"])
def test_svg_rendered_by_chromium_decodes_to_the_payload(
    chromium: Browser, payload: str, width: int
) -> None:
    page, console = _show(chromium, girocode_svg(payload, title=TITLE), width)
    try:
        code = page.locator("#girocode svg")
        box = code.bounding_box()
        assert box is not None
        assert box["width"] > 100, "the SVG must scale to the space it is given"
        assert abs(box["width"] - box["height"]) < 1
        screenshot = code.screenshot()
        assert page.get_by_role("img", name=TITLE).count() == 1
    finally:
        page.close()
    assert console == [], "CSP violations or errors while rendering the GiroCode"

    with Image.open(io.BytesIO(screenshot)) as image:
        barcodes = read_qr_codes(image)
    assert len(barcodes) == 1
    barcode = barcodes[0]
    assert barcode.ec_level == "M"
    assert barcode.bytes == payload.encode("utf-8")
    assert barcode.text.split("\n") == payload.split("\n")
    assert barcode.text.split("\n")[5] == "Stadtkasse Müllheim"


def test_inline_style_would_be_caught(chromium: Browser, payload: str) -> None:
    # Proves the CSP check above can fail: the same SVG with one style attribute is reported.
    svg = girocode_svg(payload, title=TITLE).replace("<svg ", '<svg style="display:block" ', 1)
    page, console = _show(chromium, svg, 412)
    page.close()
    assert any("Content Security Policy" in line for line in console), console
