"""The development wallet answers the portal's wallet login over real HTTP, on both databases.

A transaction is started with ``server.auth.wallet.transactions.start``; a small blueprint here
serves its request URI and response URI with the verifier's domain functions (as the login's
views do), the live server serves them, and the wallet page, opened in the checking test client
with the link's ``client_id`` and ``request_uri``, fetches the request from there and posts its
answer there. ``transactions.finish`` then says who logged in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Blueprint, Flask, jsonify, request
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from server.auth.dev_wallet import development_settings, init_dev_wallet
from server.auth.dev_wallet.pki import DevelopmentPki
from server.auth.wallet import transactions
from server.auth.wallet.errors import Reason, TransactionUnavailable, VerificationFailed
from server.auth.wallet.models import Flow, ResponseMode, TransactionStatus
from server.auth.wallet.request_object import CONTENT_TYPE
from server.auth.wallet.settings import load_settings
from server.auth.wallet.setup import init_wallet, verifier_settings
from server.config import ConfigurationError, load_config
from server.extensions import csrf, db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import LiveServer, empty_all_tables, free_port, make_test_app
from tests.threads import together

# The development wallet end to end, once on production's database: the transactions'
# storage is tested on both (test_wallet_transactions.py).
ONLY_ON = ("postgresql",)


def _endpoints() -> Blueprint:
    bp = Blueprint("dev_wallet_test_endpoints", __name__)

    @bp.get("/test-wallet/anfrage/<request_id>")
    def request_object(request_id: str) -> Response:
        try:
            with db.transaction():
                token = transactions.request_object(verifier_settings(), request_id)
        except TransactionUnavailable:
            return Response("gone", status=404)
        return Response(token, content_type=CONTENT_TYPE)

    @bp.post("/test-wallet/antwort")
    def response() -> Any:
        try:
            with db.transaction():
                received = transactions.receive_response(verifier_settings(), request.form)
        except TransactionUnavailable:
            return jsonify(error="invalid_request"), 400
        if received.response_code is None:
            # The wallet's own "no" was taken; a presentation that failed the checks was not.
            taken = received.verified or str(received.failure).startswith("wallet:")
            return (jsonify({}), 200) if taken else (jsonify(error="invalid_request"), 400)
        base = request.host_url.rstrip("/")
        code = urlencode({"response_code": received.response_code})
        return jsonify(redirect_uri=f"{base}/test-wallet/fertig?{code}"), 200

    csrf.exempt(response)
    return bp


@dataclass
class Portal:
    app: Flask
    url: str
    client: CheckingClient

    def start(
        self, flow: Flow = Flow.CROSS_DEVICE, mode: ResponseMode | None = None
    ) -> transactions.StartedTransaction:
        with self.app.app_context(), db.transaction():
            return transactions.start(
                verifier_settings(),
                flow=flow,
                response_uri=f"{self.url}/test-wallet/antwort",
                request_uri=lambda request_id: f"{self.url}/test-wallet/anfrage/{request_id}",
                response_mode=mode,
            )

    def finish(self, secret: str, code: str | None = None) -> Any:
        with self.app.app_context(), db.transaction():
            return transactions.finish(secret, code)

    def progress(self, secret: str) -> transactions.Progress:
        with self.app.app_context():
            return transactions.progress(secret)

    def open_wallet(self, wallet_url: str) -> Any:
        """The link or QR code opened: the wallet page with the request."""
        assert wallet_url.startswith(f"{self.url}/entwicklung/wallet?"), wallet_url
        return self.client.get(wallet_url)

    def answer(
        self, page: Any, action: str, browser: CheckingClient | None = None, **choices: str
    ) -> Any:
        """Press "Freigeben" (``share``) or "Ablehnen" (``refuse``) on the wallet page."""
        soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
        form = soup.find("form", attrs={"method": "post", "class": "portal-stack"})
        assert form is not None, page.get_data(as_text=True)[:2000]
        fields = {
            str(field["name"]): str(field.get("value", ""))
            for field in form.find_all("input")
            if field.get("type") in ("hidden", None)
        }
        return (browser or self.client).post(
            self.url + str(form["action"]), data={**fields, "action": action, **choices}
        )


def _portal(backend: str, folder: Path, host: str, **overrides: Any) -> Iterator[Portal]:
    port = free_port()
    url = f"http://{host}:{port}"
    app = make_test_app(
        backend, PORTAL_BASE_URL=url, DEV_WALLET=True, DEV_WALLET_DIR=str(folder), **overrides
    )
    app.register_blueprint(_endpoints())
    init_dev_wallet(app)
    init_wallet(app)
    live = LiveServer(app=app, url=url, server=make_server("127.0.0.1", port, app, threaded=True))
    live.start()
    try:
        yield Portal(app, url, checking_client(app))
    finally:
        live.stop()
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


@pytest.fixture(scope="module")
def pki_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dev-wallet")


@pytest.fixture(params=["localhost", "127.0.0.1"])
def portal(backend: str, pki_folder: Path, request: pytest.FixtureRequest) -> Iterator[Portal]:
    """On ``localhost`` the client id is ``x509_san_dns:localhost``, on an IP address
    ``x509_hash:...`` (a DNS name in a certificate cannot be an address)."""
    yield from _portal(backend, pki_folder, str(request.param))


def text(page: Any) -> str:
    return " ".join(BeautifulSoup(page.get_data(as_text=True), "lxml").get_text().split())


@pytest.mark.parametrize("pid_format", ["dc+sd-jwt", "mso_mdoc"])
@pytest.mark.parametrize("mode", [ResponseMode.DIRECT_POST_JWT, ResponseMode.DIRECT_POST])
def test_erika_logs_in_from_another_device(portal, mode, pid_format):
    started = portal.start(Flow.CROSS_DEVICE, mode)
    page = portal.open_wallet(started.wallet_url)
    assert page.status_code == 200, text(page)
    shown = text(page)
    assert "Bürgerportal Entwicklung (nicht für den Betrieb)" in shown  # who asks
    host = urlsplit(portal.url).hostname
    prefix = "x509_san_dns" if host == "localhost" else "x509_hash"
    assert f"{prefix}:" in shown
    for claim in ("Vorname", "Familienname", "Geburtsdatum", "Straße und Hausnummer", "Wohnort"):
        assert claim in shown
    assert portal.progress(started.secret).status is TransactionStatus.REQUESTED
    done = portal.answer(page, "share", person="erika", credential_format=pid_format)
    assert done.status_code == 200, text(done)
    assert "Fertig – Sie können zum anderen Gerät zurückkehren" in text(done)
    person = portal.finish(started.secret)
    assert (person.given_name, person.family_name) == ("Erika", "Mustermann")
    assert person.birthdate.isoformat() == "1964-08-12"
    assert (person.street, person.postal_code, person.locality, person.country) == (
        "Heidestraße 17",
        "51147",
        "Köln",
        "DE",
    )
    assert person.credential_format == pid_format
    assert person.credential_type == (
        "urn:eudi:pid:de:1" if pid_format == "dc+sd-jwt" else "eu.europa.ec.eudi.pid.1"
    )
    assert "Bürgerportal Entwicklung" in person.issuer
    assert person.trust_level == "high"


def test_on_the_same_device_the_wallet_sends_the_browser_back(portal):
    started = portal.start(Flow.SAME_DEVICE)
    page = portal.open_wallet(started.wallet_url)
    back = portal.answer(page, "share", person="max", credential_format="dc+sd-jwt")
    assert back.status_code == 303
    location = back.headers["Location"]
    assert location.startswith(f"{portal.url}/test-wallet/fertig?")
    code = parse_qs(urlsplit(location).query)["response_code"][0]
    with pytest.raises(TransactionUnavailable):
        portal.finish(started.secret)  # not without the code the redirect brought
    assert portal.finish(started.secret, code).given_name == "Max"


def test_the_person_refuses(portal):
    started = portal.start(Flow.CROSS_DEVICE)
    page = portal.open_wallet(started.wallet_url)
    done = portal.answer(page, "refuse")
    assert done.status_code == 200
    assert "abgelehnt" in text(done)
    with pytest.raises(VerificationFailed) as failed:
        portal.finish(started.secret)
    assert failed.value.reason == f"{Reason.WALLET_ERROR}:access_denied"


def test_a_person_must_be_chosen(portal):
    started = portal.start()
    page = portal.open_wallet(started.wallet_url)
    again = portal.answer(page, "share", credential_format="dc+sd-jwt")
    assert again.status_code == 422
    assert "Wählen Sie eine Testperson." in text(again)
    # The request is kept in the page: answered now, it still counts.
    done = portal.answer(again, "share", person="erika", credential_format="dc+sd-jwt")
    assert done.status_code == 200, text(done)
    assert portal.finish(started.secret).family_name == "Mustermann"


def test_the_request_is_fetched_once(portal):
    started = portal.start()
    assert portal.open_wallet(started.wallet_url).status_code == 200
    again = portal.open_wallet(started.wallet_url)
    assert again.status_code == 400
    assert "Die Wallet beantwortet diese Anfrage nicht" in text(again)


def test_a_changed_request_is_not_answered(portal):
    started = portal.start()
    page = portal.open_wallet(started.wallet_url)
    html = page.get_data(as_text=True)
    soup = BeautifulSoup(html, "lxml")
    field = soup.find("input", attrs={"name": "request_object"})
    assert isinstance(field, Tag)
    header, payload, signature = str(field["value"]).split(".")
    field["value"] = f"{header}.{payload}.{signature[::-1]}"
    page.set_data(str(soup))
    refused = portal.answer(page, "share", person="erika", credential_format="dc+sd-jwt")
    assert refused.status_code == 400
    assert "signature" in text(refused)
    assert portal.progress(started.secret).waiting


@pytest.mark.parametrize("pid_format", ["dc+sd-jwt", "mso_mdoc"])
def test_only_what_is_asked_is_disclosed(backend, pki_folder, pid_format):
    for portal in _portal(
        backend, pki_folder, "localhost", WALLET_CLAIMS="given_name,family_name,birthdate"
    ):
        started = portal.start()
        page = portal.open_wallet(started.wallet_url)
        assert "Wohnort" not in text(page)
        portal.answer(page, "share", person="erika", credential_format=pid_format)
        person = portal.finish(started.secret)
        assert person.given_name == "Erika"
        assert (person.street, person.postal_code, person.locality) == (None, None, None)


def test_without_a_request_the_page_shows_what_the_wallet_holds(portal):
    page = portal.client.get(f"{portal.url}/entwicklung/wallet")
    assert page.status_code == 200
    shown = text(page)
    assert "Erika Mustermann, geboren am 12.08.1964; Heidestraße 17, 51147 Köln" in shown
    assert "Leonie Weber" in shown


def test_a_request_from_elsewhere_is_not_fetched(portal):
    page = portal.client.get(
        f"{portal.url}/entwicklung/wallet?"
        + urlencode({"client_id": "x509_hash:abc", "request_uri": "http://example.org/r/1"})
    )
    assert page.status_code == 400
    assert "not an address of this portal" in text(page)


# -- configuration ----------------------------------------------------------------------------


def test_the_development_pki_is_made_once(tmp_path):
    folder = DevelopmentPki(tmp_path / "dev-wallet")
    issuer = folder.issuer()
    verifier = folder.verifier("localhost")
    again = DevelopmentPki(tmp_path / "dev-wallet")
    assert again.issuer().signer.certificate == issuer.signer.certificate
    assert again.verifier("localhost").leaf.certificate == verifier.leaf.certificate
    assert again.verifier("127.0.0.1").root == verifier.root
    assert sorted(path.name for path in (tmp_path / "dev-wallet").iterdir()) == [
        "pki",
        "verifier",
    ]


def test_processes_starting_at_once_make_one_pki(tmp_path):
    """Workers of one installation start together: each gets the same keys, whoever wins."""

    def start(wait: Any) -> tuple[Any, Any]:
        folder = DevelopmentPki(tmp_path / "dev-wallet")
        wait()
        return folder.issuer().signer.certificate, folder.verifier("localhost").leaf.certificate

    results = together([start] * 6)
    assert len(set(results)) == 1
    leftovers = [path.name for path in (tmp_path / "dev-wallet").rglob(".*")]
    assert leftovers == []  # no temporary folder or file stays behind


def test_on_by_default_outside_production_without_a_verifier_certificate(tmp_path):
    environment = {"INSTANCE_DIR": str(tmp_path)}
    assert load_config(environ=environment)["DEV_WALLET"] is True
    assert load_config(environ=environment)["DEV_WALLET_DIR"] == str(tmp_path / "dev-wallet")
    assert load_config(environ={**environment, "DEV_WALLET": "no"})["DEV_WALLET"] is False
    configured = {**environment, "WALLET_VERIFIER_CERTIFICATES": "/etc/portal/verifier.pem"}
    assert load_config(environ=configured)["DEV_WALLET"] is False
    with pytest.raises(ConfigurationError, match="DEV_WALLET"):
        load_config(environ={**configured, "DEV_WALLET": "yes"})


def test_production_refuses_the_development_wallet(tmp_path):
    production = {
        "INSTANCE_DIR": str(tmp_path),
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "PORTAL_BASE_URL": "https://portal.musterstadt.de",
    }
    assert load_config(environ=production)["DEV_WALLET"] is False
    with pytest.raises(ConfigurationError, match="refused in production"):
        load_config(environ={**production, "DEV_WALLET": "yes"})
    # Its certificates configured by hand are refused too.
    app = Flask(__name__)
    app.config.update(
        PORTAL_BASE_URL="https://portal.musterstadt.de",
        DEV_WALLET_DIR=str(tmp_path / "dev-wallet"),
    )
    with app.app_context():
        settings = development_settings(app)
    config = load_config(environ=production)
    config.update(settings)
    with pytest.raises(ConfigurationError, match="development"):
        load_settings(config)
    app.config.update(config, DEV_WALLET=True)
    with pytest.raises(ConfigurationError, match="refused in production"):
        init_dev_wallet(app)


# -- the whole login through the portal's pages (server/auth/wallet_views.py) ------------------


@pytest.fixture
def login_portal(backend: str, pki_folder: Path) -> Iterator[Portal]:
    yield from _portal(backend, pki_folder, "localhost")


def _start(portal: Portal, browser: CheckingClient, flow: str) -> Any:
    page = browser.get(f"{portal.url}/auth/wallet")
    assert page.status_code == 200
    return browser.post(
        f"{portal.url}/auth/wallet/start",
        data={"csrf_token": csrf_token(page), "flow": flow, "next": ""},
    )


def test_a_new_citizen_logs_in_on_the_phone(login_portal):
    portal = login_portal
    to_wallet = _start(portal, portal.client, "same")
    assert to_wallet.status_code == 302
    link = to_wallet.headers["Location"]
    assert link.startswith(f"{portal.url}/entwicklung/wallet?client_id=x509_san_dns")
    page = portal.open_wallet(link)
    back = portal.answer(page, "share", person="erika", credential_format="dc+sd-jwt")
    assert back.status_code == 303
    assert back.headers["Location"].startswith(f"{portal.url}/auth/wallet/fertig?response_code=")
    logged_in = portal.client.get(back.headers["Location"])
    assert logged_in.status_code == 302
    account = portal.client.get(f"{portal.url}/konto")
    assert "Erika Mustermann" in text(account)


def test_a_new_citizen_logs_in_on_the_desktop_with_the_qr_code(login_portal):
    portal = login_portal
    desktop, phone = portal.client, checking_client(portal.app)
    qr_page = desktop.get(_start(portal, desktop, "cross").headers["Location"])
    assert qr_page.status_code == 200
    # The QR code holds the same link as the page's "Wallet öffnen".
    soup = BeautifulSoup(qr_page.get_data(as_text=True), "lxml")
    link = next(
        str(anchor["href"])
        for anchor in soup.find_all("a", href=True)
        if "/entwicklung/wallet?" in str(anchor["href"])
    )
    waiting = desktop.get(f"{portal.url}/auth/wallet/stand")
    assert waiting.status_code == 200
    page = phone.get(link)
    done = portal.answer(page, "share", phone, person="max", credential_format="mso_mdoc")
    assert "Fertig – Sie können zum anderen Gerät zurückkehren" in text(done)
    moved_on = desktop.get(f"{portal.url}/auth/wallet/stand")
    assert moved_on.status_code == 302
    logged_in = desktop.get(moved_on.headers["Location"])
    assert logged_in.status_code == 302
    assert "Max Mustermann" in text(desktop.get(f"{portal.url}/konto"))


def test_the_citizen_refuses_on_the_phone(login_portal):
    portal = login_portal
    page = portal.open_wallet(_start(portal, portal.client, "same").headers["Location"])
    back = portal.answer(page, "refuse")
    assert back.status_code == 303
    failed = portal.client.get(back.headers["Location"])
    assert failed.status_code == 400
    assert "Sie haben die Freigabe abgelehnt" in text(failed)
