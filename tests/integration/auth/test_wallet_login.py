"""Logging in with the EUDI wallet through the portal's own pages (server/auth/wallet_views.py),
answered by Credo's holder (tests/peers/wallet) over real HTTP: the citizen's browser is the
test client, the wallet talks to the same app served on a port.

Cross device (QR code page, polling) and same device (the wallet's redirect back); the same
person by eID and by wallet is one citizen; a refusal and a replayed answer log nobody in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import unescape
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from server.auth.citizens import citizen_from_eid
from server.auth.eid import EidIdentity
from server.auth.models import Citizen
from server.extensions import db
from tests.checking_client import CheckingClient, csrf_token
from tests.conftest import LiveServer, empty_all_tables, free_port, make_test_app
from tests.peers.wallet.fixtures import PID_PERSONS, SD_JWT, WalletPeer
from tests.wallet_pid import VerifierPki


@dataclass
class Portal:
    app: Flask
    url: str
    pki: VerifierPki

    def browser(self) -> CheckingClient:
        return self.app.test_client()  # type: ignore[return-value]

    def citizens(self) -> list[tuple[int, str, str | None]]:
        with self.app.app_context():
            return [
                (citizen.id, citizen.trust_level, citizen.eid_subject)
                for citizen in db.session.query(Citizen).order_by(Citizen.id)
            ]


@pytest.fixture
def wallet_portal(backend: str, wallet_peer: WalletPeer) -> Iterator[Portal]:
    pki = VerifierPki(host="localhost")
    port = free_port()
    url = f"http://localhost:{port}"
    app = make_test_app(
        backend,
        PORTAL_BASE_URL=url,
        WALLET_VERIFIER_CERTIFICATES=pki.chain_pem,
        WALLET_VERIFIER_KEY=pki.key_pem,
        WALLET_TRUSTED_ISSUERS=wallet_peer.trust_anchor_pem,
        WALLET_CLIENT_ID_PREFIX="x509_san_dns",
    )
    live = LiveServer(app=app, url=url, server=make_server("127.0.0.1", port, app, threaded=True))
    live.start()
    try:
        yield Portal(app, url, pki)
    finally:
        live.stop()
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


def started(browser: CheckingClient, flow: str) -> Any:
    page = browser.get("/auth/wallet")
    assert page.status_code == 200
    return browser.post(
        "/auth/wallet/start", data={"csrf_token": csrf_token(page), "flow": flow, "next": ""}
    )


def present(wallet: WalletPeer, portal: Portal, link: str, **options: Any) -> dict[str, Any]:
    return wallet.present(link, trusted_certificates=[portal.pki.chain_pem], **options)


def test_the_account_page_offers_the_wallet(wallet_portal: Portal) -> None:
    page = wallet_portal.browser().get("/konto").get_data(as_text=True)
    assert "Mit EUDI-Wallet anmelden" in page
    assert 'href="/auth/wallet"' in page


def test_cross_device_the_qr_page_moves_on_by_itself(
    wallet_portal: Portal, wallet_peer: WalletPeer
) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    browser = wallet_portal.browser()
    to_qr = started(browser, "cross")
    assert to_qr.status_code == 302
    assert to_qr.headers["Location"] == "/auth/wallet/qr"
    page = browser.get("/auth/wallet/qr").get_data(as_text=True)
    assert "<svg" in page
    assert 'hx-trigger="every 2s"' in page
    link = unescape(re.search(r'href="(openid4vp://[^"]+)"', page).group(1))  # type: ignore[union-attr]

    waiting = browser.get("/auth/wallet/stand", headers={"HX-Request": "true"})
    assert "Warten auf die Antwort" in waiting.get_data(as_text=True)
    # Pressed too early, the button leads back to the QR code.
    assert browser.get("/auth/wallet/fertig").headers["Location"] == "/auth/wallet/qr"

    answer = present(wallet_peer, wallet_portal, link)
    assert answer["status"] == 200, answer
    moved = browser.get("/auth/wallet/stand", headers={"HX-Request": "true"})
    assert moved.headers["HX-Redirect"] == "/auth/wallet/fertig"
    done = browser.get("/auth/wallet/fertig")
    assert done.headers["Location"] == "/konto"
    account = browser.get("/konto").get_data(as_text=True)
    assert "Erika" in account
    assert "Mustermann" in account
    # Level high, like the eID: what certificates without an ID copy ask for.
    assert re.search(r"Vertrauensniveau</dt>\s*<dd[^>]*>\s*hoch", account), account
    [(_citizen, level, eid_subject)] = wallet_portal.citizens()
    assert level == "high"
    assert eid_subject is None
    # Taken once: the same browser cannot finish it again.
    assert browser.get("/auth/wallet/fertig").status_code == 400


def test_same_device_the_wallet_sends_the_browser_back(
    wallet_portal: Portal, wallet_peer: WalletPeer
) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    browser = wallet_portal.browser()
    to_wallet = started(browser, "same")
    link = to_wallet.headers["Location"]
    assert link.startswith("openid4vp://?client_id=x509_san_dns%3Alocalhost")
    answer = present(wallet_peer, wallet_portal, link)
    assert answer["status"] == 200, answer
    back = urlsplit(answer["redirect_uri"])
    assert f"{back.scheme}://{back.netloc}" == wallet_portal.url
    # Another browser with the wallet's link logs nobody in: the transaction is this one's.
    stranger = wallet_portal.browser()
    assert stranger.get(f"{back.path}?{back.query}").status_code == 400
    done = browser.get(f"{back.path}?{back.query}")
    assert done.headers["Location"] == "/konto"
    assert "Mustermann" in browser.get("/konto").get_data(as_text=True)


def test_the_same_person_by_eid_and_by_wallet_is_one_citizen(
    wallet_portal: Portal, wallet_peer: WalletPeer
) -> None:
    erika = PID_PERSONS["erika"]
    with wallet_portal.app.app_context():
        by_eid = citizen_from_eid(
            EidIdentity(
                issuer="https://eid.example",
                subject="erika-pseudonym",
                given_name=erika["given_name"],
                family_name=erika["family_name"].upper(),  # spelt in capitals by the card
                birthdate=date.fromisoformat(erika["birthdate"]),
                street=None,
                postal_code=None,
                locality=None,
                country=None,
                email=None,
                trust_level="high",
                id_token="x",
            )
        ).id
    wallet_peer.issue(SD_JWT, erika)
    browser = wallet_portal.browser()
    link = started(browser, "same").headers["Location"]
    back = urlsplit(present(wallet_peer, wallet_portal, link)["redirect_uri"])
    assert browser.get(f"{back.path}?{back.query}").status_code == 302
    assert [citizen_id for citizen_id, _, _ in wallet_portal.citizens()] == [by_eid]


def test_the_citizen_says_no(wallet_portal: Portal, wallet_peer: WalletPeer) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    browser = wallet_portal.browser()
    link = started(browser, "cross").headers["Location"]
    page = browser.get(link).get_data(as_text=True)
    wallet_link = unescape(re.search(r'href="(openid4vp://[^"]+)"', page).group(1))  # type: ignore[union-attr]
    present(wallet_peer, wallet_portal, wallet_link, refuse=True)
    assert browser.get("/auth/wallet/stand", headers={"HX-Request": "true"}).headers[
        "HX-Redirect"
    ] == ("/auth/wallet/fertig")
    failed = browser.get("/auth/wallet/fertig")
    assert failed.status_code == 400
    assert "Sie haben die Freigabe abgelehnt" in failed.get_data(as_text=True)
    assert wallet_portal.citizens() == []


def test_a_replayed_answer_changes_nothing(wallet_portal: Portal, wallet_peer: WalletPeer) -> None:
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    browser = wallet_portal.browser()
    link = started(browser, "same").headers["Location"]
    built = present(wallet_peer, wallet_portal, link, submit=False)
    first = requests.post(
        f"{wallet_portal.url}/auth/wallet/antwort",
        data=built["form_body"],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert first.status_code == 200
    again = requests.post(
        f"{wallet_portal.url}/auth/wallet/antwort",
        data=built["form_body"],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_request"}


def test_the_request_object_is_handed_out_once(
    wallet_portal: Portal, wallet_peer: WalletPeer
) -> None:
    browser = wallet_portal.browser()
    link = started(browser, "same").headers["Location"]
    request_uri = re.search(r"request_uri=([^&]+)", link).group(1)  # type: ignore[union-attr]
    url = unquote(request_uri)
    first = requests.get(url, timeout=10)
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/oauth-authz-req+jwt")
    assert requests.get(url, timeout=10).status_code == 404
