"""Where the proof of payment of an application's fee goes: the address the service asks for
(``FormDefinition.email_field``)."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.forms.models import FormSubmission
from server.forms.registry import DEFINITIONS
from server.payments.models import Receivable
from server.payments.proof import register_proof_recipient


def proof_recipient(receivable: Receivable) -> str | None:
    if not receivable.purpose_ref:
        return None
    submission = db.session.scalar(
        select(FormSubmission).where(FormSubmission.reference == receivable.purpose_ref)
    )
    if submission is None:
        return None
    definition = DEFINITIONS.get(submission.service)
    if definition is None or definition.payment is None or definition.email_field is None:
        return None
    if definition.payment.purpose != receivable.purpose:
        return None
    address = submission.answers.get(definition.email_field)
    return address if isinstance(address, str) and address else None


def register_proof_recipients() -> None:
    for definition in DEFINITIONS.values():
        if definition.payment is not None:
            register_proof_recipient(definition.payment.purpose, proof_recipient)
