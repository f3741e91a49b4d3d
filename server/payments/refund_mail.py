"""A refund is news for whoever paid: a mail to the address known for the notice (the area's or
the linked account's, as for the proof of payment) and an entry in the Postfach of every account
linked to it, written in the refund's transaction, so once per refund."""

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


def tell_refund(receivable: Receivable, refund: Refund) -> None:
    recipient = recipient_of(receivable)
    accounts = citizens_linked_to("receivables", receivable.id)
    if recipient is None and not accounts:
        return
    link = receivable_link(receivable)
    kassenzeichen = format_kassenzeichen(receivable.kassenzeichen)
    with force_locale("de"):  # like the proof of payment: the city cash office's record
        notice = Notice(
            subject=_("Erstattung zum Kassenzeichen %(kz)s", kz=kassenzeichen),
            body="\n\n".join(
                [
                    _("Guten Tag,"),
                    _(
                        "die Stadtkasse erstattet Ihnen %(amount)s zum Kassenzeichen %(kz)s: "
                        "%(way)s.",
                        amount=euro(refund.amount_cents),
                        kz=kassenzeichen,
                        way=refund_way(receivable, refund),
                    ),
                    _("Den Stand sehen Sie hier: %(url)s", url=link),
                ]
            ),
            link=link,
        )
    if recipient is not None:
        queue_mail(recipient=recipient, subject=notice.subject, body=notice.body)
    for citizen_id in accounts:
        put_in_postfach(notice, citizen_id=citizen_id, mailed=recipient is not None)
