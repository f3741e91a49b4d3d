"""The citizen's side of a parking fine: the letter's QR code or access code opens the case."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from server.extensions import limiter
from server.fines import access, cases
from server.fines.forms import CaseAccessForm
from server.fines.models import CaseKind, CaseStatus, FineCase
from server.payments import access as payment_access
from server.payments import online
from server.payments.money import euro
from server.payments.providers.base import ProviderError
from server.payments.receivables import balance
from server.payments.references import format_kassenzeichen
from server.rendering import render_page
from server.security import allows_webassembly

bp = Blueprint("fines", __name__)


def _per_address() -> str:
    return str(current_app.config["FINES_ACCESS_RATE_LIMIT"])


def _everyone() -> str:
    return str(current_app.config["FINES_ACCESS_GLOBAL_RATE_LIMIT"])


@bp.route("/b/<token>")
def letter_link(token: str) -> ResponseReturnValue:
    """The URL in the letter's QR code."""
    case = cases.find_by_token(token)
    if case is None:
        return render_page("views/fines/unknown_link.html"), 404
    access.grant(case)
    return redirect(url_for(".case", aktenzeichen=case.aktenzeichen))


@bp.route("/bussgeld/scannen")
@allows_webassembly
def scan() -> ResponseReturnValue:
    """The portal's own scanner for the letter's QR code (camera in the page)."""
    return render_page("views/fines/scan.html")


@bp.route("/bussgeld", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"])
@limiter.shared_limit(_everyone, scope="fines-access-all", key_func=lambda: "all", methods=["POST"])
def open_case() -> ResponseReturnValue:
    form = CaseAccessForm()
    if request.method == "POST":
        if not form.validate():
            return render_page("views/fines/access.html", form=form, wrong=False), 422
        case = cases.open_with_code(form.aktenzeichen.data or "", form.access_code.data or "")
        if case is None:
            # The same words for an unknown Aktenzeichen and a wrong code; the case is never
            # locked, guessing is throttled instead.
            return render_page("views/fines/access.html", form=form, wrong=True), 422
        access.grant(case)
        return redirect(url_for(".case", aktenzeichen=case.aktenzeichen))
    return render_page("views/fines/access.html", form=form, wrong=False)


def _visible(aktenzeichen: str) -> FineCase:
    case = cases.find_by_aktenzeichen(aktenzeichen)
    if case is None or not access.may_see(case):
        abort(404)
    return case


@bp.route("/bussgeld/fall/<aktenzeichen>")
def case(aktenzeichen: str) -> ResponseReturnValue:
    found = _visible(aktenzeichen)
    receivable = cases.receivable_of(found)
    current = balance(receivable) if receivable else None
    days_left = (found.deadline - date.today()).days
    return render_page(
        "views/fines/case.html",
        case=found,
        status=CaseStatus(found.status),
        warning=found.kind == CaseKind.WARNING.value,
        receivable=receivable,
        kassenzeichen=format_kassenzeichen(receivable.kassenzeichen) if receivable else "",
        balance=current,
        euro=euro,
        days_left=days_left,
        late=cases.is_late(found),
        payment_failed=request.args.get("zahlung") == "fehler",
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/bezahlen", methods=["POST"])
def pay(aktenzeichen: str) -> ResponseReturnValue:
    found = _visible(aktenzeichen)
    receivable = cases.receivable_of(found)
    if receivable is None or CaseStatus(found.status).closed:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
    payment_access.grant(receivable)
    try:
        started = online.start_online_payment(receivable)
    except online.NothingToPay:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
    except ProviderError:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen, zahlung="fehler"))
    return redirect(started.redirect_url)


@bp.route("/bussgeld/fall/<aktenzeichen>/ueberweisung")
def transfer(aktenzeichen: str) -> ResponseReturnValue:
    """Bank details and GiroCode live on the payments page of the case's receivable."""
    found = _visible(aktenzeichen)
    receivable = cases.receivable_of(found)
    if receivable is None:
        abort(404)
    payment_access.grant(receivable)
    return redirect(url_for("payments.receivable", kassenzeichen=receivable.kassenzeichen))
