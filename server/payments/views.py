"""The citizen's side of paying: find the notice, see what is open, pay online or by transfer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from server import guessing, ratelimits
from server.csrf_tokens import secret_for_next_page
from server.extensions import csrf
from server.formatting import euro
from server.logs import get_logger
from server.payments import access, events, online, proof
from server.payments.forms import PaymentLookupForm
from server.payments.models import PaymentState, Receivable
from server.payments.privacy import PRIVACY
from server.payments.providers.base import NotificationRejected, ProviderError
from server.payments.providers.registry import current_provider
from server.payments.receivables import (
    FoundWithBalance,
    find_by_access_token,
    find_by_kassenzeichen,
    find_with_balance,
)
from server.payments.references import format_kassenzeichen, normalise_kassenzeichen
from server.payments.transfer import transfer_details
from server.privacy import notice_page
from server.rendering import file_response, render_page
from server.security import public_page

bp = Blueprint("payments", __name__, url_prefix="/zahlungen")
log = get_logger("payments")


def _lookup_rate_limit() -> str:
    return str(current_app.config["PAYMENT_LOOKUP_RATE_LIMIT"])


NOTICE_LOOKUP = guessing.Door(
    name="notice-lookup",
    subject_limit_setting="PAYMENT_LOOKUP_NOTICE_RATE_LIMIT",
    global_limit_setting="PAYMENT_LOOKUP_GLOBAL_RATE_LIMIT",
    # Kassenzeichen run in sequence and amounts repeat: under a burst the form closes; the
    # notice's QR link and a transfer with its details still work.
    closes_when_tripped=True,
)


def _lookup_page(**values: Any) -> str:
    """The lookup page; its short privacy notice comes before the form."""
    return render_page("views/payments/lookup.html", privacy=PRIVACY, **values)


@bp.route("/", methods=["GET", "POST"])
@ratelimits.limit(ratelimits.CODE, _lookup_rate_limit, methods=["POST"])
def lookup() -> ResponseReturnValue:
    form = PaymentLookupForm()
    if request.method != "POST":
        return _lookup_page(form=form, not_found=False)
    if not form.validate():
        return _lookup_page(form=form, not_found=False), 422
    kassenzeichen = normalise_kassenzeichen(form.kassenzeichen.data or "")
    wait = guessing.attempt(NOTICE_LOOKUP, kassenzeichen)
    if wait is not None:
        page = _lookup_page(
            form=form,
            not_found=False,
            wait_minutes=-(-wait // 60),
        )
        return page, 429, {"Retry-After": str(wait)}
    receivable = find_by_kassenzeichen(kassenzeichen)
    # One message for both mismatches: the form must not tell which Kassenzeichen exist.
    if receivable is not None and receivable.amount_cents == form.amount_cents:
        access.grant(receivable)
        return redirect(url_for(".receivable", kassenzeichen=receivable.kassenzeichen))
    guessing.failed(NOTICE_LOOKUP)
    return _lookup_page(form=form, not_found=True), 422


@bp.route("/datenschutz")
@public_page
def privacy() -> ResponseReturnValue:
    """The privacy notice of paying a notice (Art. 13 DSGVO)."""
    return notice_page(
        PRIVACY,
        _("Bescheid bezahlen"),
        url_for(".lookup"),
        _("Zurück zu „Bescheid bezahlen“"),
    )


@bp.route("/z/<token>")
def letter_link(token: str) -> ResponseReturnValue:
    """The link (and QR code) printed on a notice."""
    receivable = find_by_access_token(token)
    if receivable is None:
        abort(404)
    access.grant(receivable)
    secret_for_next_page()  # the notice's payment form
    return redirect(url_for(".receivable", kassenzeichen=receivable.kassenzeichen))


def _visible(kassenzeichen: str) -> Receivable:
    receivable = find_by_kassenzeichen(kassenzeichen)
    if receivable is None or not access.may_see(receivable):
        abort(404)
    return receivable


def _visible_with_balance(kassenzeichen: str) -> FoundWithBalance:
    found = find_with_balance(kassenzeichen)
    if found is None or not access.may_see(found.receivable):
        abort(404)
    return found


@bp.route("/<kassenzeichen>")
def receivable(kassenzeichen: str) -> ResponseReturnValue:
    found, current, has_refunds = _visible_with_balance(kassenzeichen)
    attempt = None
    if request.args.get("zahlung"):
        attempt = online.find_payment(request_id=request.args["zahlung"])
        if attempt is not None and attempt.receivable_id != found.id:
            attempt = None
    reason = proof.closing_reason(found)
    transfer = None
    if current.open_cents > 0 and reason is None:
        transfer = transfer_details(
            found, current.open_cents, title=_("GiroCode zum Bezahlen per Überweisung")
        )
    return render_page(
        "views/payments/receivable.html",
        receivable=found,
        kassenzeichen=format_kassenzeichen(found.kassenzeichen),
        balance=current,
        closed_text=proof.closing_text(reason) if reason else "",
        refunds=proof.refunds_shown(found) if has_refunds else [],
        proof=proof.proof_of(found, current),
        euro=euro,
        attempt=attempt,
        attempt_state=PaymentState(attempt.state) if attempt else None,
        transfer=transfer,
        girocode=Markup(transfer.girocode_svg) if transfer else None,  # noqa: S704  # nosec B704  # segno: escaped title, path data
        methods=current_app.config["PAYMENT_METHODS"],
        provider_failed=request.args.get("anbieter") == "fehler",
        origin=events.origin_link(found),
    )


@bp.route("/<kassenzeichen>/online", methods=["POST"])
def pay_online(kassenzeichen: str) -> ResponseReturnValue:
    found = _visible(kassenzeichen)
    if found.closed_at is not None:
        # Closed: the notice says why; no payment is ever started for it.
        return redirect(url_for(".receivable", kassenzeichen=found.kassenzeichen))
    try:
        started = online.start_online_payment(found)
    except online.NothingToPay:
        return redirect(url_for(".receivable", kassenzeichen=found.kassenzeichen))
    except ProviderError:
        return redirect(
            url_for(".receivable", kassenzeichen=found.kassenzeichen, anbieter="fehler")
        )
    return redirect(started.redirect_url)


@bp.route("/<kassenzeichen>/zahlungsbestaetigung.pdf")
def proof_pdf(kassenzeichen: str) -> ResponseReturnValue:
    """The proof of payment of a paid notice, for whoever may see the notice."""
    from flask_babel import force_locale

    from server.payments.proof_pdf import render_proof

    found, current, _refunded = _visible_with_balance(kassenzeichen)
    with force_locale("de"):
        paid = proof.proof_of(found, current)
        if paid is None:
            abort(404)
        document = render_proof(paid)
    return file_response(
        document,
        mimetype="application/pdf",
        filename=f"zahlungsbestaetigung-{found.kassenzeichen}.pdf",
        inline=True,
    )


@bp.route("/rueckkehr/<request_id>")
def payment_return(request_id: str) -> ResponseReturnValue:
    payment = online.find_payment(request_id=request_id, with_receivable=True)
    if payment is None:
        abort(404)
    # Read now, with the payment: after the booking's transaction it would be read again.
    kassenzeichen = payment.receivable.kassenzeichen
    payment = online.handle_return(payment)
    # The provider's page may have run in another browser session; the attempt itself proves
    # that this browser started it only if it was granted the receivable before.
    return redirect(url_for(".receivable", kassenzeichen=kassenzeichen, zahlung=payment.request_id))


@bp.route("/benachrichtigung/<provider>", methods=["POST"])
@csrf.exempt
def provider_notification(provider: str) -> ResponseReturnValue:
    current = current_provider()
    if provider != current.name:
        return {"status": "unknown provider"}, 404
    try:
        payment = online.handle_notification(current, dict(request.headers), request.get_data())
    except NotificationRejected as error:
        log.warning("notification rejected", extra={"provider": provider, "reason": str(error)})
        return {"status": "rejected", "reason": str(error)}, 400
    except ProviderError:
        # Not acknowledged: the platform sends it again later.
        return {"status": "try again"}, 503
    return {"status": "ok", "known": payment is not None}, 200
