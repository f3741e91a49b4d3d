"""The citizen's side of a parking fine: the letter's QR code or access code opens the case."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server import guessing
from server.extensions import limiter
from server.fines import access, cases, documents, uploads
from server.fines import hearing as hearing_domain
from server.fines.forms import CaseAccessForm, StatementForm
from server.fines.hearing import Person
from server.fines.models import (
    CaseKind,
    CaseStatus,
    FineCase,
    HearingStatement,
    StatementKind,
)
from server.fines.privacy import PRIVACY
from server.formatting import city_today, euro
from server.payments import access as payment_access
from server.payments import online, proof
from server.payments.models import Receivable
from server.payments.providers.base import ProviderError
from server.payments.receivables import balance
from server.payments.references import format_kassenzeichen
from server.privacy import notice_page
from server.rendering import file_response, render_page
from server.security import allows_webassembly, public_page

bp = Blueprint("fines", __name__)


def _per_address() -> str:
    return str(current_app.config["FINES_ACCESS_RATE_LIMIT"])


@bp.route("/b/<token>")
def letter_link(token: str) -> ResponseReturnValue:
    """The URL in the letter's QR code."""
    case = cases.find_by_token(token)
    if case is None:
        return render_page("views/fines/unknown_link.html"), 404
    access.grant(case)
    cases.note_viewed(case, "citizen", "QR-Code")
    return redirect(url_for(".case", aktenzeichen=case.aktenzeichen))


@bp.route("/bussgeld/scannen")
@allows_webassembly
def scan() -> ResponseReturnValue:
    """The portal's own scanner for the letter's QR code (camera in the page)."""
    return render_page("views/fines/scan.html")


CASE_ACCESS = guessing.Door(
    name="fines-access",
    subject_limit_setting="FINES_ACCESS_CASE_RATE_LIMIT",
    global_limit_setting="FINES_ACCESS_GLOBAL_RATE_LIMIT",
    # The access code has 80 bits: per-address and per-case limits bound guessing, and a burst
    # of wrong codes from many addresses must not lock out everyone who has a letter.
    closes_when_tripped=False,
)


@bp.route("/bussgeld", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"])
def open_case() -> ResponseReturnValue:
    form = CaseAccessForm()
    if request.method != "POST":
        return render_page("views/fines/access.html", form=form, wrong=False)
    if not form.validate():
        return render_page("views/fines/access.html", form=form, wrong=False), 422
    aktenzeichen = cases.normalise_aktenzeichen(form.aktenzeichen.data or "")
    wait = guessing.attempt(CASE_ACCESS, aktenzeichen)
    if wait is not None:
        page = render_page(
            "views/fines/access.html", form=form, wrong=False, wait_minutes=-(-wait // 60)
        )
        return page, 429, {"Retry-After": str(wait)}
    case = cases.open_with_code(aktenzeichen, form.access_code.data or "")
    if case is None:
        # The same words for an unknown Aktenzeichen and a wrong code; the case is never
        # locked, guessing is throttled instead.
        guessing.failed(CASE_ACCESS)
        return render_page("views/fines/access.html", form=form, wrong=True), 422
    access.grant(case)
    cases.note_viewed(case, "citizen", "Zugangscode")
    return redirect(url_for(".case", aktenzeichen=case.aktenzeichen))


def _visible(aktenzeichen: str) -> FineCase:
    case = cases.find_by_aktenzeichen(aktenzeichen)
    if case is None or not access.may_see(case):
        abort(404)
    return case


@bp.route("/bussgeld/fall/<aktenzeichen>")
def case(aktenzeichen: str) -> ResponseReturnValue:
    found = cases.find_by_aktenzeichen(aktenzeichen)
    if found is None or not access.may_see(found):
        # A link sent from another device: ask for the letter's code, the same way whether or
        # not the Aktenzeichen exists.
        form = CaseAccessForm(data={"aktenzeichen": cases.normalise_aktenzeichen(aktenzeichen)})
        return render_page("views/fines/access.html", form=form, wrong=False, needs_code=True), 403
    receivable = cases.receivable_of(found)
    current = balance(receivable) if receivable else None
    days_left = (found.deadline - city_today()).days
    reason = proof.closing_reason(receivable) if receivable else None
    paid = proof.proof_of(receivable, current) if receivable and current else None
    if paid is not None and receivable is not None:
        payment_access.grant(receivable)  # the proof's PDF lives on the notice's page
    statement = hearing_domain.latest_statement(found)
    return render_page(
        "views/fines/case.html",
        case=found,
        status=CaseStatus(found.status),
        payable=_payable(found, receivable, statement)
        and current is not None
        and current.open_cents > 0,
        statement=statement,
        statement_reference=hearing_domain.receipt_reference(statement, found) if statement else "",
        closed_text=proof.closing_text(reason) if reason else "",
        refunds=proof.refunds_shown(receivable) if receivable else [],
        proof=paid,
        warning=found.kind == CaseKind.WARNING.value,
        receivable=receivable,
        kassenzeichen=format_kassenzeichen(receivable.kassenzeichen) if receivable else "",
        balance=current,
        euro=euro,
        days_left=days_left,
        late=cases.is_late(found),
        payment_failed=request.args.get("zahlung") == "fehler",
        evidence=uploads.evidence_of(found),
    )


def _payable(
    case: FineCase, receivable: Receivable | None, statement: HearingStatement | None
) -> bool:
    """Only an undecided case with a receivable the city has not closed can be paid; a case
    going on to a Bußgeldbescheid (continued) is not paid with this Verwarnungsgeld, nor one
    whose holder named someone else as the driver (``payment_offered_after``)."""
    status = CaseStatus(case.status)
    return (
        receivable is not None
        and receivable.closed_at is None
        and not status.closed
        and status != CaseStatus.CONTINUED
        and hearing_domain.payment_offered_after(statement)
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/bezahlen", methods=["POST"])
def pay(aktenzeichen: str) -> ResponseReturnValue:
    found = _visible(aktenzeichen)
    receivable = cases.receivable_of(found)
    statement = hearing_domain.latest_statement(found)
    if receivable is None or not _payable(found, receivable, statement):
        # The case page says why nothing is to be paid; no payment is started.
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


def _prefill(form: StatementForm, case: FineCase) -> None:
    form.person_name.data = case.holder_name
    form.person_street.data = case.holder_street
    form.person_postcode_city.data = case.holder_postcode_city
    form.submission_id.data = uuid.uuid4().hex


def _person(name: str | None, street: str | None, city: str | None, born: date | None) -> Person:
    return Person(name or "", street or "", city or "", born)


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung", methods=["GET", "POST"])
def hearing(aktenzeichen: str) -> ResponseReturnValue:
    """State your side: admit, contest, or name the driver; with photos or PDFs."""
    found = _visible(aktenzeichen)
    if CaseStatus(found.status).closed:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
    form = StatementForm()
    file_errors: list[str] = []
    status = 200
    if request.method == "GET":
        _prefill(form, found)
    else:
        if not form.submission_id.data:
            form.submission_id.data = uuid.uuid4().hex
        for file in request.files.getlist(form.files.name):
            if file and file.filename:
                try:
                    uploads.accept_upload(found, file)
                except uploads.UploadRejected as error:
                    file_errors.append(str(error))
        removal = request.form.get("remove_upload", "")
        if removal.isdigit():
            uploads.remove_pending(found, int(removal))
        elif form.validate() and not file_errors:
            driver = None
            if form.kind.data == StatementKind.NOMINATE.value:
                driver = _person(
                    form.driver_name.data,
                    form.driver_street.data,
                    form.driver_postcode_city.data,
                    form.driver_birth_date.data,
                )
            try:
                statement, new = hearing_domain.submit_statement(
                    found,
                    submission_id=form.submission_id.data,
                    kind=StatementKind(form.kind.data),
                    text=form.text.data or "",
                    person=_person(
                        form.person_name.data,
                        form.person_street.data,
                        form.person_postcode_city.data,
                        form.person_birth_date.data,
                    ),
                    driver=driver,
                    email=form.email.data,
                )
            except hearing_domain.HearingError:
                return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
            if new and statement.email:
                documents.mail_confirmation(found, statement)
            return redirect(
                url_for(
                    ".statement_received",
                    aktenzeichen=found.aktenzeichen,
                    statement_id=statement.id,
                )
            )
        else:
            status = 422
    return render_page(
        "views/fines/hearing.html",
        form=form,
        case=found,
        uploads=uploads.pending_uploads(found),
        file_errors=file_errors,
        late=cases.is_late(found),
        max_mb=current_app.config["UPLOAD_MAX_FILE_BYTES"] // (1024 * 1024),
        privacy=PRIVACY,
    ), status


@bp.route("/bussgeld/datenschutz")
@public_page
def privacy() -> ResponseReturnValue:
    """The privacy notice of the hearing (Art. 13 DSGVO)."""
    return notice_page(
        PRIVACY,
        _("Anhörung im Bußgeldverfahren"),
        url_for(".open_case"),
        _("Zurück zu Ihrem Schreiben der Bußgeldstelle"),
    )


def _statement(found: FineCase, statement_id: int) -> HearingStatement:
    statement = next((s for s in hearing_domain.statements_of(found) if s.id == statement_id), None)
    if statement is None:
        abort(404)
    return statement


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung/<int:statement_id>")
def statement_received(aktenzeichen: str, statement_id: int) -> ResponseReturnValue:
    found = _visible(aktenzeichen)
    return render_page(
        "views/fines/statement_received.html", case=found, statement=_statement(found, statement_id)
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung/<int:statement_id>/eingangsbestaetigung.pdf")
def statement_receipt(aktenzeichen: str, statement_id: int) -> ResponseReturnValue:
    found = _visible(aktenzeichen)
    statement = _statement(found, statement_id)
    return file_response(
        documents.receipt(found, statement),
        mimetype="application/pdf",
        filename=f"eingangsbestaetigung-{found.aktenzeichen}.pdf",
        inline=True,
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/einspruch.pdf")
def objection_form(aktenzeichen: str) -> ResponseReturnValue:
    """A pre-filled Einspruch letter to print and sign: the only valid way to object. Only for
    a case still open: a paid or closed case has nothing left to object to."""
    found = _visible(aktenzeichen)
    if CaseStatus(found.status).closed:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
    return file_response(
        documents.objection(found),
        mimetype="application/pdf",
        filename=f"einspruch-{found.aktenzeichen}.pdf",
        inline=True,
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/beweisfoto/<int:upload_id>")
def evidence_photo(aktenzeichen: str, upload_id: int) -> ResponseReturnValue:
    """The authority's evidence photo, only to whoever opened the case with the letter."""
    found = _visible(aktenzeichen)
    upload = uploads.get_upload(upload_id)
    if upload is None or upload.case_id != found.id or not upload.evidence:
        abort(404)
    return file_response(
        uploads.content_of(upload),
        mimetype=upload.content_type,
        filename=upload.original_name,
        inline=True,
    )
