"""The cash office (Stadtkasse) in the back office: receivables and their journals, statement
import, the clarification queue, the day's export and the refund transfer file."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.audit import log as audit
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.formatting import city_today, euro
from server.payments import clarifications, refund_accounts
from server.payments.direct_debits import direct_debit_file, last_debit_file
from server.payments.display import receivable_title
from server.payments.forms import RefundAccountForm
from server.payments.iban import transfer_iban
from server.payments.journal import ReceivableStatus
from server.payments.labels import (
    closing_label,
    decided_label,
    kind_label,
    reason_label,
    receivable_status_label,
    source_label,
    state_label,
)
from server.payments.models import ClarificationReason, ClarificationState
from server.payments.receivables import (
    balance,
    find_by_kassenzeichen,
    get_receivable,
    list_receivables,
)
from server.payments.refunds import credit_transfer_file, last_transfer_file, pending_transfers
from server.payments.return_reasons import reason_text
from server.payments.statement_import import import_statement_file
from server.payments.statements.model import StatementError
from server.rendering import file_response, render_page

bp = Blueprint("cash_office", __name__, url_prefix="/verwaltung/kasse")


def _clerk_name() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return clerk.username


# The state each of the page's buttons decides.
ACTION_STATES = {
    "assign": ClarificationState.ASSIGNED.value,
    "refund": ClarificationState.REFUNDED.value,
    "write_off": ClarificationState.WRITTEN_OFF.value,
    "accept": ClarificationState.ACCEPTED.value,
}

# The decision the queue suggests for each reason (the clerk may decide otherwise).
SUGGESTED = {
    ClarificationReason.UNKNOWN_REFERENCE.value: "assign",
    ClarificationReason.OVERPAYMENT.value: "refund",
    ClarificationReason.DUPLICATE_PAYMENT.value: "refund",
    ClarificationReason.PAYMENT_ON_CLOSED.value: "refund",
    ClarificationReason.PARTIAL_PAYMENT.value: "accept",
    ClarificationReason.RETURNED_DEBIT.value: "accept",
}


@bp.route("/")
@clerk_required(Role.CASH_OFFICE)
def receivables() -> ResponseReturnValue:
    return _receivables_page()


def _receivables_page(notice: str | None = None) -> ResponseReturnValue:
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in ReceivableStatus}:
        status = None
    rows = list_receivables(ReceivableStatus(status) if status else None)
    return render_page(
        "views/payments/backoffice/receivables.html",
        rows=rows,
        euro=euro,
        status=status,
        statuses=list(ReceivableStatus),
        status_label=receivable_status_label,
        open_clarifications=clarifications.count_open(),
        pending_refunds=len(pending_transfers()),
        refunds_without_account=refund_accounts.count_waiting(),
        today=city_today(),
        notice=notice,
    ), (409 if notice else 200)


@bp.route("/sollstellungen/<int:receivable_id>")
@clerk_required(Role.CASH_OFFICE)
def journal(receivable_id: int) -> ResponseReturnValue:
    found = get_receivable(receivable_id)
    if found is None:
        abort(404)
    audit.record_now(f"clerk:{_clerk_name()}", "payments.receivable.view", "receivable", found.id)
    return render_page(
        "views/payments/backoffice/journal.html",
        receivable=found,
        balance=balance(found),
        euro=euro,
        kind_label=kind_label,
        source_label=source_label,
        status_label=receivable_status_label,
        closing_label=closing_label,
        title=receivable_title(found),
    )


@bp.route("/kontoauszug", methods=["GET", "POST"])
@clerk_required(Role.CASH_OFFICE)
def statement_upload() -> ResponseReturnValue:
    if request.method == "GET":
        return render_page("views/payments/backoffice/statement.html", result=None, error=None)
    upload = request.files.get("statement")
    if upload is None or not upload.filename:
        return render_page(
            "views/payments/backoffice/statement.html",
            result=None,
            error=_("Wählen Sie eine Datei mit einem Kontoauszug aus."),
        ), 422
    try:
        result = import_statement_file(
            upload.read(), filename=upload.filename, imported_by=_clerk_name()
        )
    except StatementError as error:
        message = _("Die Datei wurde nicht verbucht: %(reason)s", reason=str(error))
        return render_page(
            "views/payments/backoffice/statement.html", result=None, error=message
        ), 422
    return render_page(
        "views/payments/backoffice/statement.html",
        result=result,
        error=None,
        filename=upload.filename,
        euro=euro,
    )


@bp.route("/klaerung")
@clerk_required(Role.CASH_OFFICE)
def clarification_queue() -> ResponseReturnValue:
    return render_page(
        "views/payments/backoffice/clarifications.html",
        items=clarifications.list_clarifications(),
        euro=euro,
        reason_label=reason_label,
        return_reason_text=reason_text,
    )


@bp.route("/klaerung/<int:clarification_id>", methods=["GET", "POST"])
@clerk_required(Role.CASH_OFFICE)
def clarification(clarification_id: int) -> ResponseReturnValue:
    item = clarifications.get_clarification(clarification_id)
    if item is None:
        abort(404)
    error = None
    code = 200
    if request.method == "POST":
        action = request.form.get("action")
        note = request.form.get("note", "").strip()
        try:
            if action == "assign":
                target = find_by_kassenzeichen(request.form.get("kassenzeichen", ""))
                if target is None:
                    raise clarifications.DecisionError(
                        _("Zu diesem Kassenzeichen gibt es keine Sollstellung.")
                    )
                clarifications.assign(item, target, clerk=_clerk_name(), note=note)
            elif action == "refund":
                clarifications.refund(item, clerk=_clerk_name(), note=note)
            elif action == "write_off":
                if not note:
                    raise clarifications.DecisionError(_("Geben Sie einen Grund an."))
                clarifications.write_off(item, clerk=_clerk_name(), reason=note)
            elif action == "accept":
                clarifications.accept(item, clerk=_clerk_name(), note=note)
            else:
                abort(400)
        except clarifications.AlreadyDecided as problem:
            # The page shows the decision that won.
            error, code = str(problem), 409
        except clarifications.DecisionError as problem:
            error, code = str(problem), 422
        else:
            flash(
                _(
                    "Klärungsfall %(id)s: %(decision)s.",
                    id=item.id,
                    decision=decided_label(ACTION_STATES.get(action or "", "")),
                ),
                "success",
            )
            return redirect(url_for(".clarification_queue"))
    receivable = item.receivable
    return render_page(
        "views/payments/backoffice/clarification.html",
        item=item,
        euro=euro,
        reason_label=reason_label,
        return_reason_text=reason_text,
        state_label=state_label,
        closing_label=closing_label,
        suggested=SUGGESTED.get(item.reason),
        balance=balance(receivable) if receivable else None,
        error=error,
        decided=item.state != ClarificationState.OPEN.value,
    ), code


@bp.route("/export")
@clerk_required(Role.CASH_OFFICE)
def export() -> ResponseReturnValue:
    from server.payments.export import export_bookings

    try:
        day = date.fromisoformat(request.args.get("datum", ""))
    except ValueError:
        day = city_today()
    output = "json" if request.args.get("format") == "json" else "csv"
    audit.record_now(f"clerk:{_clerk_name()}", "payments.export", "bookings", day.isoformat())
    content = export_bookings(day, output)
    mimetype = "application/json" if output == "json" else "text/csv"
    return file_response(
        content, mimetype=mimetype, filename=f"buchungen-{day.isoformat()}.{output}"
    )


@bp.route("/lastschriften", methods=["POST"])
@clerk_required(Role.CASH_OFFICE)
def direct_debits() -> ResponseReturnValue:
    """The due SEPA direct debits as a pain.008 file, each in one file only."""
    made = direct_debit_file(clerk=_clerk_name())
    if made is None:
        # Nothing waiting: also what a second click gets while the first downloads the file.
        last = last_debit_file()
        return _receivables_page(
            _(
                "Alle Lastschriften sind schon exportiert, zuletzt in der Lastschriftdatei "
                "%(file)s.",
                file=last,
            )
            if last
            else _("Keine Lastschrift wartet auf eine Lastschriftdatei.")
        )
    name, content, _count = made
    audit.record_now(f"clerk:{_clerk_name()}", "payments.direct_debit_file", "file", name)
    return file_response(content, mimetype="application/xml", filename=name)


@bp.route("/erstattungen", methods=["POST"])
@clerk_required(Role.CASH_OFFICE)
def credit_transfers() -> ResponseReturnValue:
    made = credit_transfer_file(city_today(), clerk=_clerk_name())
    if made is None:
        # Nothing waiting: also what a second click gets while the first downloads the file.
        last = last_transfer_file()
        return _receivables_page(
            _(
                "Alle Erstattungen sind schon exportiert, zuletzt in der Überweisungsdatei "
                "%(file)s.",
                file=last,
            )
            if last
            else _("Keine Erstattung wartet auf eine Überweisungsdatei.")
        )
    name, content, _count = made
    return file_response(content, mimetype="application/xml", filename=name)


@bp.route("/erstattungen/ohne-konto")
@clerk_required(Role.CASH_OFFICE)
def refunds_without_account() -> ResponseReturnValue:
    return render_page(
        "views/payments/backoffice/refunds_without_account.html",
        waiting=refund_accounts.waiting_for_account(),
        euro=euro,
    )


@bp.route("/erstattungen/<int:refund_id>/konto", methods=["GET", "POST"])
@clerk_required(Role.CASH_OFFICE)
def refund_account(refund_id: int) -> ResponseReturnValue:
    """The account the citizen named for a refund: it goes with the next credit transfer file."""
    waiting = refund_accounts.find(refund_id)
    if waiting is None:
        abort(404)
    form = RefundAccountForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _refund_account_page(waiting, form), (422 if form.errors else 200)
    if not refund_accounts.give_account(
        refund_id,
        name=form.kontoinhaber.data or "",
        iban=transfer_iban(form.iban.data or ""),
        clerk=_clerk_name(),
    ):
        problem = _(
            "Für diese Erstattung ist schon ein Konto angegeben; sie geht mit der nächsten "
            "Überweisungsdatei oder ist schon exportiert."
        )
        return _refund_account_page(refund_accounts.find(refund_id) or waiting, form, problem), 409
    flash(
        _(
            "Die Erstattung geht mit der nächsten Überweisungsdatei an %(name)s.",
            name=form.kontoinhaber.data,
        ),
        "success",
    )
    return redirect(url_for(".refunds_without_account"))


def _refund_account_page(
    refund: refund_accounts.CashOfficeRefund, form: RefundAccountForm, problem: str | None = None
) -> str:
    return render_page(
        "views/payments/backoffice/refund_account.html",
        refund=refund,
        form=form,
        problem=problem,
        euro=euro,
    )
