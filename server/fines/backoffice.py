"""The fine authority (Bußgeldstelle) in the back office: statements and nominations to decide,
each case with its whole history, letters for new cases."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, request, send_file, session, url_for
from flask.typing import ResponseReturnValue

from server.audit import log as audit
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.fines import cases, hearing, letters, uploads
from server.fines.forms import DecisionForm
from server.fines.letter_pdf import render_letter, render_letters
from server.fines.models import CaseStatus
from server.payments.money import euro
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
            if new_case is not None:
                return redirect(url_for(".case", case_id=new_case.id))
            return redirect(url_for(".queue"))
    receivable = cases.receivable_of(found)
    cases.note_viewed(found, _clerk())
    audit.record_now(f"clerk:{_clerk()}", "fines.case.view", "fine_case", found.id)
    return render_page(
        "views/fines/office/case.html",
        case=found,
        status=CaseStatus(found.status),
        form=form,
        error=error,
        statements=hearing.statements_of(found),
        uploads=hearing.uploads_of_case(found),
        receivable=receivable,
        balance=balance(receivable) if receivable else None,
        euro=euro,
    ), code


@bp.route("/anhang/<int:upload_id>")
@clerk_required(Role.FINES)
def attachment(upload_id: int) -> ResponseReturnValue:
    upload = uploads.get_upload(upload_id)
    if upload is None:
        abort(404)
    audit.record_now(f"clerk:{_clerk()}", "fines.attachment.download", "fine_upload", upload.id)
    return send_file(
        uploads.path_of(upload),
        mimetype=upload.content_type,
        download_name=upload.original_name,
        as_attachment=True,
    )


@bp.route("/fall/<int:case_id>/brief.pdf", methods=["POST"])
@clerk_required(Role.FINES)
def letter(case_id: int) -> ResponseReturnValue:
    """(Re)print the case's letter; new credentials make the old letter's codes invalid."""
    found = cases.get_case(case_id)
    if found is None:
        abort(404)
    audit.record_now(f"clerk:{_clerk()}", "fines.letter.issue", "fine_case", found.id)
    issued = letters.issue_letter(found)
    return file_response(
        render_letter(issued.content),
        mimetype="application/pdf",
        filename=f"{found.aktenzeichen}.pdf",
    )


@bp.route("/briefe.pdf", methods=["POST"])
@clerk_required(Role.FINES)
def new_letters() -> ResponseReturnValue:
    """All letters of cases that have none yet, in one PDF for the printing line."""
    pending = letters.cases_without_letter()
    if not pending:
        return redirect(url_for(".queue"))
    contents = [letters.issue_letter(found).content for found in pending]
    return file_response(
        render_letters(contents),
        mimetype="application/pdf",
        filename=f"briefe-{date.today():%Y-%m-%d}.pdf",
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
    return redirect(url_for(".case", case_id=found.id))
