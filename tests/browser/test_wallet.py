"""The EUDI wallet login in a real browser, answered by Credo's wallet (tests/peers/wallet): on a
desktop the QR code is read off the screen as a phone's camera would and the page moves on by
itself; on a phone the wallet's link leaves the browser and the wallet sends it back."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, Playwright, expect

from tests.browser.conftest import PHONE, assert_accessible
from tests.conftest import LiveServer, free_port, serving
from tests.peers.wallet.fixtures import PID_PERSONS, SD_JWT, WalletPeer
from tests.qr_codes import read_qr_codes
from tests.wallet_pid import VerifierPki

PKI = VerifierPki(host="localhost")


@pytest.fixture
def wallet_portal(backend: str, wallet_peer: WalletPeer) -> Iterator[LiveServer]:
    # x509_hash: the portal is reached as 127.0.0.1, which no DNS name in a certificate names.
    with serving(
        backend,
        port=free_port(),
        WALLET_VERIFIER_CERTIFICATES=PKI.chain_pem,
        WALLET_VERIFIER_KEY=PKI.key_pem,
        WALLET_TRUSTED_ISSUERS=wallet_peer.trust_anchor_pem,
        WALLET_CLIENT_ID_PREFIX="x509_hash",
    ) as live:
        yield live


def test_on_a_desktop_the_phone_scans_the_qr_code(
    browser: Browser, wallet_portal: LiveServer, wallet_peer: WalletPeer
) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    context = browser.new_context(locale="de-DE", base_url=wallet_portal.url, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto("/konto")
        page.get_by_role("link", name="Mit EUDI-Wallet anmelden").click()
        assert_accessible(page)
        page.get_by_role("button", name="QR-Code zeigen").click()
        expect(page.locator("h1")).to_have_text("QR-Code mit der Wallet scannen")
        assert_accessible(page)
        code = page.locator(".portal-girocode svg")
        scanned = read_qr_codes(Image.open(io.BytesIO(code.screenshot())))
        assert len(scanned) == 1
        link = scanned[0].text
        assert link.startswith("openid4vp://?client_id=x509_hash%3A")
        answer = wallet_peer.present(link, trusted_certificates=[PKI.chain_pem])
        assert answer["status"] == 200, answer
        # Nobody touches the desktop: the page asks the portal and moves on.
        expect(page.locator("h1")).to_have_text("Mein Konto", timeout=15_000)
        expect(page.get_by_text("Erika Mustermann")).to_be_visible()
    finally:
        context.close()


def test_on_a_phone_the_wallet_sends_the_browser_back(
    playwright: Playwright,
    browser: Browser,
    wallet_portal: LiveServer,
    wallet_peer: WalletPeer,
) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    context = browser.new_context(
        **device, locale="de-DE", base_url=wallet_portal.url, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto("/konto")
        page.get_by_role("link", name="Mit EUDI-Wallet anmelden").click()
        # On a phone the wallet on this device is offered first.
        buttons = page.locator("main button")
        expect(buttons.first).to_have_text("Wallet öffnen")
        with page.expect_response(lambda response: "/auth/wallet/start" in response.url) as sent:
            page.get_by_role("button", name="Wallet öffnen").click()
        link = sent.value.headers["location"]
        assert link.startswith("openid4vp://?")
        answer = wallet_peer.present(link, trusted_certificates=[PKI.chain_pem])
        assert answer["status"] == 200, answer
        page.goto(answer["redirect_uri"])  # the wallet app hands the phone back to the browser
        expect(page.locator("h1")).to_have_text("Mein Konto")
        expect(page.get_by_text("Erika Mustermann")).to_be_visible()
    finally:
        context.close()
