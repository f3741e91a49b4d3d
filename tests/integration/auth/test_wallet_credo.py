"""The wallet verifier against a wallet we did not write: Credo 0.6.3's holder, with PIDs from
Credo's issuer (``tests/peers/wallet``), over real HTTP.

The portal's login views are not part of this test: a small blueprint here serves the request
URI and the response URI with the verifier's domain functions, as the views will.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from flask import Blueprint, Flask, jsonify, request
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from server.auth.wallet import transactions
from server.auth.wallet.errors import Reason, TransactionUnavailable
from server.auth.wallet.models import Flow, ResponseMode, TransactionStatus
from server.auth.wallet.request_object import CONTENT_TYPE
from server.auth.wallet.setup import init_wallet, verifier_settings
from server.extensions import csrf, db
from tests.conftest import LiveServer, empty_all_tables, free_port, make_test_app
from tests.peers.wallet.fixtures import MDOC, PID_PERSONS, SD_JWT, WalletPeer, WalletPeerError
from tests.wallet_pid import VerifierPki

# Credo's wallet end to end, once on production's database: the transactions' storage is
# tested on both (test_wallet_transactions.py).
ONLY_ON = ("postgresql",)


def _blueprint() -> Blueprint:
    bp = Blueprint("wallet_test_endpoints", __name__)

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
        if not received.verified and received.response_code is None:
            return jsonify(error="invalid_request"), 400
        body = {}
        if received.response_code:
            body["redirect_uri"] = "http://localhost/fertig?" + urlencode(
                {"response_code": received.response_code}
            )
        return jsonify(body), 200

    csrf.exempt(response)
    return bp


@dataclass
class Portal:
    app: Flask
    url: str
    pki: VerifierPki

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

    def progress(self, secret: str) -> transactions.Progress:
        with self.app.app_context():
            return transactions.progress(secret)

    def finish(self, secret: str, code: str | None = None) -> Any:
        with self.app.app_context(), db.transaction():
            return transactions.finish(secret, code)

    def post_answer(self, form_body: str) -> requests.Response:
        return requests.post(
            f"{self.url}/test-wallet/antwort",
            data=form_body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=30,
        )


@pytest.fixture(scope="module", params=["x509_san_dns", "x509_hash"])
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def portal(backend: str, wallet_peer: WalletPeer, prefix: str) -> Iterator[Portal]:
    pki = VerifierPki(host="localhost")
    port = free_port()
    url = f"http://localhost:{port}"
    app = make_test_app(
        backend,
        PORTAL_BASE_URL=url,
        WALLET_VERIFIER_CERTIFICATES=pki.chain_pem,
        WALLET_VERIFIER_KEY=pki.key_pem,
        WALLET_TRUSTED_ISSUERS=wallet_peer.trust_anchor_pem,
        WALLET_CLIENT_ID_PREFIX=prefix,
    )
    app.register_blueprint(_blueprint())
    init_wallet(app)
    live = LiveServer(app=app, url=url, server=make_server("127.0.0.1", port, app, threaded=True))
    live.start()
    try:
        yield Portal(app, url, pki)
    finally:
        live.stop()
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


def _present(wallet: WalletPeer, portal: Portal, url: str, **options: Any) -> dict[str, Any]:
    # The wallet trusts the portal's verifier certificate by its CA, as a real wallet would
    # trust the access certificate's issuer.
    return wallet.present(url, trusted_certificates=[portal.pki.chain_pem], **options)


@pytest.mark.parametrize("pid_format", [SD_JWT, MDOC])
@pytest.mark.parametrize("mode", [ResponseMode.DIRECT_POST_JWT, ResponseMode.DIRECT_POST])
def test_credo_logs_in(portal, wallet_peer, prefix, pid_format, mode):
    wallet_peer.issue(pid_format, PID_PERSONS["erika"])
    started = portal.start(Flow.CROSS_DEVICE, mode)
    answer = _present(wallet_peer, portal, started.wallet_url)
    assert answer["status"] == 200, answer
    assert answer["verifier"]["client_id"].startswith(f"{prefix}:")
    assert answer["verifier"]["response_mode"] == mode.value
    assert portal.progress(started.secret).status is TransactionStatus.VERIFIED
    person = portal.finish(started.secret)
    assert (person.given_name, person.family_name) == ("Erika", "Mustermann")
    assert person.birthdate.isoformat() == "1964-08-12"
    assert (person.street, person.postal_code, person.locality) == (
        "Heidestraße 17",
        "51147",
        "Köln",
    )
    assert person.credential_format == pid_format
    assert person.issuing_country == "DE"
    assert person.trust_level == "high"


def test_the_generic_pid_type_same_device(portal, wallet_peer):
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"], vct="urn:eudi:pid:1")
    started = portal.start(Flow.SAME_DEVICE)
    answer = _present(wallet_peer, portal, started.wallet_url)
    assert answer["status"] == 200, answer
    code = dict(parse_qsl(answer["redirect_uri"].split("?", 1)[1]))["response_code"]
    with pytest.raises(TransactionUnavailable):
        portal.finish(started.secret)  # without the redirect's code: not this browser
    assert portal.finish(started.secret, code).credential_type == "urn:eudi:pid:1"


@pytest.mark.parametrize("pid_format", [SD_JWT, MDOC])
def test_untrusted_issuer(portal, wallet_peer, pid_format):
    wallet_peer.issue(pid_format, PID_PERSONS["erika"], untrusted=True)
    started = portal.start()
    assert _present(wallet_peer, portal, started.wallet_url)["status"] == 400
    assert portal.progress(started.secret).failure == Reason.UNTRUSTED_ISSUER


@pytest.mark.parametrize("pid_format", [SD_JWT, MDOC])
def test_expired_credential(portal, wallet_peer, pid_format):
    wallet_peer.issue(pid_format, PID_PERSONS["erika"], expired=True)
    started = portal.start()
    assert _present(wallet_peer, portal, started.wallet_url)["status"] == 400
    assert portal.progress(started.secret).failure == Reason.EXPIRED


def test_the_citizen_says_no(portal, wallet_peer):
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    started = portal.start(Flow.SAME_DEVICE)
    answer = _present(wallet_peer, portal, started.wallet_url, refuse=True)
    assert answer["status"] == 200  # the wallet is sent back; the login failed
    assert portal.progress(started.secret).failure == "wallet:access_denied"


def test_a_wallet_that_does_not_trust_the_verifier(portal, wallet_peer):
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    started = portal.start()
    stranger = VerifierPki(host="localhost")
    with pytest.raises(WalletPeerError) as refused:
        wallet_peer.present(started.wallet_url, trusted_certificates=[stranger.chain_pem])
    assert refused.value.status == 422
    # The request object is handed out once: a second wallet cannot fetch it again.
    assert portal.progress(started.secret).status is TransactionStatus.REQUESTED
    with pytest.raises(WalletPeerError):
        _present(wallet_peer, portal, started.wallet_url)


@pytest.mark.parametrize("mode", [ResponseMode.DIRECT_POST_JWT, ResponseMode.DIRECT_POST])
def test_replayed_answer(portal, wallet_peer, mode):
    wallet_peer.issue(MDOC, PID_PERSONS["erika"])
    started = portal.start(Flow.CROSS_DEVICE, mode)
    answer = _present(wallet_peer, portal, started.wallet_url, submit=False)
    assert portal.post_answer(answer["form_body"]).status_code == 200
    assert portal.post_answer(answer["form_body"]).status_code == 400
    assert portal.finish(started.secret).given_name == "Erika"


def test_an_answer_for_another_transaction(portal, wallet_peer):
    """Credo's answer to one login, posted under the state of another: bound to the first
    login's nonce, it logs nobody in there."""
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    first = portal.start(Flow.CROSS_DEVICE, ResponseMode.DIRECT_POST)
    second = portal.start(Flow.CROSS_DEVICE, ResponseMode.DIRECT_POST)
    answer = _present(wallet_peer, portal, first.wallet_url, submit=False)
    other = _present(wallet_peer, portal, second.wallet_url, submit=False)
    form = dict(parse_qsl(answer["form_body"]))
    form["state"] = dict(parse_qsl(other["form_body"]))["state"]
    assert portal.post_answer(urlencode(form)).status_code == 400
    assert portal.progress(second.secret).failure == Reason.NONCE
    assert portal.progress(first.secret).waiting


def test_a_tampered_presentation(portal, wallet_peer):
    wallet_peer.issue(SD_JWT, PID_PERSONS["erika"])
    started = portal.start(Flow.CROSS_DEVICE, ResponseMode.DIRECT_POST)
    answer = _present(wallet_peer, portal, started.wallet_url, submit=False)
    form = dict(parse_qsl(answer["form_body"]))
    vp_token = json.loads(form["vp_token"])
    (query_id,) = vp_token
    issuer_jwt, *rest = vp_token[query_id][0].split("~")
    header, payload, signature = issuer_jwt.split(".")
    vp_token[query_id][0] = "~".join([f"{header}.{payload}.{signature[::-1]}", *rest])
    form["vp_token"] = json.dumps(vp_token)
    assert portal.post_answer(urlencode(form)).status_code == 400
    assert portal.progress(started.secret).failure == Reason.SIGNATURE
