"""The back-office inbox of each form service, for the role its definition names: the list with
filters (status, the definition's facets such as the daycare, date ranges such as the start),
each submission with its answers and files, and the status a clerk sets, which the citizen sees.
Every view of a submission, download and decision is in the audit log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.audit import log as audit
from server.auth.session import clerk_required, current_clerk
from server.formatting import euro
from server.forms import payment, receipt, submissions
from server.forms import uploads as form_uploads
from server.forms.engine import FormDefinition
from server.forms.labels import register_forms_labels
from server.forms.models import FormSubmission
from server.forms.registry import DEFINITIONS, get_definition
from server.forms.submissions import InboxFilter
from server.payments.refunds import RefundError
from server.rendering import file_response, render_page

bp = Blueprint("forms_office", __name__, url_prefix="/verwaltung/antraege")
# The audit log's page names the engine's actions once the back office of the forms is there.
bp.record_once(lambda _state: register_forms_labels())


def _clerk_name() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return clerk.username


def _definition_for_clerk(service: str) -> FormDefinition:
    definition = get_definition(service)
    clerk = current_clerk()
    if definition is None:
        abort(404)
    if clerk is None or not clerk.has_role(definition.role):
        abort(403)
    return definition


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _criteria(definition: FormDefinition) -> tuple[InboxFilter, dict[str, str], list[str]]:
    """The filter from the query string; unreadable dates are reported, not guessed."""
    values: dict[str, str] = {}
    problems: list[str] = []
    facets: dict[str, str] = {}
    date_from: dict[str, date] = {}
    date_to: dict[str, date] = {}
    status = request.args.get("status", "")
    if status not in {s.value for s in definition.statuses}:
        status = ""
    values["status"] = status
    for facet in definition.facets:
        spec = definition.fields_with_facet(facet)[0]
        if spec.dated:
            for suffix, target in (("von", date_from), ("bis", date_to)):
                raw = request.args.get(f"{facet}_{suffix}", "").strip()
                values[f"{facet}_{suffix}"] = raw
                if raw:
                    day = _day(raw)
                    if day is None:
                        problems.append(_("„%(value)s“ ist kein Datum.", value=raw))
                    else:
                        target[facet] = day
        else:
            raw = request.args.get(facet, "").strip()[:200]
            values[facet] = raw
            if raw:
                facets[facet] = raw
    return (
        InboxFilter(definition.slug, status, facets, date_from, date_to),
        values,
        problems,
    )


@bp.route("/<service>/")
@clerk_required()
def inbox(service: str) -> ResponseReturnValue:
    definition = _definition_for_clerk(service)
    criteria, values, problems = _criteria(definition)
    items = submissions.inbox(criteria)
    audit.record_now(f"clerk:{_clerk_name()}", "forms.inbox.view", "form_service", definition.slug)
    return render_page(
        "views/forms/office/inbox.html",
        definition=definition,
        items=items,
        values=values,
        problems=problems,
        filters=[(facet, definition.fields_with_facet(facet)[0]) for facet in definition.facets],
        columns=[definition.field(name) for name in definition.list_fields],
        display=receipt.display,
    ), 422 if problems else 200


def _submission(definition: FormDefinition, submission_id: int) -> FormSubmission:
    found = submissions.get_submission(submission_id)
    if found is None or found.service != definition.slug:
        abort(404)
    return found


@bp.route("/<service>/<int:submission_id>", methods=["GET", "POST"])
@clerk_required()
def submission(service: str, submission_id: int) -> ResponseReturnValue:
    definition = _definition_for_clerk(service)
    found = _submission(definition, submission_id)
    errors: dict[str, str] = {}
    chosen = found.status
    if request.method == "POST":
        chosen = request.form.get("status", "")
        target = definition.status(chosen)
        try:
            changed = submissions.change_status(
                found,
                chosen,
                clerk=_clerk_name(),
                note=request.form.get("note", ""),
                inputs={
                    spec.name: request.form.get(f"{chosen}-{spec.name}", "")
                    for spec in target.inputs
                },
            )
        except submissions.StatusError as refused:
            errors = {
                (name if name == "status" else f"{chosen}-{name}"): message
                for name, message in refused.errors.items()
            }
        except RefundError:
            errors = {
                "status": _(
                    "Die Erstattung ist nicht möglich. Bitte wenden Sie sich an die Stadtkasse."
                )
            }
        else:
            if changed:
                flash(_("Stand gespeichert: %(status)s.", status=target.label), "success")
            else:
                flash(_("Dieser Stand ist schon gesetzt."), "info")
            return redirect(url_for(".submission", service=service, submission_id=found.id))
    audit.record_now(f"clerk:{_clerk_name()}", "forms.submission.view", "form_submission", found.id)
    paid = payment.payment_state(definition, found)
    return render_page(
        "views/forms/office/submission.html",
        definition=definition,
        submission=found,
        status=definition.status(found.status),
        sections=receipt.sections(definition, found.answers, found.uploads),
        events=[
            (event, definition.status(event.status), receipt.public_details(definition, event))
            for event in found.events
        ],
        errors=errors,
        chosen=chosen,
        values=request.form if request.method == "POST" else {},
        awaiting=payment.awaiting(found),
        fee_rows=[(label, euro(cents)) for label, cents in receipt.fee_rows(definition, found)],
        fee_total=euro(found.fee_cents or 0),
        paid=euro(paid.paid_cents) if paid is not None else "",
    ), 422 if errors else 200


@bp.route("/datei/<int:upload_id>")
@clerk_required()
def attachment(upload_id: int) -> ResponseReturnValue:
    clerk = current_clerk()
    if clerk is None or not any(clerk.has_role(d.role) for d in DEFINITIONS.values()):
        abort(403)
    upload = form_uploads.get_upload(upload_id)
    # Another service's upload answers like a missing one: the 403 would tell which ids exist.
    if upload is None or upload.submission is None:
        abort(404)
    definition = get_definition(upload.submission.service)
    if definition is None or not clerk.has_role(definition.role):
        abort(404)
    audit.record_now(
        f"clerk:{_clerk_name()}", "forms.attachment.download", "form_upload", upload.id
    )
    return file_response(
        form_uploads.content_of(upload),
        mimetype=upload.content_type,
        filename=upload.original_name,
    )


@bp.route("/<service>/<int:submission_id>/eingangsbestaetigung.pdf")
@clerk_required()
def receipt_pdf(service: str, submission_id: int) -> ResponseReturnValue:
    definition = _definition_for_clerk(service)
    found = _submission(definition, submission_id)
    audit.record_now(
        f"clerk:{_clerk_name()}", "forms.receipt.download", "form_submission", found.id
    )
    return file_response(
        receipt.render(definition, found),
        mimetype="application/pdf",
        filename=f"eingangsbestaetigung-{found.reference}.pdf",
        inline=True,
    )
