"""A refund is news for whoever paid: a mail to the address known for the notice (the area's or
the linked account's, as for the proof of payment) and an entry in the Postfach of every account
linked to it, written in the refund's transaction, so once per refund; and so is its transfer
coming back (``refund_returns``), once per return."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from server.auth.records import citizens_linked_to
from server.formatting import euro
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, put_in_postfach
from server.payments.models import Receivable, Refund
from server.payments.proof import refund_way
from server.payments.proof_mail import receivable_link, recipient_of
from server.payments.references import format_kassenzeichen
from server.payments.refund_returns import ReturnedTransfer
from server.payments.return_reasons import reason_text


def _tell(receivable: Receivable, subject: str, paragraphs: list[str]) -> None:
    """Mail and Postfach, with the link to the notice's page; in the caller's transaction."""
    recipient = recipient_of(receivable)
    accounts = citizens_linked_to("receivables", receivable.id)
    if recipient is None and not accounts:
        return
    link = receivable_link(receivable)
    body = "\n\n".join(
        [_("Guten Tag,"), *paragraphs, _("Den Stand sehen Sie hier: %(url)s", url=link)]
    )
    notice = Notice(subject=subject, body=body, link=link)
    if recipient is not None:
        queue_mail(recipient=recipient, subject=notice.subject, body=notice.body)
    for citizen_id in accounts:
        put_in_postfach(notice, citizen_id=citizen_id, mailed=recipient is not None)


def tell_refund(receivable: Receivable, refund: Refund) -> None:
    kassenzeichen = format_kassenzeichen(receivable.kassenzeichen)
    with force_locale("de"):  # like the proof of payment: the city cash office's record
        _tell(
            receivable,
            _("Erstattung zum Kassenzeichen %(kz)s", kz=kassenzeichen),
            [
                _(
                    "die Stadtkasse erstattet Ihnen %(amount)s zum Kassenzeichen %(kz)s: %(way)s.",
                    amount=euro(refund.amount_cents),
                    kz=kassenzeichen,
                    way=refund_way(receivable, refund),
                )
            ],
        )


def tell_refund_returned(
    receivable: Receivable, refund: Refund, returned: ReturnedTransfer
) -> None:
    kassenzeichen = format_kassenzeichen(receivable.kassenzeichen)
    with force_locale("de"):
        _tell(
            receivable,
            _(
                "Erstattung zum Kassenzeichen %(kz)s: Überweisung zurückgekommen",
                kz=kassenzeichen,
            ),
            [
                _(
                    "die Überweisung Ihrer Erstattung von %(amount)s zum Kassenzeichen %(kz)s "
                    "ist zurückgekommen: Die Bank hat sie nicht gutgeschrieben (%(reason)s).",
                    amount=euro(refund.amount_cents),
                    kz=kassenzeichen,
                    reason=reason_text(returned.return_reason),
                ),
                _(
                    "Bitte nennen Sie der Stadtkasse eine Kontoverbindung. Die Erstattung geht "
                    "dann mit der nächsten Überweisung an Sie."
                ),
            ],
        )
