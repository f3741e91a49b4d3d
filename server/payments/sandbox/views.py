"""The sandbox platform's HTTP side: the XBezahldienste API and the hosted payment page."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from server.extensions import csrf
from server.formatting import euro
from server.payments.sandbox import platform
from server.payments.sandbox.models import SandboxTransaction
from server.payments.sandbox.notifier import Notifier
from server.rendering import render_page

api = Blueprint("sandbox_api", __name__, url_prefix="/sandbox-zahlung")
page = Blueprint("sandbox_page", __name__, url_prefix="/sandbox-zahlung")
csrf.exempt(api)


@api.errorhandler(platform.Problem)
def problem(error: platform.Problem) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    response.mimetype = "application/problem+json"
    return response


@api.route("/oauth/token", methods=["POST"])
def token() -> ResponseReturnValue:
    if request.form.get("grant_type") != "client_credentials":
        raise platform.Problem(400, "VALIDATION_ERROR", "grant_type must be client_credentials")
    basic = request.authorization
    client_id = request.form.get("client_id") or (basic.username if basic else None)
    secret = request.form.get("client_secret") or (basic.password if basic else None)
    access_token = platform.issue_token(str(client_id or ""), str(secret or ""))
    answer = {"access_token": access_token, "token_type": "Bearer"}
    return jsonify({**answer, "expires_in": platform.TOKEN_SECONDS})


def _json_body() -> object:
    try:
        return json.loads(request.get_data(as_text=True), parse_float=Decimal)
    except ValueError:
        raise platform.Problem(400, "VALIDATION_ERROR", "body is not JSON") from None


def _transaction_response(transaction: SandboxTransaction) -> Response:
    from server.payments.providers.xbezahldienste import dumps

    return Response(
        dumps(platform.as_payment_transaction(transaction)), mimetype="application/json"
    )


@api.route("/api/paymenttransaction/<originator_id>/<endpoint_id>", methods=["POST"])
def create(originator_id: str, endpoint_id: str) -> ResponseReturnValue:
    platform.check_token(request.headers.get("Authorization"))
    platform.check_tenant(originator_id, endpoint_id)
    body = _json_body()
    platform.validate_request(body)
    assert isinstance(body, dict)
    return _transaction_response(platform.create_transaction(originator_id, endpoint_id, body))


@api.route("/api/paymenttransaction/<originator_id>/<endpoint_id>/<transaction_id>")
def transaction(originator_id: str, endpoint_id: str, transaction_id: str) -> ResponseReturnValue:
    platform.check_token(request.headers.get("Authorization"))
    return _transaction_response(
        platform.find_transaction(originator_id, endpoint_id, transaction_id)
    )


@api.route(
    "/api/paymenttransaction/<originator_id>/<endpoint_id>/<transaction_id>/refund",
    methods=["POST"],
)
def refund(originator_id: str, endpoint_id: str, transaction_id: str) -> ResponseReturnValue:
    platform.check_token(request.headers.get("Authorization"))
    found = platform.find_transaction(originator_id, endpoint_id, transaction_id)
    return jsonify(refundId=platform.refund(found, _json_body()))


@api.route("/api/status/<originator_id>/<endpoint_id>")
def tenant_status(originator_id: str, endpoint_id: str) -> ResponseReturnValue:
    platform.check_token(request.headers.get("Authorization"))
    platform.check_tenant(originator_id, endpoint_id)
    return jsonify(status="OK")


def notifier() -> Notifier:
    found = current_app.extensions["sandbox_notifier"]
    assert isinstance(found, Notifier)
    return found


@page.route("/bezahlen/<transaction_id>", methods=["GET", "POST"])
def paypage(transaction_id: str) -> ResponseReturnValue:
    found = platform.get_transaction(transaction_id)
    if found is None:
        abort(404)
    if request.method == "POST":
        outcome = request.form.get("outcome", "")
        method = request.form.get("method") or None
        methods = current_app.config["PAYMENT_METHODS"]
        if outcome not in platform.OUTCOMES or (outcome == "PAYED" and method not in methods):
            return render_page(
                "views/sandbox/paypage.html",
                transaction=found,
                amount=euro(found.amount_cents),
                methods=methods,
                error=True,
            ), 422
        if platform.decide(found, outcome, method):
            notifier().announce(found.transaction_id, outcome)
        return redirect(platform.redirect_url(found))
    return render_page(
        "views/sandbox/paypage.html",
        transaction=found,
        amount=euro(found.amount_cents),
        methods=current_app.config["PAYMENT_METHODS"],
        error=False,
    )
