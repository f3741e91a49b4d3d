"""What the person concerned is told when the fines office decides their case: by mail to the
address they gave in the hearing, and in the Postfach of every account that opened the case.
In the language they used for the hearing, with the Aktenzeichen and the case's address (which
opens with the letter's code or QR code)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.records import citizens_linked_to
from server.extensions import db
from server.fines.models import FineCase, HearingStatement
from server.i18n import speaking
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, put_in_postfach
from server.urls import public_url

# Kind of the account records linking a case to a citizen (server.fines.setup registers it).
CASE_RECORDS = "fine_cases"


def _what_it_means(decision: str) -> str:
    """By the decision's name in ``server.fines.hearing.Decision``."""
    return {
        "discontinue": _(
            "Die Bußgeldstelle hat das Verfahren eingestellt. Sie müssen das Verwarnungsgeld "
            "nicht zahlen."
        ),
        "continue": _(
            "Die Bußgeldstelle setzt das Verfahren fort. Sie erhalten einen Bußgeldbescheid per "
            "Post; das Verwarnungsgeld kann nicht mehr gezahlt werden."
        ),
        "forward": _(
            "Die Bußgeldstelle richtet das Verfahren gegen die Person, die Sie als Fahrerin oder "
            "Fahrer benannt haben. Für Sie ist der Vorgang abgeschlossen."
        ),
    }[decision]


def _latest_statement(case: FineCase) -> HearingStatement | None:
    return db.session.scalar(
        select(HearingStatement)
        .where(HearingStatement.case_id == case.id)
        .order_by(HearingStatement.received_at.desc(), HearingStatement.id.desc())
        .limit(1)
    )


def tell_decision(case: FineCase, decision: str) -> None:
    """In the decision's transaction: the notice exists exactly if the decision does."""
    statement = _latest_statement(case)
    recipient = statement.email if statement is not None and statement.email else None
    accounts = citizens_linked_to(CASE_RECORDS, case.id)
    if recipient is None and not accounts:
        return
    language = statement.language if statement is not None else "de"
    link = public_url("fines.case", aktenzeichen=case.aktenzeichen)
    with speaking(language):
        notice = Notice(
            subject=_("Entscheidung zum Aktenzeichen %(az)s", az=case.aktenzeichen),
            body="\n\n".join(
                [
                    _("Guten Tag,"),
                    _(
                        "über Ihren Vorgang mit dem Aktenzeichen %(az)s ist entschieden.",
                        az=case.aktenzeichen,
                    ),
                    _what_it_means(decision),
                    _(
                        "Den Vorgang sehen Sie hier: %(url)s (mit dem QR-Code oder dem "
                        "Zugangscode von Ihrem Schreiben).",
                        url=link,
                    ),
                    _(
                        "Bitte antworten Sie nicht auf diese E-Mail. Ein Einspruch gegen einen "
                        "Bußgeldbescheid ist per E-Mail nicht wirksam."
                    ),
                ]
            ),
            link=link,
        )
    if recipient is not None:
        queue_mail(recipient=recipient, subject=notice.subject, body=notice.body)
    for citizen_id in accounts:
        put_in_postfach(notice, citizen_id=citizen_id, mailed=recipient is not None)
