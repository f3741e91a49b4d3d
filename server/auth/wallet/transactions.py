"""The life of a wallet login, one function per step; each is one unit of work for the view
that calls it (inside ``db.transaction()``), and each moves the transaction on with one
conditional update, so that a step cannot be taken twice, also not by two requests at once:

1. ``start``: the browser gets a secret for its session and the link (or QR code) that opens
   the wallet with the client id and the request URI.
2. ``request_object``: the wallet fetches the signed request; once only.
3. ``receive_response``: the wallet posts its answer to the response URI; it is checked and
   the transaction is verified or failed for good, once only. Failures are results, not
   exceptions, so that the caller's unit of work commits them.
4. ``progress``: the starting browser asks (polling) whether the wallet has answered.
5. ``finish``: the starting browser takes the verified person, once only; in the same-device
   flow only with the response code the wallet's redirect brought (against session fixation,
   OpenID4VP 1.0 §14.2).

``purge`` deletes expired transactions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, or_, select, update

from server.auth.wallet import encryption
from server.auth.wallet import request_object as jar
from server.auth.wallet.context import PresentationContext
from server.auth.wallet.errors import (
    Reason,
    TransactionUnavailable,
    VerificationFailed,
    WalletError,
)
from server.auth.wallet.models import Flow, ResponseMode, TransactionStatus, WalletTransaction
from server.auth.wallet.person import VerifiedPerson
from server.auth.wallet.presentation import verify_vp_token
from server.auth.wallet.settings import VerifierSettings
from server.db import as_utc, utcnow
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")
T = WalletTransaction
WALLET_ERROR = re.compile(r"[a-z0-9_]{1,50}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StartedTransaction:
    secret: str  # for the starting browser's session only
    request_id: str
    wallet_url: str  # the link and the QR code's content
    expires_at: datetime


def start(
    settings: VerifierSettings,
    *,
    flow: Flow,
    response_uri: str,
    request_uri: Callable[[str], str],
    response_mode: ResponseMode | None = None,
    now: datetime | None = None,
) -> StartedTransaction:
    """A new transaction. ``response_uri`` is where the wallet posts its answer (its host must
    be the client id's with ``x509_san_dns``); ``request_uri(request_id)`` the URL of
    ``request_object`` for it."""
    now = now or utcnow()
    mode = response_mode or settings.response_mode
    request_id = secrets.token_urlsafe(32)
    state = secrets.token_urlsafe(32)
    secret = secrets.token_urlsafe(32)
    transaction = WalletTransaction(
        request_id=request_id,
        state=state,
        secret_hash=_digest(secret),
        nonce=secrets.token_urlsafe(32),
        client_id=settings.client_id,
        response_uri=response_uri,
        response_mode=mode.value,
        flow=flow.value,
        status=TransactionStatus.CREATED.value,
        encryption_key=(
            encryption.new_key(state) if mode is ResponseMode.DIRECT_POST_JWT else None
        ),
        created_at=now,
        expires_at=now + settings.transaction_lifetime,
    )
    db.session.add(transaction)
    db.session.flush()
    query = urlencode({"client_id": settings.client_id, "request_uri": request_uri(request_id)})
    return StartedTransaction(
        secret=secret,
        request_id=request_id,
        wallet_url=f"{settings.authorization_endpoint}?{query}",
        expires_at=transaction.expires_at,
    )


def request_object(settings: VerifierSettings, request_id: str, now: datetime | None = None) -> str:
    """The signed request object (``request_object.CONTENT_TYPE``), handed out once;
    ``TransactionUnavailable`` for an unknown, expired or already fetched request."""
    now = now or utcnow()
    taken = db.session.execute(
        update(T)
        .where(
            T.request_id == request_id,
            T.status == TransactionStatus.CREATED.value,
            T.expires_at > now,
        )
        .values(status=TransactionStatus.REQUESTED.value, requested_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):
        raise TransactionUnavailable(Reason.NOT_AVAILABLE, "request object")
    transaction = db.session.scalars(select(T).where(T.request_id == request_id)).one()
    return jar.sign(settings, jar.claims(settings, transaction, now))


@dataclass(frozen=True)
class ReceivedResponse:
    """What the response URI tells the wallet: with ``response_code`` (same-device flow) it
    sends the citizen's browser to the portal with it, verified or not."""

    request_id: str
    flow: Flow
    response_code: str | None
    person: VerifiedPerson | None
    failure: str | None

    @property
    def verified(self) -> bool:
        return self.person is not None


def _find_for_response(form: Mapping[str, Any]) -> WalletTransaction:
    if "response" in form:
        key = encryption.header_kid(str(form["response"]))
    else:
        key = form.get("state") if isinstance(form.get("state"), str) else None
    transaction = db.session.scalars(select(T).where(T.state == key)).one_or_none() if key else None
    if transaction is None:
        raise TransactionUnavailable(Reason.UNKNOWN_TRANSACTION, "answer")
    return transaction


def _answer(transaction: WalletTransaction, form: Mapping[str, Any]) -> dict[str, Any]:
    """The answer's parameters: decrypted where it was encrypted. A wallet that cannot
    encrypt may still send an error in the clear (OpenID4VP 1.0 §8.3.1)."""
    encrypted = transaction.response_mode == ResponseMode.DIRECT_POST_JWT.value
    if "response" in form:
        if not encrypted or transaction.encryption_key is None:
            raise VerificationFailed(Reason.ENCRYPTION, "encrypted, but not asked to be")
        answer = encryption.decrypt(str(form["response"]), transaction.encryption_key)
    elif encrypted and "error" not in form:
        raise VerificationFailed(Reason.ENCRYPTION, "not encrypted, as asked")
    else:
        answer = dict(form)
    if answer.get("state", transaction.state) != transaction.state:
        raise VerificationFailed(Reason.STATE, "the answer names another transaction")
    return answer


def _verify(
    settings: VerifierSettings,
    transaction: WalletTransaction,
    form: Mapping[str, Any],
    now: datetime,
) -> VerifiedPerson:
    answer = _answer(transaction, form)
    if "error" in answer:
        error = str(answer["error"])
        code = error if WALLET_ERROR.fullmatch(error) else "unknown"
        raise VerificationFailed(f"{Reason.WALLET_ERROR}:{code}", "the wallet refused")
    if "vp_token" not in answer:
        raise VerificationFailed(Reason.MALFORMED, "no vp_token")
    thumbprint = (
        encryption.thumbprint(transaction.encryption_key)
        if transaction.encryption_key is not None
        else None
    )
    context = PresentationContext(
        client_id=transaction.client_id,
        nonce=transaction.nonce,
        response_uri=transaction.response_uri,
        jwk_thumbprint=thumbprint,
        now=now,
        trust_anchors=settings.trust_anchors,
        vct_values=settings.vct_values,
        claims=settings.claims,
    )
    return verify_vp_token(answer["vp_token"], settings.formats, context)


def receive_response(
    settings: VerifierSettings, form: Mapping[str, Any], now: datetime | None = None
) -> ReceivedResponse:
    """Check the wallet's answer (the form posted to the response URI) and settle the
    transaction with it. ``TransactionUnavailable`` when it cannot be tied to a transaction
    waiting for an answer (unknown, expired, answered already: nothing changes); otherwise a
    ``ReceivedResponse``, verified or failed, and the transaction is settled for good."""
    now = now or utcnow()
    transaction = _find_for_response(form)
    if (
        transaction.status != TransactionStatus.REQUESTED.value
        or as_utc(transaction.expires_at) <= now
    ):  # no work for a replay; the update below decides
        raise TransactionUnavailable(Reason.NOT_AVAILABLE, "answer")
    person: VerifiedPerson | None = None
    failure: str | None = None
    try:
        person = _verify(settings, transaction, form, now)
    except VerificationFailed as error:
        failure = error.reason
        log.warning("wallet answer refused", extra={"reason": error.reason, "detail": error.detail})
    flow = Flow(transaction.flow)
    code = secrets.token_urlsafe(32) if flow is Flow.SAME_DEVICE else None
    settled = db.session.execute(
        update(T)
        .where(
            T.id == transaction.id,
            T.status == TransactionStatus.REQUESTED.value,
            T.expires_at > now,
        )
        .values(
            status=(TransactionStatus.VERIFIED if person else TransactionStatus.FAILED).value,
            result=person.to_json() if person else None,
            failure=failure,
            response_code_hash=_digest(code) if code else None,
            encryption_key=None,
            responded_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(settled, "rowcount", 0):
        raise TransactionUnavailable(Reason.NOT_AVAILABLE, "answered by a parallel request")
    return ReceivedResponse(
        request_id=transaction.request_id,
        flow=flow,
        response_code=code,
        person=person,
        failure=failure,
    )


@dataclass(frozen=True)
class Progress:
    status: TransactionStatus | None  # None: unknown or expired
    failure: str | None = None

    @property
    def waiting(self) -> bool:
        return self.status in (TransactionStatus.CREATED, TransactionStatus.REQUESTED)


def progress(secret: str, now: datetime | None = None) -> Progress:
    """Where the transaction of this browser's secret stands (for polling)."""
    now = now or utcnow()
    transaction = _by_secret(secret)
    if transaction is None or (
        as_utc(transaction.expires_at) <= now
        and transaction.status != TransactionStatus.CONSUMED.value
    ):
        return Progress(None)
    return Progress(TransactionStatus(transaction.status), transaction.failure)


def _by_secret(secret: str) -> WalletTransaction | None:
    if not secret or len(secret) > 128:
        return None
    return db.session.scalars(select(T).where(T.secret_hash == _digest(secret))).one_or_none()


def finish(
    secret: str, response_code: str | None = None, now: datetime | None = None
) -> VerifiedPerson:
    """The verified person of this browser's transaction, taken once. In the same-device flow
    only with the response code of the wallet's redirect. Raises ``VerificationFailed`` with
    the stored reason when the answer failed, ``TransactionUnavailable`` otherwise."""
    now = now or utcnow()
    code_hash = _digest(response_code) if response_code else None
    taken = db.session.execute(
        update(T)
        .where(
            T.secret_hash == _digest(secret),
            T.status == TransactionStatus.VERIFIED.value,
            T.expires_at > now,
            or_(T.flow == Flow.CROSS_DEVICE.value, T.response_code_hash == code_hash),
        )
        .values(status=TransactionStatus.CONSUMED.value, consumed_at=now)
        .returning(T.id, T.result)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if taken is None:
        raise _why_not_finished(secret, code_hash, now)
    db.session.execute(
        update(T)
        .where(T.id == taken.id)
        .values(result=None)
        .execution_options(synchronize_session=False)
    )
    return VerifiedPerson.from_json(taken.result)


def _why_not_finished(secret: str, code_hash: str | None, now: datetime) -> WalletError:
    transaction = _by_secret(secret)
    if transaction is None:
        return TransactionUnavailable(Reason.UNKNOWN_TRANSACTION, "finish")
    status = TransactionStatus(transaction.status)
    if status is TransactionStatus.FAILED:
        return VerificationFailed(transaction.failure or Reason.MALFORMED, "finish")
    if as_utc(transaction.expires_at) <= now or status is TransactionStatus.CONSUMED:
        return TransactionUnavailable(Reason.NOT_AVAILABLE, "finish")
    if status is TransactionStatus.VERIFIED and transaction.response_code_hash != code_hash:
        return TransactionUnavailable(Reason.RESPONSE_CODE, "finish")
    return TransactionUnavailable(Reason.PENDING, "finish")


def purge(now: datetime | None = None) -> int:
    """Delete expired transactions (with whatever they still hold); returns how many."""
    deleted = db.session.execute(
        delete(T)
        .where(T.expires_at <= (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(deleted, "rowcount", 0) or 0)
