"""Where the proof of payment of an application's fee goes: the address the service asks for
(``FormDefinition.email_field``)."""

from __future__ import annotations

from server.forms.engine import FormDefinition
from server.forms.payment import submission_of
from server.payments.models import Receivable
from server.payments.proof_mail import register_proof_recipient


def proof_recipient(receivable: Receivable) -> str | None:
    found = submission_of(receivable)
    if found is None:
        return None
    definition, submission = found
    if definition.email_field is None:
        return None
    address = submission.answers.get(definition.email_field)
    return address if isinstance(address, str) and address else None


def register_proof_recipient_of(definition: FormDefinition) -> None:
    if definition.payment is not None:
        register_proof_recipient(definition.payment.purpose, proof_recipient)
