"""The development wallet's page, ``/entwicklung/wallet``: where the wallet login's link and QR
code lead outside production (``WALLET_AUTHORIZATION_ENDPOINT``), with ``client_id`` and
``request_uri`` as a real wallet gets them.

GET fetches and checks the request and asks the developer, playing the citizen, which test
person's PID to share in which format; POST answers the portal: the PID, or a refusal. Then the
browser follows the portal's redirect (same device) or is told to go back to the other device.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request
from flask.typing import ResponseReturnValue

from server.auth.dev_idp.persons import TEST_PERSONS, find_person
from server.auth.dev_wallet import PATH, pki, trusted_verifier
from server.auth.dev_wallet import answer as answers
from server.auth.dev_wallet.authorization_request import (
    AuthorizationRequest,
    RequestRefused,
    fetch,
    read,
)
from server.auth.dev_wallet.forms import ConsentForm
from server.auth.dev_wallet.labels import claim_labels
from server.logs import get_logger
from server.rendering import render_page

log = get_logger("auth")

bp = Blueprint("dev_wallet", __name__)


def _base_url() -> str:
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/")


def _refused(detail: str) -> ResponseReturnValue:
    log.warning("development wallet: request not answered", extra={"detail": detail})
    return render_page("views/dev_wallet/refused.html", detail=detail), 400


def _read(token: str) -> AuthorizationRequest:
    client_id = request.args.get("client_id", "")
    return read(token, client_id, trusted_verifier(current_app), _base_url())


def _render_consent(
    form: ConsentForm, wallet_request: AuthorizationRequest, status: int = 200
) -> ResponseReturnValue:
    return render_page(
        "views/dev_wallet/consent.html",
        form=form,
        wallet_request=wallet_request,
        claims=claim_labels(path for query in wallet_request.queries for path in query.paths),
        persons=TEST_PERSONS,
    ), status


def _outcome(delivered: answers.Delivered, *, shared: bool) -> ResponseReturnValue:
    if delivered.redirect_uri:  # same device: back to the portal's page that waits
        return redirect(delivered.redirect_uri, 303)
    return render_page(
        "views/dev_wallet/outcome.html",
        shared=shared,
        accepted=delivered.accepted,
        status=delivered.status,
    ), 200 if delivered.accepted else 502


@bp.route(PATH, methods=["GET", "POST"])
def wallet() -> ResponseReturnValue:
    if not request.args.get("request_uri"):
        return render_page("views/dev_wallet/index.html", persons=TEST_PERSONS)
    form = ConsentForm()
    try:
        if request.method == "GET":
            token = fetch(request.args["request_uri"], _base_url())
            form.request_object.data = token
        wallet_request = _read(form.request_object.data or "")
    except RequestRefused as error:
        return _refused(error.detail)
    form.offer_formats(
        [query.format for query in wallet_request.queries], preselect=request.method == "GET"
    )
    if request.method == "GET":
        return _render_consent(form, wallet_request)
    try:
        if request.form.get("action") == "refuse":
            log.info("development wallet: the person refuses")
            return _outcome(answers.refuse(wallet_request, _base_url()), shared=False)
        if not form.validate():
            return _render_consent(form, wallet_request, 422)
        person = find_person(form.person.data)
        query = wallet_request.query(str(form.credential_format.data))
        # Both were among the form's choices.
        assert person is not None
        assert query is not None
        log.info(
            "development wallet: shares a PID",
            extra={"person": person.key, "format": query.format},
        )
        delivered = answers.share(
            wallet_request, query, person, pki(current_app).issuer(), _base_url()
        )
    except answers.AnswerNotDelivered as error:
        return _refused(f"response_uri not reachable ({error})")
    return _outcome(delivered, shared=True)
