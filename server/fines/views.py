"""The citizen's side of a parking fine: the letter's QR code or access code opens the case."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from server import guessing, ratelimits
from server.csrf_tokens import secret_for_next_page
from server.fines import access, cases, documents, hearing_steps, uploads
from server.fines import hearing as hearing_domain
from server.fines.case_page import read_case_page
from server.fines.forms import CaseAccessForm
from server.fines.models import (
    CaseKind,
    CaseStatus,
    FineCase,
    HearingStatement,
)
from server.fines.privacy import PRIVACY
from server.fines.shown import ShownCase, ShownReceivable, ShownStatement
from server.formatting import city_today, euro
from server.forms import drafts
from server.forms.engine import FieldKind, FormDefinition, RawAnswers, Step
from server.forms.receipt import file_size, sections
from server.forms.validation import (
    FullOutcome,
    check_step,
    raw_from,
    show_errors,
    step_form,
    validate_all,
)
from server.payments import access as payment_access
from server.payments import online, proof
from server.payments.models import Receivable
from server.payments.providers.base import ProviderError
from server.payments.receivables import get_receivable
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
    secret_for_next_page()  # the case page's forms
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
@ratelimits.limit(ratelimits.CODE, _per_address, methods=["POST"])
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
    page = read_case_page(aktenzeichen)
    if page is None or not access.may_see(page.case):
        # A link sent from another device: ask for the letter's code, the same way whether or
        # not the Aktenzeichen exists.
        form = CaseAccessForm(data={"aktenzeichen": cases.normalise_aktenzeichen(aktenzeichen)})
        return render_page("views/fines/access.html", form=form, wrong=False, needs_code=True), 403
    found, receivable, current, statement = page.case, page.receivable, page.balance, page.statement
    reason = proof.closing_reason(receivable) if receivable else None
    # A paid or refunded receivable's proof and refunds are read from the receivable itself.
    full = (
        get_receivable(receivable.id)
        if receivable and current and (proof.is_paid(receivable, current) or page.has_refunds)
        else None
    )
    paid = proof.proof_of(full, current) if full and current else None
    if paid is not None and full is not None:
        payment_access.grant(full)  # the proof's PDF lives on the notice's page
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
        refunds=proof.refunds_shown(full) if full and page.has_refunds else [],
        proof=paid,
        warning=found.kind == CaseKind.WARNING.value,
        receivable=receivable,
        kassenzeichen=format_kassenzeichen(receivable.kassenzeichen) if receivable else "",
        balance=current,
        euro=euro,
        days_left=(found.deadline - city_today()).days,
        late=cases.is_late(found),
        payment_failed=request.args.get("zahlung") == "fehler",
        evidence_ids=page.evidence_ids,
    )


def _payable(
    case: FineCase | ShownCase,
    receivable: Receivable | ShownReceivable | None,
    statement: HearingStatement | ShownStatement | None,
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


# --- the hearing, step by step (hearing_steps) -----------------------------------------------

CHECK = "pruefen"
SUBMISSION_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def _hearing_case(aktenzeichen: str) -> FineCase | None:
    """The case, if it still takes a statement: not once decided (None: back to the case
    page, which says why)."""
    found = _visible(aktenzeichen)
    return None if CaseStatus(found.status).final else found


def _step_url(case: FineCase, step: Step | None) -> str:
    if step is None:
        return url_for(".hearing_check", aktenzeichen=case.aktenzeichen)
    return url_for(".hearing_step", aktenzeichen=case.aktenzeichen, step=step.slug)


def _answers(case: FineCase, definition: FormDefinition) -> dict[str, list[str]]:
    """The answers so far, with the letter's address where the person has not answered yet."""
    answers = drafts.answers_of(drafts.find_draft(definition, None))
    return {**hearing_steps.prefill(case), **answers}


def _render_hearing_step(
    case: FineCase,
    definition: FormDefinition,
    step: Step,
    answers: RawAnswers,
    errors: Mapping[str, list[str]] | None = None,
    *,
    back_to_check: bool = False,
) -> ResponseReturnValue:
    formdata: MultiDict[str, str] = MultiDict(
        [(spec.name, value) for spec in step.fields for value in answers.get(spec.name, ())]
    )
    form = step_form(step, formdata)
    show_errors(form, errors or {})
    shown = definition.steps_shown(answers)
    previous = definition.previous_step(step, answers)
    first = step is definition.steps[0]
    return render_page(
        "views/fines/hearing.html",
        case=case,
        step=step,
        form=form,
        questions=step.fields,
        uploads=uploads.pending_uploads(case),
        errors=errors or {},
        position=shown.index(step) + 1 if step in shown else 1,
        # Before the intent is chosen, its own step is still to come.
        total=len(shown) + (0 if hearing_steps.INTENT in answers else 1),
        back_url=_step_url(case, previous)
        if previous
        else url_for(".case", aktenzeichen=case.aktenzeichen),
        back_to_check=back_to_check,
        first=first,
        late=cases.is_late(case),
        privacy=PRIVACY,
    ), 422 if errors else 200


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung")
def hearing(aktenzeichen: str) -> ResponseReturnValue:
    """State your side: the hearing begins with what the person wants to do."""
    found = _hearing_case(aktenzeichen)
    if found is None:
        return redirect(url_for(".case", aktenzeichen=aktenzeichen))
    return redirect(_step_url(found, hearing_steps.HEARING.steps[0]))


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung/<step>", methods=["GET", "POST"])
def hearing_step(aktenzeichen: str, step: str) -> ResponseReturnValue:
    """One step of the hearing; what is sent is kept in this browser's draft of the case,
    valid or not, and the attachments step keeps the files with the case."""
    found = _hearing_case(aktenzeichen)
    if found is None:
        return redirect(url_for(".case", aktenzeichen=aktenzeichen))
    definition = hearing_steps.for_case(found)
    current = definition.step(step)
    if current is None:
        abort(404)
    back_to_check = request.values.get("zurueck") == CHECK
    if request.method == "GET":
        answers = _answers(found, definition)
        if current is not definition.steps[0] and hearing_steps.INTENT not in answers:
            return redirect(_step_url(found, definition.steps[0]))
        if not current.shown(answers):
            return redirect(_step_url(found, definition.next_step(current, answers)))
        return _render_hearing_step(
            found, definition, current, answers, back_to_check=back_to_check
        )
    names = {f.name for f in current.fields if f.kind != FieldKind.FILES}
    drafts.open_and_save_step(definition, None, current, raw_from(request.form, names))
    answers = _answers(found, definition)
    removal = request.form.get("remove_upload", "")
    if removal.isdigit():
        uploads.remove_pending(found, int(removal))
        return _render_hearing_step(
            found, definition, current, answers, back_to_check=back_to_check
        )
    errors = dict(check_step(current, answers, _held(found)).errors)
    if any(f.kind == FieldKind.FILES for f in current.fields):
        refused = _accept_files(found)
        if refused:
            errors[hearing_steps.FILES] = [*refused, *errors.get(hearing_steps.FILES, [])]
    if errors:
        return _render_hearing_step(
            found, definition, current, answers, errors, back_to_check=back_to_check
        )
    following = definition.next_step(current, answers)
    if back_to_check and (following is None or any(f.name in answers for f in following.fields)):
        following = None  # back to the check page, unless the change opened a new step
    return redirect(_step_url(found, following), code=303)


def _held(case: FineCase) -> dict[str, int]:
    return {hearing_steps.FILES: len(uploads.pending_uploads(case))}


def _accept_files(case: FineCase) -> list[str]:
    """Keep the files sent with the case; returns why any were refused."""
    refused = []
    for file in request.files.getlist(hearing_steps.FILES):
        if file and file.filename:
            try:
                uploads.accept_upload(case, file)
            except uploads.UploadRejected as error:
                refused.append(str(error))
    return refused


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung/pruefen")
def hearing_check(aktenzeichen: str) -> ResponseReturnValue:
    """Check your answers: every answer with a link to change it, then send."""
    found = _hearing_case(aktenzeichen)
    if found is None:
        return redirect(url_for(".case", aktenzeichen=aktenzeichen))
    definition = hearing_steps.for_case(found)
    answers = _answers(found, definition)
    if hearing_steps.INTENT not in answers:
        return redirect(_step_url(found, definition.steps[0]))
    held = uploads.pending_uploads(found)
    outcome = validate_all(definition, answers, _held(found))
    files = ", ".join(f"{u.original_name} ({file_size(u.size)})" for u in held)
    return render_page(
        "views/fines/hearing_check.html",
        case=found,
        sections=[
            (
                section.step,
                [
                    (row.name, row.label, files if row.name == hearing_steps.FILES else row.value)
                    for row in section.rows
                ],
            )
            for section in sections(definition, outcome.answers, (), answers)
        ],
        errors=outcome.errors,
        error_steps=[
            s
            for s in definition.steps_shown(answers)
            if any(f.name in outcome.errors for f in s.fields)
        ],
        submission_id=uuid.uuid4().hex,
        back_url=_step_url(found, definition.steps[-1]),
    )


@bp.route("/bussgeld/fall/<aktenzeichen>/anhoerung/absenden", methods=["POST"])
def hearing_send(aktenzeichen: str) -> ResponseReturnValue:
    """Send the statement: the answers of this browser's draft, or a complete multipart body
    with every answer and file. The same ``submission_id`` twice is one statement, with one
    EB number."""
    found = _hearing_case(aktenzeichen)
    if found is None:
        return redirect(url_for(".case", aktenzeichen=aktenzeichen))
    submission_id = request.form.get("submission_id", "").strip()
    if not SUBMISSION_ID.match(submission_id):
        abort(400)
    definition = hearing_steps.for_case(found)
    names = {f.name for f in definition.all_fields() if f.kind != FieldKind.FILES}
    complete_body = any(name in request.form for name in names)
    # The draft is read before the statement is looked for: a send that wins meanwhile keeps
    # its statement before it drops the draft, so one of the two is always found.
    answers: RawAnswers = (
        raw_from(request.form, names) if complete_body else _answers(found, definition)
    )
    done = hearing_domain.statement_by_submission(found, submission_id)
    if done is not None:
        return redirect(_received_url(found, done))
    refused = _accept_files(found) if complete_body else []
    outcome = validate_all(definition, answers, _held(found))
    if refused or not outcome.valid:
        return _refuse_statement(found, definition, answers, outcome, refused, complete_body)
    said = hearing_steps.statement_of(answers)
    try:
        statement, new = hearing_domain.submit_statement(
            found,
            submission_id=submission_id,
            kind=said.kind,
            text=said.text,
            person=said.person,
            driver=said.driver,
            email=said.email,
        )
    except hearing_domain.HearingError:
        return redirect(url_for(".case", aktenzeichen=found.aktenzeichen))
    if new and statement.email:
        documents.mail_confirmation(found, statement)
    draft = drafts.find_draft(definition, None)
    if draft is not None:
        drafts.discard(draft)
    drafts.forget_in_session(definition)
    return redirect(_received_url(found, statement))


def _received_url(case: FineCase, statement: HearingStatement) -> str:
    return url_for(".statement_received", aktenzeichen=case.aktenzeichen, statement_id=statement.id)


def _refuse_statement(
    case: FineCase,
    definition: FormDefinition,
    answers: RawAnswers,
    outcome: FullOutcome,
    refused: list[str],
    complete_body: bool,
) -> ResponseReturnValue:
    """Back to the first step with a problem, with everything sent kept in the draft."""
    errors = dict(outcome.errors)
    step = outcome.first_error_step
    if refused:
        errors[hearing_steps.FILES] = refused
        step = definition.step_of(hearing_steps.FILES)
    step = step or definition.steps[0]
    if complete_body:
        draft = drafts.open_draft(definition, None)
        drafts.replace_answers(draft, drafts.sanitise(definition, dict(answers)), step.slug)
    shown = {
        name: messages
        for name, messages in errors.items()
        if any(f.name == name for f in step.fields)
    }
    return _render_hearing_step(case, definition, step, _answers(case, definition), shown)


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
    statement = _statement(found, statement_id)
    return render_page(
        "views/fines/statement_received.html",
        case=found,
        statement=statement,
        reference=hearing_domain.receipt_reference(statement, found),
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
