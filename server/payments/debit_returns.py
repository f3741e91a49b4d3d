"""Returned direct debits (Rücklastschriften): the reason codes in words, which of them make a
mandate unusable, and the citizen's mail that the debit came back and how to pay now.

The statement import (``statement_import``) books a return: the collection becomes
``returned`` by a conditional update (once, however often the return is read), the payment is
reversed so the receivable is open again, a Klärungsfall tells the cash office why, and this
module's mail tells the citizen, queued in the import's transaction with a key of its own (one
mail per collection). A returned collection is never asked for again by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.records import citizens_linked_to
from server.backends import Registry
from server.formatting import euro
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, put_in_postfach
from server.payments.models import Receivable
from server.payments.proof_mail import receivable_link, recipient_of
from server.payments.references import format_kassenzeichen
from server.payments.return_reasons import reason_text
from server.payments.transfer import beneficiary

# After these the mandate cannot be used any more: the account is gone or blocked, there is no
# valid mandate, the debtor objected or died. A shortage of money (AM04) or an unnamed reason
# (MS02, MS03) leaves it usable for the next year's collection.
REVOKING = frozenset({"AC01", "AC04", "AC06", "AG01", "MD01", "MD02", "MD06", "MD07"})


def revokes_mandate(code: str | None) -> bool:
    return (code or "").upper() in REVOKING


RecipientOf = Callable[[Receivable], "str | None"]
_recipients: Registry[RecipientOf] = Registry("debit return recipient for purpose")


def register_return_recipient(purpose: str, recipient: RecipientOf) -> None:
    """Where the area sends news about its receivables of ``purpose`` (the address given on the
    application); without one the proof of payment's recipient is asked."""
    _recipients.register(purpose, recipient)


def _recipient(receivable: Receivable) -> str | None:
    own = _recipients.get(receivable.purpose)
    address = own(receivable) if own else None
    if address and "@" in address:
        return address.strip()
    return recipient_of(receivable)


def mail_key(debit_id: int) -> str:
    return f"debit-returned:{debit_id}"


def tell_debit_returned(
    session: Session,
    receivable: Receivable,
    *,
    debit_id: int,
    amount_cents: int,
    reason: str | None,
    open_cents: int,
) -> None:
    """In the import's transaction: the mail (once per collection) and a Postfach entry for
    every account linked to the receivable."""
    key = mail_key(debit_id)
    if session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)):
        return
    recipient = _recipient(receivable)
    accounts = citizens_linked_to("receivables", receivable.id)
    if recipient is None and not accounts:
        return
    link = receivable_link(receivable)
    kassenzeichen = format_kassenzeichen(receivable.kassenzeichen)
    payee = beneficiary()
    iban = payee.iban.replace(" ", "")
    with force_locale("de"):  # like the proof of payment: the city cash office's record
        notice = Notice(
            subject=_("Lastschrift zum Kassenzeichen %(kz)s zurückgegeben", kz=kassenzeichen),
            body="\n\n".join(
                [
                    _("Guten Tag,"),
                    _(
                        "Ihre Bank hat die Lastschrift über %(amount)s zum Kassenzeichen %(kz)s "
                        "(%(description)s) zurückgegeben. Grund: %(reason)s.",
                        amount=euro(amount_cents),
                        kz=kassenzeichen,
                        description=receivable.description,
                        reason=reason_text(reason),
                    ),
                    _(
                        "Der Betrag von %(amount)s ist damit wieder offen. Wir ziehen ihn nicht "
                        "noch einmal ein.",
                        amount=euro(open_cents),
                    ),
                    _(
                        "Bitte zahlen Sie online oder per Überweisung (mit GiroCode) auf dieser "
                        "Seite: %(url)s",
                        url=link,
                    ),
                    _(
                        "Oder überweisen Sie an %(payee)s, IBAN %(iban)s, Verwendungszweck: "
                        "Kassenzeichen %(kz)s.",
                        payee=payee.name,
                        iban=" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
                        kz=receivable.kassenzeichen,
                    ),
                ]
            ),
            link=link,
        )
    if recipient is not None:
        queue_mail(
            recipient=recipient,
            subject=notice.subject,
            body=notice.body,
            dedupe_key=key,
        )
    for citizen_id in accounts:
        put_in_postfach(notice, citizen_id=citizen_id, mailed=recipient is not None)
