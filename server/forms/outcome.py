"""How a submission ended, as the citizen's pages tell it: the reason the clerk gave with a
negative status (``Status.negative``), and what the payments area paid back or closed."""

from __future__ import annotations

from flask_babel import gettext as _

from server.forms import receipt
from server.forms.engine import AWAITING_PAYMENT, FormDefinition
from server.forms.models import FormSubmission
from server.payments.models import Receivable
from server.payments.proof import RefundShown, refunds_shown
from server.payments.receivables import find_by_kassenzeichen


def receivable_of(submission: FormSubmission) -> Receivable | None:
    if not submission.kassenzeichen:
        return None
    return find_by_kassenzeichen(submission.kassenzeichen)


def refunds(submission: FormSubmission) -> list[RefundShown]:
    found = receivable_of(submission)
    return refunds_shown(found) if found is not None else []


def payable(submission: FormSubmission) -> bool:
    """Waiting for its payment, and the city has not closed the receivable (rejected or
    withdrawn meanwhile)."""
    if submission.status != AWAITING_PAYMENT.value:
        return False
    found = receivable_of(submission)
    return found is None or found.closed_at is None


def negative(definition: FormDefinition, submission: FormSubmission) -> bool:
    return definition.status(submission.status).negative


def reasons(definition: FormDefinition, submission: FormSubmission) -> list[tuple[str, str]]:
    """What the clerk entered, for the citizen, with the submission's current status (the
    reason of a rejection)."""
    entered = [event for event in submission.events if event.status == submission.status]
    return receipt.public_details(definition, entered[-1]) if entered else []


def withdrawal_refused(definition: FormDefinition, submission: FormSubmission) -> str:
    """Why the citizen cannot call the submission off now; empty while they can."""
    if definition.withdrawal is None:
        return ""
    status = definition.status(submission.status)
    if status.final:
        return str(_("Ihr Antrag ist schon abgeschlossen (%(status)s).", status=status.label))
    return str(definition.withdrawal.refused(submission) or "")


def withdrawal_offer(
    definition: FormDefinition, submission: FormSubmission
) -> tuple[str, str] | None:
    """The status page's offer to call the submission off: (button text, why not now, empty
    while it may); None once the submission has ended or for a service without it."""
    if definition.withdrawal is None or definition.status(submission.status).final:
        return None
    return str(definition.withdrawal.action), withdrawal_refused(definition, submission)
