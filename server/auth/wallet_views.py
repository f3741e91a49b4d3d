"""Logging in with the EUDI wallet (OpenID4VP 1.0): the citizen's pages and the two addresses
the wallet talks to. The protocol's steps are ``server.auth.wallet.transactions``; here they are
given to the browser (session, pages, polling) and to the wallet (request object, response).

- ``/auth/wallet``: the choice, this phone's wallet (same device) or a QR code for another
  device (cross device); on a phone the first is offered first.
- ``POST /auth/wallet/start``: a transaction for this browser; same device: off to the wallet;
  cross device: the QR code page, which asks ``/auth/wallet/stand`` every two seconds (htmx)
  and moves on by itself when the wallet has answered (without JavaScript: a button).
- ``/auth/wallet/anfrage/<request_id>``: the signed request object, for the wallet, once.
- ``POST /auth/wallet/antwort``: the wallet's answer (no CSRF token: the wallet is no form of
  ours; the transaction's state and the encryption to its own key tie the answer to it).
- ``/auth/wallet/fertig``: the browser takes the verified person and is logged in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import segno
from flask import Blueprint, Response, abort, jsonify, request, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import Headers

from server import ratelimits
from server.auth.citizens import WalletLinkRefused, citizen_from_wallet
from server.auth.session import current_citizen, start_citizen_session
from server.auth.wallet import request_object as jar
from server.auth.wallet import transactions
from server.auth.wallet.errors import TransactionUnavailable, VerificationFailed
from server.auth.wallet.labels import failure_label
from server.auth.wallet.models import Flow
from server.auth.wallet.setup import enabled, verifier_settings
from server.extensions import csrf, db
from server.logs import get_logger
from server.rendering import redirect_page, render_page
from server.security import safe_redirect_target
from server.urls import public_url

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

bp = Blueprint("wallet", __name__)
log = get_logger("auth")

# The browser's side of its transaction: the secret, where the login goes on, and (cross
# device) the link the QR code shows.
BROWSER_TRANSACTION = "wallet_transaction"
NEXT = "wallet_next"
LINK = "wallet_link"
POLL_SECONDS = 2


def _wallet_limit() -> str:
    from flask import current_app

    return str(current_app.config["WALLET_RATE_LIMIT"])


def _needs_wallet() -> None:
    if not enabled():
        abort(404)


def _on_a_phone() -> bool:
    hint = request.headers.get("Sec-CH-UA-Mobile")
    if hint is not None:
        return hint == "?1"
    return "Mobi" in request.headers.get("User-Agent", "")


@bp.route("/auth/wallet")
def choose() -> ResponseReturnValue:
    _needs_wallet()
    target = safe_redirect_target(request.args.get("next"))
    return render_page(
        "views/auth/wallet_choose.html", phone_first=_on_a_phone(), next=target or ""
    )


@bp.route("/auth/wallet/start", methods=["POST"])
@ratelimits.limit(ratelimits.OTHER, _wallet_limit)
def start() -> ResponseReturnValue:
    _needs_wallet()
    flow = Flow.SAME_DEVICE if request.form.get("flow") == "same" else Flow.CROSS_DEVICE
    settings = verifier_settings()
    with db.transaction():
        started = transactions.start(
            settings,
            flow=flow,
            response_uri=public_url("wallet.response"),
            request_uri=lambda request_id: public_url(
                "wallet.request_object", request_id=request_id
            ),
        )
    session[BROWSER_TRANSACTION] = started.secret
    session[NEXT] = safe_redirect_target(request.form.get("next")) or url_for("auth.account")
    if flow is Flow.SAME_DEVICE:
        session.pop(LINK, None)
        return _to_wallet(started.wallet_url)
    session[LINK] = started.wallet_url
    return redirect_page(url_for("wallet.scan"))


class _WalletRedirect(Response):
    """A redirect to the wallet's link as it is: Werkzeug would send ``openid4vp://?...`` as
    ``openid4vp:?...`` (it drops the empty authority), which not every wallet app registers."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        headers["Location"] = self.wallet_url
        return headers

    wallet_url = ""


def _to_wallet(link: str) -> ResponseReturnValue:
    if request.headers.get("HX-Request"):
        return redirect_page(link)
    response = _WalletRedirect(status=302)
    response.wallet_url = link
    response.headers["Location"] = link
    return response


def _qr_svg(link: str) -> Markup:
    svg = segno.make(link, error="M", micro=False).svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        title=str(_scan_title()),
        omitsize=True,
        svgclass="wallet-qr",
        lineclass=None,
    )
    return Markup(  # noqa: S704  # nosec B704  # segno's own SVG of our link
        svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)
    )


def _scan_title() -> str:
    from flask_babel import gettext

    return gettext("QR-Code für die EUDI-Wallet")


@bp.route("/auth/wallet/qr")
def scan() -> ResponseReturnValue:
    _needs_wallet()
    link = session.get(LINK)
    if not isinstance(link, str) or not session.get(BROWSER_TRANSACTION):
        return redirect_page(url_for("wallet.choose"))
    return render_page(
        "views/auth/wallet_scan.html", qr=_qr_svg(link), link=link, poll_seconds=POLL_SECONDS
    )


@bp.route("/auth/wallet/stand")
def status() -> ResponseReturnValue:
    """For the QR code page's polling: waiting (ask again), or go on to ``fertig``."""
    _needs_wallet()
    secret = session.get(BROWSER_TRANSACTION)
    progress = transactions.progress(secret if isinstance(secret, str) else "")
    if progress.waiting:
        return render_page("partials/auth/wallet_waiting.html", poll_seconds=POLL_SECONDS)
    return redirect_page(url_for("wallet.finish"))


@bp.route("/auth/wallet/anfrage/<request_id>")
@ratelimits.limit(ratelimits.OTHER, _wallet_limit)
def request_object(request_id: str) -> ResponseReturnValue:
    _needs_wallet()
    try:
        with db.transaction():
            signed = transactions.request_object(verifier_settings(), request_id)
    except TransactionUnavailable:
        abort(404)
    return Response(signed, mimetype=jar.CONTENT_TYPE)


@bp.route("/auth/wallet/antwort", methods=["POST"])
@csrf.exempt
@ratelimits.limit(ratelimits.OTHER, _wallet_limit)
def response() -> ResponseReturnValue:
    _needs_wallet()
    try:
        with db.transaction():
            received = transactions.receive_response(verifier_settings(), request.form)
    except TransactionUnavailable:
        return jsonify(error="invalid_request"), 400
    if received.response_code is None:
        return jsonify({})
    return jsonify(redirect_uri=public_url("wallet.finish", response_code=received.response_code))


@bp.route("/auth/wallet/fertig")
def finish() -> ResponseReturnValue:
    _needs_wallet()
    secret = session.get(BROWSER_TRANSACTION)
    if not isinstance(secret, str):
        return _failed("not_available", 400)
    code = request.args.get("response_code")
    try:
        with db.transaction():
            person = transactions.finish(secret, code)
    except VerificationFailed as failure:
        session.pop(BROWSER_TRANSACTION, None)
        return _failed(failure.reason, 400)
    except TransactionUnavailable as unavailable:
        if transactions.progress(secret).waiting:
            # The button of the QR code page, pressed before the wallet answered.
            return redirect_page(url_for("wallet.scan"))
        return _failed(unavailable.reason, 400)
    session.pop(BROWSER_TRANSACTION, None)
    session.pop(LINK, None)
    target = session.pop(NEXT, None)
    try:
        citizen = citizen_from_wallet(person, logged_in=current_citizen())
    except WalletLinkRefused as refusal:
        log.warning("wallet not linked", extra={"reason": refusal.reason})
        return render_page("views/auth/wallet_link_refused.html", reason=refusal.reason), 409
    start_citizen_session(citizen, id_token=None, method="wallet")
    return redirect_page(safe_redirect_target(target) or url_for("auth.account"))


def _failed(reason: str, status: int) -> ResponseReturnValue:
    log.info("wallet login not finished", extra={"reason": reason})
    return render_page("views/auth/wallet_failed.html", message=failure_label(reason)), status
