"""The fine authority (Bußgeldstelle) in the back office: statements and nominations to decide,
each case with its whole history, letters for new cases."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.audit import log as audit
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.fines import cases, hearing, letters, uploads
from server.fines.forms import DecisionForm
from server.fines.labels import DECISIONS, history_line, statement_label, status_label
from server.fines.letter_pdf import render_letter, render_letters
from server.fines.models import CaseStatus
from server.fines.plate_notes import notes_for
from server.formatting import city_time, city_today, euro
from server.payments.receivables import balance
from server.rendering import file_response, render_page

bp = Blueprint("fines_office", __name__, url_prefix="/verwaltung/bussgeld")


def _clerk() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return clerk.username


@bp.route("/")
@clerk_required(Role.FINES)
def queue() -> ResponseReturnValue:
    return render_page(
        "views/fines/office/queue.html",
        items=hearing.queue(),
        status_label=status_label,
        without_letter=len(letters.cases_without_letter()),
    )


@bp.route("/fall/<int:case_id>", methods=["GET", "POST"])
@clerk_required(Role.FINES)
def case(case_id: int) -> ResponseReturnValue:
    found = cases.get_case(case_id)
    if found is None:
        abort(404)
    form = DecisionForm()
    error = session.pop("evidence_error", None)
    code = 422 if error else 200
    conflict = session.pop("office_conflict", None)
    if conflict:
        error, code = conflict, 409
    if request.method == "POST" and form.validate():
        try:
            new_case = hearing.decide(
                found, form.decision.data or "", clerk=_clerk(), note=form.note.data or ""
            )
        except hearing.AlreadyDecided as problem:
            # The page shows the decision that won.
            error, code = str(problem), 409
        except hearing.HearingError as problem:
            error, code = str(problem), 422
        else:
            decided = str(DECISIONS[form.decision.data or ""])
            if new_case is not None:
                flash(
                    _(
                        "%(decision)s (%(old)s). Der neue Vorgang %(new)s braucht noch seinen "
                        "Brief.",
                        decision=decided,
                        old=found.aktenzeichen,
                        new=new_case.aktenzeichen,
                    ),
                    "success",
                )
                return redirect(url_for(".case", case_id=new_case.id))
            flash(
                _("%(decision)s: Vorgang %(az)s.", decision=decided, az=found.aktenzeichen),
                "success",
            )
            return redirect(url_for(".queue"))
    receivable = cases.receivable_of(found)
    cases.note_viewed(found, _clerk())
    audit.record_now(f"clerk:{_clerk()}", "fines.case.view", "fine_case", found.id)
    return render_page(
        "views/fines/office/case.html",
        case=found,
        status=CaseStatus(found.status),
        status_label=status_label,
        statement_label=statement_label,
        history=[history_line(event) for event in found.events],
        form=form,
        error=error,
        statements=hearing.statements_of(found),
        uploads=hearing.uploads_of_case(found),
        receivable=receivable,
        balance=balance(receivable) if receivable else None,
        euro=euro,
        plate_notes=notes_for(found.plate, found.place, city_time(found.offence_at).date()),
    ), code


@bp.route("/anhang/<int:upload_id>")
@clerk_required(Role.FINES)
def attachment(upload_id: int) -> ResponseReturnValue:
    upload = uploads.get_upload(upload_id)
    if upload is None:
        abort(404)
    audit.record_now(f"clerk:{_clerk()}", "fines.attachment.download", "fine_upload", upload.id)
    return file_response(
        uploads.content_of(upload),
        mimetype=upload.content_type,
        filename=upload.original_name,
    )


@bp.route("/fall/<int:case_id>/brief.pdf", methods=["POST"])
@clerk_required(Role.FINES)
def letter(case_id: int) -> ResponseReturnValue:
    """(Re)print the case's letter; new credentials make the old letter's codes invalid."""
    found = cases.get_case(case_id)
    if found is None:
        abort(404)
    try:
        seen = int(request.form.get("briefe", ""))
    except ValueError:
        seen = found.letters_issued
    try:
        issued = letters.issue_letter(found, seen=seen)
    except cases.LetterAlreadyIssued:
        session["office_conflict"] = _(
            "Dieser Brief wurde gerade schon gedruckt, mit neuen Zugangsdaten; ein älterer "
            "Ausdruck gilt nicht mehr. Drucken Sie erneut, wenn Sie ihn noch einmal brauchen."
        )
        return redirect(url_for(".case", case_id=found.id))
    audit.record_now(f"clerk:{_clerk()}", "fines.letter.issue", "fine_case", found.id)
    return file_response(
        render_letter(issued.content),
        mimetype="application/pdf",
        filename=f"{found.aktenzeichen}.pdf",
    )


@bp.route("/briefe.pdf", methods=["POST"])
@clerk_required(Role.FINES)
def new_letters() -> ResponseReturnValue:
    """All letters of cases that have none yet, in one PDF for the printing line."""
    issued = letters.issue_first_letters()
    if not issued:
        return render_page(
            "views/fines/office/queue.html",
            items=hearing.queue(),
            status_label=status_label,
            without_letter=0,
            notice=_("Die Briefe aller neuen Vorgänge sind schon gedruckt."),
        ), 409
    audit.record_now(
        f"clerk:{_clerk()}",
        "fines.letters.issue",
        "fine_case",
        ",".join(str(letter.case.id) for letter in issued),
    )
    return file_response(
        render_letters([letter.content for letter in issued]),
        mimetype="application/pdf",
        filename=f"briefe-{city_today():%Y-%m-%d}.pdf",
    )


@bp.route("/fall/<int:case_id>/beweisfoto", methods=["POST"])
@clerk_required(Role.FINES)
def add_evidence(case_id: int) -> ResponseReturnValue:
    """Attach an evidence photo; the citizen sees it on the case page."""
    found = cases.get_case(case_id)
    if found is None:
        abort(404)
    photo = request.files.get("photo")
    if photo is None or not photo.filename:
        return redirect(url_for(".case", case_id=found.id))
    try:
        uploads.accept_upload(found, photo, evidence=True)
    except uploads.UploadRejected as problem:
        session["evidence_error"] = str(problem)
        return redirect(url_for(".case", case_id=found.id))
    cases.note_viewed(found, _clerk(), "Beweisfoto hinzugefügt")
    flash(_("Beweisfoto hinzugefügt. Die Bürgerin oder der Bürger sieht es im Vorgang."), "success")
    return redirect(url_for(".case", case_id=found.id))
