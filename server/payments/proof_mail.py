"""The proof of payment by mail, queued once.

The proof mail is queued by a settlement handler for every purpose, in the journal's transaction
that books the last missing cent (``events.register_any_settlement_handler``). The journal holds
the receivable's row until that transaction ends, so two reports of one payment (return page,
notification, poll, a statement) settle it once; a receivable settled a second time (paid again
after a returned debit) finds its proof mail already in the outbox and sends none.

Areas say where the proof goes (``register_proof_recipient``: the hearing's e-mail address, the
application's); a citizen account linked to the notice is asked last. Payments never imports
the areas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.models import Citizen, CitizenRecord
from server.auth.records import citizens_linked_to
from server.backends import Registry
from server.db import BULK_CHUNK, one_of
from server.extensions import db
from server.formatting import euro, german_date_time
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, put_in_postfach
from server.payments.events import Settled
from server.payments.models import Receivable
from server.payments.proof import PaymentProof, proof_of
from server.payments.proof_pdf import render_proof
from server.urls import public_url

log = get_logger("payments")

RecipientOf = Callable[[Receivable], "str | None"]
_recipients: Registry[RecipientOf] = Registry("proof recipient for purpose")


def register_proof_recipient(purpose: str, recipient: RecipientOf) -> None:
    """``recipient(receivable)`` gives the e-mail address the area knows for it, or None; one
    per purpose."""
    _recipients.register(purpose, recipient)


def _attachment_name(receivable: Receivable) -> str:
    return f"zahlungsbestaetigung-{receivable.kassenzeichen}.pdf"


def _account_email(receivable: Receivable) -> str | None:
    citizen = db.session.scalar(
        select(Citizen)
        .join(CitizenRecord, CitizenRecord.citizen_id == Citizen.id)
        .where(CitizenRecord.kind == "receivables", CitizenRecord.record_id == receivable.id)
        .order_by(Citizen.id)
    )
    if citizen is None:
        return None
    return citizen.email or citizen.login_email


_CHUNK = BULK_CHUNK  # values in one bulk read


def _account_emails(ids: Sequence[int]) -> dict[int, str | None] | None:
    """``_account_email`` of many receivables in one query per chunk (the receivables without a
    linked account are missing); None when the look-up failed (asked one by one then)."""
    ordered = sorted(set(ids))
    found: dict[int, str | None] = {}
    session = db.session
    try:
        with session.begin_nested():
            for start in range(0, len(ordered), _CHUNK):
                for record_id, email, login_email in session.execute(
                    select(CitizenRecord.record_id, Citizen.email, Citizen.login_email)
                    .join(Citizen, Citizen.id == CitizenRecord.citizen_id)
                    .where(
                        CitizenRecord.kind == "receivables",
                        one_of(session, CitizenRecord.record_id, ordered[start : start + _CHUNK]),
                    )
                    .order_by(CitizenRecord.record_id, Citizen.id)
                ):
                    found.setdefault(record_id, email or login_email)
    except Exception:
        log.exception("accounts of settled receivables not read")
        return None
    return found


def receivable_link(receivable: Receivable) -> str:
    return public_url("payments.receivable", kassenzeichen=receivable.kassenzeichen)


def recipient_of(
    receivable: Receivable, accounts: Mapping[int, str | None] | None = None
) -> str | None:
    """Where the proof goes: the address the area knows, else the linked account's (from
    ``accounts`` when the caller read them in bulk)."""
    own = _recipients.get(receivable.purpose)
    account: RecipientOf = (
        _account_email if accounts is None else (lambda found: accounts.get(found.id))
    )
    for recipient in [*([own] if own else []), account]:
        address = recipient(receivable)
        if address and "@" in address:
            return address.strip()
    return None


def _proof_key(receivable: Receivable) -> str:
    return f"proof:{receivable.id}"


def proof_mail_queued(receivable: Receivable) -> bool:
    return (
        db.session.scalar(
            select(OutboxMail.id).where(OutboxMail.dedupe_key == _proof_key(receivable))
        )
        is not None
    )


def mail_proofs(settled: Settled) -> None:
    """Settlement handler for every purpose: queue the proof of payment of each receivable once,
    if an address is known. Runs in the journal's transaction; a failure here never undoes the
    booking. The linked accounts' addresses are read for all receivables at once, and only the
    receivables someone is to be told of are read as objects: a statement settling thousands
    of notices nobody gave an address for costs one query per 5,000."""
    accounts = _account_emails(settled.ids)
    told = [
        receivable_id
        for receivable_id, purpose in settled.purposes.items()
        if accounts is None or accounts.get(receivable_id) or _recipients.get(purpose) is not None
    ]
    for receivable in settled.receivables(told):
        mail_proof(receivable, accounts)


def mail_proof(receivable: Receivable, accounts: Mapping[int, str | None] | None = None) -> None:
    """Queue the proof of payment of one receivable once, if an address is known."""
    session = db.session
    try:
        with session.begin_nested():
            recipient = recipient_of(receivable, accounts)
            if recipient is None or proof_mail_queued(receivable):
                return
            session.flush()
            with force_locale("de"):
                proof = proof_of(receivable)
                if proof is None:
                    return
                subject = _("Zahlungsbestätigung zum Kassenzeichen %(kz)s", kz=proof.kassenzeichen)
                body = proof_mail_body(proof)
                document = render_proof(proof)
            queue_mail(
                recipient=recipient,
                subject=subject,
                body=body,
                attachment_name=_attachment_name(receivable),
                attachment=document,
                dedupe_key=_proof_key(receivable),
            )
            for citizen_id in citizens_linked_to("receivables", receivable.id):
                put_in_postfach(
                    Notice(subject=subject, body=body, link=receivable_link(receivable)),
                    citizen_id=citizen_id,
                    mailed=True,
                )
            session.flush()
    except Exception:  # the booking stands; the proof stays on the page and as a PDF
        log.exception("proof of payment not queued", extra={"kz": receivable.kassenzeichen})
        return
    log.info("proof of payment queued", extra={"kassenzeichen": receivable.kassenzeichen})


def proof_mail_body(proof: PaymentProof) -> str:
    facts = "\n".join(
        [
            _("Kassenzeichen: %(kz)s", kz=proof.kassenzeichen),
            _("Zahlungsgrund: %(text)s", text=proof.description),
            _("Betrag: %(amount)s", amount=euro(proof.amount_cents)),
            _("Bezahlt am: %(when)s", when=german_date_time(proof.paid_at)),
            _("Zahlungsweg: %(way)s", way=proof.way),
            _("Referenz: %(reference)s", reference=proof.reference),
        ]
    )
    return "\n\n".join(
        [
            _("Guten Tag,"),
            _("Ihre Zahlung ist eingegangen und verbucht:"),
            facts,
            _("Die Zahlungsbestätigung liegt als PDF bei."),
        ]
    )
