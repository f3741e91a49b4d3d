"""What the sandbox platform does: validate PaymentRequests the way the standard describes them,
keep transactions, let the tester decide the outcome, answer status queries, refund."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.sandbox.models import SandboxTransaction

log = get_logger("sandbox")

ID_PATTERN = re.compile(r"^[\w-]{1,36}$")
PURPOSE_PATTERN = re.compile(r"^[\w\s-]{1,27}$")
FINAL = ("PAYED", "CANCELED", "FAILED")
OUTCOMES = ("PAYED", "FAILED", "CANCELED", "INITIAL")
TOKEN_SECONDS = 3600
INITIAL_TIMEOUT = timedelta(minutes=30)
# The standard's payment method values; the city's own labels go into paymentMethodDetail.
METHOD_CODES = {
    "paypal": "PAYPAL",
    "kreditkarte": "CREDITCARD",
    "creditcard": "CREDITCARD",
    "giropay": "GIROPAY",
    "paydirekt": "PAYDIRECT",
}


class Problem(Exception):
    """An error answered as application/problem+json, as the standard's error model says."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def body(self) -> dict[str, Any]:
        return {
            "type": "about:blank",
            "status": self.status,
            "title": {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                404: "Not Found",
                409: "Conflict",
            }.get(self.status, "Error"),
            "detail": self.detail,
            "functionalCode": self.code,
        }


@dataclass(frozen=True)
class Tenant:
    client_id: str
    client_secret: str
    originator_id: str
    endpoint_id: str


def tenant() -> Tenant:
    config = current_app.config
    return Tenant("buergerportal", config["SANDBOX_CLIENT_SECRET"], "buergerportal", "musterstadt")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sandbox-oauth")


def issue_token(client_id: str, client_secret: str) -> str:
    known = tenant()
    if not (
        secrets.compare_digest(client_id, known.client_id)
        and secrets.compare_digest(client_secret, known.client_secret)
    ):
        raise Problem(401, "FORBIDDEN", "unknown client or wrong secret")
    return _serializer().dumps(client_id)


def check_token(authorization: str | None) -> None:
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(401, "FORBIDDEN", "Bearer token required")
    try:
        _serializer().loads(authorization.removeprefix("Bearer "), max_age=TOKEN_SECONDS)
    except (BadSignature, SignatureExpired):
        raise Problem(401, "FORBIDDEN", "token invalid or expired") from None


def check_tenant(originator_id: str, endpoint_id: str) -> None:
    known = tenant()
    if (originator_id, endpoint_id) != (known.originator_id, known.endpoint_id):
        raise Problem(404, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "unknown originatorId/endPointId")


def _amount(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Problem(400, "VALIDATION_ERROR", f"{field} must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Problem(400, "VALIDATION_ERROR", f"{field} is not a number") from None
    if amount != amount.quantize(Decimal("0.01")) or amount < 0 or amount > 999999:
        raise Problem(400, "VALIDATION_ERROR", f"{field} must be 0 to 999999 with two decimals")
    return int(amount * 100)


def validate_request(body: Any) -> int:
    """The gross amount in cents of a valid PaymentRequest; a Problem otherwise."""
    if not isinstance(body, dict):
        raise Problem(400, "VALIDATION_ERROR", "body must be a JSON object")
    if not ID_PATTERN.match(str(body.get("requestId", ""))):
        raise Problem(400, "VALIDATION_ERROR", "requestId missing or malformed")
    if body.get("currency") != "EUR":
        raise Problem(400, "VALIDATION_ERROR", "currency must be EUR")
    gross = _amount(body.get("grosAmount"), "grosAmount")
    if gross <= 0:
        raise Problem(400, "VALIDATION_ERROR", "grosAmount must be positive")
    if "purpose" in body and not PURPOSE_PATTERN.match(str(body["purpose"])):
        raise Problem(400, "VALIDATION_ERROR", "purpose: at most 27 letters, digits, - or space")
    if len(str(body.get("description", ""))) > 250:
        raise Problem(400, "VALIDATION_ERROR", "description longer than 250 characters")
    redirect = str(body.get("redirectUrl", ""))
    if not redirect.startswith(("http://", "https://")) or len(redirect) > 2082:
        raise Problem(400, "VALIDATION_ERROR", "redirectUrl missing or not a URL")
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 99:
        raise Problem(400, "VALIDATION_ERROR", "items: 1 to 99 positions required")
    total = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not ID_PATTERN.match(str(item.get("id", ""))):
            raise Problem(400, "VALIDATION_ERROR", f"items[{index}].id missing or malformed")
        total += _amount(item.get("totalNetAmount"), f"items[{index}].totalNetAmount")
        total += _amount(item.get("totalTaxAmount"), f"items[{index}].totalTaxAmount")
    if total != gross:
        raise Problem(400, "CALCULATION_ERROR", "the items do not add up to grosAmount")
    return gross


def create_transaction(
    originator_id: str, endpoint_id: str, body: dict[str, Any]
) -> SandboxTransaction:
    gross = validate_request(body)
    transaction = SandboxTransaction(
        transaction_id="SBX-" + secrets.token_hex(12),
        originator_id=originator_id,
        endpoint_id=endpoint_id,
        request_id=str(body["requestId"]),
        request_json=json.dumps(body, default=str),
        amount_cents=gross,
    )
    try:
        with db.transaction() as session:
            session.add(transaction)
    except IntegrityError:
        raise Problem(
            409, "PAYMENT_EXISTS", "a PaymentRequest with this requestId exists"
        ) from None
    log.info(
        "sandbox transaction created",
        extra={"transaction_id": transaction.transaction_id, "amount_cents": gross},
    )
    return transaction


def get_transaction(transaction_id: str) -> SandboxTransaction | None:
    transaction = db.session.get(SandboxTransaction, transaction_id)
    if (
        transaction is not None
        and transaction.status == "INITIAL"
        and transaction.created_at.replace(tzinfo=None)
        < (utcnow() - INITIAL_TIMEOUT).replace(tzinfo=None)
    ):
        # The standard: a platform sets FAILED after its timeout.
        with db.transaction():
            transaction.status = "FAILED"
            transaction.finished_at = utcnow()
    return transaction


def find_transaction(
    originator_id: str, endpoint_id: str, transaction_id: str
) -> SandboxTransaction:
    check_tenant(originator_id, endpoint_id)
    transaction = get_transaction(transaction_id)
    if transaction is None or transaction.originator_id != originator_id:
        raise Problem(404, "UNSPECIFIED", "unknown transactionId")
    return transaction


def as_payment_transaction(transaction: SandboxTransaction) -> dict[str, Any]:
    request = json.loads(transaction.request_json, parse_float=Decimal)
    information: dict[str, Any] = {
        "transactionUrl": url_for(
            "sandbox_api.transaction",
            originator_id=transaction.originator_id,
            endpoint_id=transaction.endpoint_id,
            transaction_id=transaction.transaction_id,
            _external=True,
        ),
        "transactionId": transaction.transaction_id,
        "transactionReference": transaction.transaction_id
        if transaction.status == "PAYED"
        else None,
        "transactionTimestamp": transaction.finished_at.isoformat()
        if transaction.finished_at and transaction.status == "PAYED"
        else None,
        "paymentMethod": transaction.payment_method,
        "paymentMethodDetail": transaction.payment_method_detail,
        "status": transaction.status,
        "statusDetail": None,
    }
    if transaction.status == "INITIAL":
        information["transactionRedirectUrl"] = url_for(
            "sandbox_page.paypage", transaction_id=transaction.transaction_id, _external=True
        )
    return {"paymentRequest": request, "paymentInformation": information}


def redirect_url(transaction: SandboxTransaction) -> str:
    return str(json.loads(transaction.request_json)["redirectUrl"])


def decide(transaction: SandboxTransaction, outcome: str, method: str | None) -> bool:
    """The tester's choice on the payment page; True if the transaction changed."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    if transaction.status in FINAL or outcome == "INITIAL":
        return False
    with db.transaction():
        transaction.status = outcome
        transaction.finished_at = utcnow()
        if outcome == "PAYED" and method:
            transaction.payment_method = METHOD_CODES.get(method.lower(), "OTHER")
            transaction.payment_method_detail = method[:40]
    log.info(
        "sandbox outcome", extra={"transaction_id": transaction.transaction_id, "status": outcome}
    )
    return True


def refund(transaction: SandboxTransaction, body: Any) -> str:
    """Sandbox extension (the standard has no refunds)."""
    if transaction.status != "PAYED":
        raise Problem(409, "VALIDATION_ERROR", "only paid transactions can be refunded")
    amount = _amount((body or {}).get("amount"), "amount")
    if amount <= 0 or transaction.refunded_cents + amount > transaction.amount_cents:
        raise Problem(400, "VALIDATION_ERROR", "refund larger than what is left of the payment")
    with db.transaction():
        transaction.refunded_cents += amount
    return f"{transaction.transaction_id}-R{transaction.refunded_cents}"
