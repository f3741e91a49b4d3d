"""PDFs the citizen takes away: the receipt of a statement and the Einspruch form."""

from __future__ import annotations

from flask_babel import force_locale

from server.db import as_utc
from server.fines.cases import authority_address
from server.fines.hearing import receipt_reference
from server.fines.models import FineCase, HearingStatement, StatementKind
from server.fines.objection_pdf import ObjectionLetter, render_objection
from server.fines.privacy import PRIVACY
from server.fines.receipt_pdf import StatementReceipt, render_receipt
from server.formatting import german_date
from server.mail.attachments import later
from server.urls import public_url

#: The kind of the mailed receipt's attachment, drawn when the mail is sent.
STATEMENT_RECEIPT = "fine-statement-receipt"


def _size(size: int) -> str:
    return (
        f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
        if size >= 1024 * 1024
        else f"{max(1, round(size / 1024))} KB"
    )


def receipt(case: FineCase, statement: HearingStatement) -> bytes:
    with force_locale("de"):  # an official paper, in German whatever the page's language
        privacy = PRIVACY.receipt_facts(public_url("fines.privacy"))
    born = statement.person_birth_date
    driver_born = statement.driver_birth_date
    return render_receipt(
        StatementReceipt(
            authority_name=authority_address()[0],
            authority_lines=authority_address(),
            aktenzeichen=case.aktenzeichen or "",
            received_at=as_utc(statement.received_at),
            kind=statement.kind,
            statement_text=statement.text,
            person_lines=(
                statement.person_name,
                statement.person_street,
                statement.person_postcode_city,
                *([f"geboren am {german_date(born)}"] if born else []),
            ),
            driver_lines=(
                statement.driver_name or "",
                statement.driver_street or "",
                statement.driver_postcode_city or "",
                *([f"geboren am {german_date(driver_born)}"] if driver_born else []),
            )
            if statement.kind == StatementKind.NOMINATE.value
            else (),
            attachments=tuple(f"{u.original_name} ({_size(u.size)})" for u in statement.uploads),
            late=statement.late,
            reference=receipt_reference(statement, case),
            privacy=privacy,
        )
    )


def objection(case: FineCase) -> bytes:
    return render_objection(
        ObjectionLetter(
            sender_lines=(case.holder_name, case.holder_street, case.holder_postcode_city),
            authority_lines=authority_address(),
            aktenzeichen=case.aktenzeichen or "",
        )
    )


def mail_confirmation(case: FineCase, statement: HearingStatement) -> None:
    """The receipt by e-mail to the address the citizen gave (delivered by the outbox)."""
    from server.extensions import db
    from server.mail.outbox import queue_mail

    with db.transaction():
        queue_mail(
            recipient=statement.email or "",
            subject=f"Eingangsbestätigung – Aktenzeichen {case.aktenzeichen}",
            body=(
                "Guten Tag,\n\n"
                f"Ihre Äußerung zum Aktenzeichen {case.aktenzeichen} ist eingegangen. "
                "Die Eingangsbestätigung ist angehängt. Die Bußgeldstelle prüft Ihre Äußerung "
                "und teilt Ihnen die Entscheidung mit.\n\n"
                "Bitte antworten Sie nicht auf diese E-Mail. Ein Einspruch gegen einen "
                "Bußgeldbescheid ist per E-Mail nicht wirksam.\n\n"
                f"{authority_address()[0]}\n"
            ),
            attachment_name=f"eingangsbestaetigung-{case.aktenzeichen}.pdf",
            attachment_source=later(STATEMENT_RECEIPT, statement.id),
        )


def statement_receipt(statement_id: int) -> bytes:
    """The receipt's PDF for the outbox's sender (``STATEMENT_RECEIPT``)."""
    from server.extensions import db

    statement = db.session.get_one(HearingStatement, statement_id)
    return receipt(db.session.get_one(FineCase, statement.case_id), statement)
