"""Client of XBezahldienste, the OZG standard interface of public payment platforms.

XBezahldienste API v1.0.0 (FITKO, official standard since November 2023; notes and sources in
``docs/xbezahldienste.md``): the portal POSTs a PaymentRequest to
``{base}paymenttransaction/{originatorId}/{endPointId}``, sends the citizen to the returned
``transactionRedirectUrl``, and asks ``GET .../{transactionId}`` for the outcome. Statuses:
INITIAL (open), PAYED, CANCELED, FAILED (final; the spellings are the standard's).

Where the standard is silent, this client assumes (see the notes for the reasons):
- authentication is OAuth2 client credentials (default) or HTTP Basic, chosen per platform;
- amounts are JSON numbers in euros with two decimals;
- the status URL is built from the ids, never taken from the response (no credentials to a URL
  a response names);
- asynchronous notifications are not part of the standard. Platforms that send them (our
  sandbox does) sign them with HMAC-SHA256; a notification only says *which* transaction
  changed, and the client asks the platform for its status, so forged, stale, duplicated or
  reordered notifications cannot change a payment;
- refunds are not part of the standard: ``refund`` works only with platforms that offer the
  sandbox's extension endpoint; otherwise the cash office refunds by SEPA credit transfer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from server.payments.models import PaymentState
from server.payments.providers.base import (
    NotificationRejected,
    PaymentProvider,
    PaymentRequest,
    ProviderError,
    ProviderStatus,
    StartedPayment,
)

STATES = {
    "INITIAL": PaymentState.PENDING,
    "PAYED": PaymentState.PAID,
    "CANCELED": PaymentState.CANCELLED,
    "FAILED": PaymentState.FAILED,
}
SIGNATURE_HEADER = "X-Signature"
NOTIFICATION_MAX_AGE_SECONDS = 300
_PURPOSE_CHARACTERS = re.compile(r"[^\w\s-]")


@dataclass(frozen=True)
class XBezahldiensteSettings:
    name: str
    base_url: str  # ends with "/"; the paths of the standard are appended
    originator_id: str
    endpoint_id: str
    client_id: str
    client_secret: str
    auth: str = "oauth2"  # or "basic"
    token_url: str | None = None
    notify_secret: str | None = None  # platforms that sign notifications
    refund_extension: bool = False
    timeout_seconds: float = 10.0


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def cents(euros_value: Decimal | int | float | str) -> int:
    value = Decimal(str(euros_value))
    if value != value.quantize(Decimal("0.01")):
        raise ProviderError(f"amount with more than two decimals: {euros_value}")
    return int(value * 100)


def dumps(payload: Any) -> str:
    """JSON with Decimal written as a number ("25.00"), as the standard wants amounts."""
    marked: dict[str, str] = {}

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            key = f"__decimal_{len(marked)}__"
            marked[key] = format(value, "f")
            return key
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(payload), ensure_ascii=False)
    for key, number in marked.items():
        text = text.replace(f'"{key}"', number)
    return text


def sign_notification(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def check_signature(secret: str, header: str | None, body: bytes, now: float) -> None:
    if not header:
        raise NotificationRejected("missing signature")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise NotificationRejected("malformed signature") from None
    if abs(now - timestamp) > NOTIFICATION_MAX_AGE_SECONDS:
        raise NotificationRejected("stale notification")
    expected = sign_notification(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise NotificationRejected("bad signature")


def payment_request_body(request: PaymentRequest) -> dict[str, Any]:
    purpose = _PURPOSE_CHARACTERS.sub(" ", f"KZ {request.kassenzeichen}")[:27].strip()
    items = [
        {
            "id": f"pos-{index}",
            "reference": _PURPOSE_CHARACTERS.sub("-", item.reference)[:36],
            "description": item.description[:250],
            "taxRate": 0,
            "quantity": item.quantity,
            "singleNetAmount": euros(item.amount_cents // item.quantity),
            "singleTaxAmount": euros(0),
            "totalNetAmount": euros(item.amount_cents),
            "totalTaxAmount": euros(0),
            "bookingData": {"kassenzeichen": request.kassenzeichen},
        }
        for index, item in enumerate(request.items, start=1)
    ]
    return {
        "requestId": request.request_id,
        "requestTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "currency": request.currency,
        "grosAmount": euros(request.amount_cents),
        "purpose": purpose,
        "description": request.purpose[:250],
        "redirectUrl": request.return_url,
        "items": items,
    }


class XBezahldiensteProvider(PaymentProvider):
    def __init__(
        self, settings: XBezahldiensteSettings, session: requests.Session | None = None
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.http = session or requests.Session()
        self._token: tuple[str, float] | None = None

    # -- transport -------------------------------------------------------------------------

    def _url(self, *parts: str) -> str:
        return self.settings.base_url + "/".join(parts)

    def _auth_headers(self) -> dict[str, str]:
        settings = self.settings
        if settings.auth == "basic":
            import base64

            pair = f"{settings.client_id}:{settings.client_secret}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if self._token is None or self._token[1] < time.monotonic() + 30:
            try:
                response = self.http.post(
                    settings.token_url or self._url("oauth", "token"),
                    data={
                        "grant_type": "client_credentials",
                        "client_id": settings.client_id,
                        "client_secret": settings.client_secret,
                    },
                    timeout=settings.timeout_seconds,
                )
            except requests.RequestException as error:
                raise ProviderError(f"token endpoint unreachable: {error}") from error
            if response.status_code != 200:
                raise ProviderError(f"token refused: HTTP {response.status_code}")
            token = response.json()
            self._token = (
                token["access_token"],
                time.monotonic() + float(token.get("expires_in", 300)),
            )
        return {"Authorization": f"Bearer {self._token[0]}"}

    def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Accept": "application/json", **self._auth_headers()}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = dumps(body).encode()
        try:
            response = self.http.request(
                method, url, data=data, headers=headers, timeout=self.settings.timeout_seconds
            )
        except requests.RequestException as error:
            raise ProviderError(f"{self.name} unreachable: {error}") from error
        if response.status_code != 200:
            problem = ""
            if "json" in response.headers.get("Content-Type", ""):
                details = response.json()
                problem = f" {details.get('functionalCode')}: {details.get('detail')}"
            raise ProviderError(f"{self.name} answered HTTP {response.status_code}{problem}")
        result: dict[str, Any] = json.loads(response.text, parse_float=Decimal)
        return result

    def _transaction_url(self, transaction_id: str) -> str:
        settings = self.settings
        return self._url(
            "paymenttransaction", settings.originator_id, settings.endpoint_id, transaction_id
        )

    # -- the interface -----------------------------------------------------------------------

    def start_payment(self, request: PaymentRequest) -> StartedPayment:
        settings = self.settings
        transaction = self._call(
            "POST",
            self._url("paymenttransaction", settings.originator_id, settings.endpoint_id),
            payment_request_body(request),
        )
        information = transaction.get("paymentInformation") or {}
        transaction_id = information.get("transactionId")
        redirect = information.get("transactionRedirectUrl")
        if not transaction_id or not redirect:
            raise ProviderError(f"{self.name} returned no transactionId or redirect URL")
        return StartedPayment(provider_payment_id=str(transaction_id), redirect_url=str(redirect))

    def query_status(self, provider_payment_id: str) -> ProviderStatus:
        transaction = self._call("GET", self._transaction_url(provider_payment_id))
        information = transaction.get("paymentInformation") or {}
        status = information.get("status")
        if status not in STATES:
            raise ProviderError(f"{self.name} reported unknown status {status!r}")
        request = transaction.get("paymentRequest") or {}
        amount = request.get("grosAmount")
        return ProviderStatus(
            provider_payment_id=provider_payment_id,
            state=STATES[status],
            amount_cents=cents(amount) if amount is not None else None,
            method=information.get("paymentMethodDetail") or information.get("paymentMethod"),
            request_id=request.get("requestId"),
            currency=request.get("currency"),
        )

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> str:
        if not self.settings.notify_secret:
            raise NotificationRejected(f"{self.name} is not configured to send notifications")
        check_signature(
            self.settings.notify_secret, headers.get(SIGNATURE_HEADER), body, time.time()
        )
        try:
            return str(json.loads(body)["transactionId"])
        except (ValueError, KeyError, TypeError):
            raise NotificationRejected("notification without transactionId") from None

    def refund(self, provider_payment_id: str, amount_cents: int, reason: str) -> str:
        if not self.settings.refund_extension:
            raise ProviderError("XBezahldienste defines no refunds; refund by credit transfer")
        result = self._call(
            "POST",
            self._transaction_url(provider_payment_id) + "/refund",
            {"amount": euros(amount_cents), "reason": reason[:140]},
        )
        return str(result["refundId"])
