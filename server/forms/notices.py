"""What a citizen is told about a submission, by mail (to the service's e-mail answer) and in
their Postfach (when they sent it logged in): on receipt and on every status a clerk sets.
In the language they sent in, with the reference and a link that opens the status page on any
device (it carries the Abrufcode)."""

from __future__ import annotations

from flask_babel import gettext as _

from server.extensions import db
from server.forms import receipt
from server.forms.engine import FormDefinition
from server.forms.models import FormStatusEvent, FormSubmission
from server.forms.registry import get_definition
from server.i18n import speaking
from server.mail.attachments import later
from server.mail.postfach import Notice, tell
from server.urls import public_url

#: The kind of the confirmation's receipt, drawn when the mail is sent (a PDF takes tens of
#: milliseconds: the citizen's submission does not wait for it).
RECEIPT = "form-receipt"


def receipt_attachment(submission_id: int) -> bytes:
    """The receipt's PDF for the outbox's sender (``RECEIPT``)."""
    submission = db.session.get_one(FormSubmission, submission_id)
    definition = get_definition(submission.service)
    if definition is None:
        raise LookupError(f"no form definition {submission.service!r}")
    return receipt.render(definition, submission)


def status_link(submission: FormSubmission) -> str:
    """The status page's address with the Abrufcode: it opens in any browser."""
    return public_url("forms_status.link", code=submission.status_code or "-")


def _recipient(definition: FormDefinition, submission: FormSubmission) -> str | None:
    if definition.email_field is None:
        return None
    address = submission.answers.get(definition.email_field)
    return address if isinstance(address, str) and address else None


def _access_lines(submission: FormSubmission) -> list[str]:
    return [
        _("Den Stand sehen Sie jederzeit hier: %(url)s", url=status_link(submission)),
        _(
            "Oder geben Sie unter %(url)s die Eingangsnummer %(reference)s und den Abrufcode "
            "%(code)s ein.",
            url=public_url("forms_status.lookup"),
            reference=submission.reference,
            code=submission.status_code,
        ),
    ]


def _highlights(definition: FormDefinition, submission: FormSubmission) -> list[str]:
    """What the status page names besides the status (the pickup day, until when to cancel),
    as of this mail."""
    if definition.highlights is None:
        return []
    lines = [f"{label}: {value}" for label, value in definition.highlights(submission)]
    return ["\n".join(lines)] if lines else []


def tell_received(definition: FormDefinition, submission: FormSubmission) -> None:
    """The confirmation with the receipt; in the caller's transaction."""
    with speaking(submission.language):
        notice = Notice(
            subject=_(
                "%(service)s: Eingangsnummer %(reference)s",
                service=definition.title,
                reference=submission.reference,
            ),
            body="\n\n".join(
                [
                    _("Guten Tag,"),
                    _(
                        "Ihr Antrag „%(service)s“ ist eingegangen. Ihre Eingangsnummer ist "
                        "%(reference)s.",
                        service=definition.title,
                        reference=submission.reference,
                    ),
                    *_highlights(definition, submission),
                    *[str(step) for step in definition.next_steps],
                    *_access_lines(submission),
                    _("Die Eingangsbestätigung liegt als PDF bei."),
                ]
            ),
            link=status_link(submission),
            attachment_name=f"eingangsbestaetigung-{submission.reference}.pdf",
            attachment_source=later(RECEIPT, submission.id),
        )
    tell(notice, recipient=_recipient(definition, submission), citizen_id=submission.citizen_id)


def tell_status(
    definition: FormDefinition, submission: FormSubmission, event: FormStatusEvent
) -> None:
    """A clerk set a status: what it is now and what the clerk entered for the citizen; in the
    caller's transaction (the one that records the status)."""
    status = definition.status(event.status)
    with speaking(submission.language):
        details = [
            f"{label}: {value}" for label, value in receipt.public_details(definition, event)
        ]
        notice = Notice(
            subject=_(
                "%(service)s %(reference)s: %(status)s",
                service=definition.title,
                reference=submission.reference,
                status=status.label,
            ),
            body="\n\n".join(
                [
                    _("Guten Tag,"),
                    _(
                        "der Stand Ihres Antrags „%(service)s“ mit der Eingangsnummer "
                        "%(reference)s hat sich geändert. Neuer Stand: %(status)s.",
                        service=definition.title,
                        reference=submission.reference,
                        status=status.label,
                    ),
                    *(["\n".join(details)] if details else []),
                    *_highlights(definition, submission),
                    *_access_lines(submission),
                ]
            ),
            link=status_link(submission),
        )
    tell(notice, recipient=_recipient(definition, submission), citizen_id=submission.citizen_id)
