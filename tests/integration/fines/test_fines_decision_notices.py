"""The person concerned hears of the fines office's decision: by mail to the address they gave in
the hearing (in the hearing's language) and in the Postfach of an account that opened the case;
once, however often the decision is clicked."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.fines.cases import find_by_aktenzeichen
from server.fines.hearing import AlreadyDecided, Decision, decide
from server.mail.models import OutboxMail, PostfachMessage
from tests.checking_client import CheckingClient, checking_client
from tests.integration.fines.test_fines_hearing import opened, submit
from tests.integration.forms.test_forms import log_in_citizen, make_citizen


def decision_mails(app: Flask, recipient: str) -> list[OutboxMail]:
    with app.app_context():
        return [
            mail
            for mail in db.session.scalars(
                select(OutboxMail).where(OutboxMail.recipient == recipient).order_by(OutboxMail.id)
            )
            if mail.subject.startswith(("Entscheidung", "Decision"))
        ]


def clerk_decides(app: Flask, aktenzeichen: str, decision: str) -> None:
    with app.app_context():
        case = find_by_aktenzeichen(aktenzeichen)
        assert case is not None
        decide(case, decision, clerk="anna")


def test_a_discontinued_case_is_mailed_once_to_the_hearings_address(
    client: CheckingClient,
) -> None:
    app = client.application
    case = opened(client)
    sent = submit(client, case, kind="contest", text="Ich stand nicht dort.", email="e@example.de")
    assert sent.status_code == 302
    clerk_decides(app, case["aktenzeichen"], Decision.DISCONTINUE)
    with pytest.raises(AlreadyDecided):
        clerk_decides(app, case["aktenzeichen"], Decision.DISCONTINUE)
    (mail,) = decision_mails(app, "e@example.de")
    assert case["aktenzeichen"] in mail.subject
    assert "Verfahren eingestellt" in mail.body
    assert f"/bussgeld/fall/{case['aktenzeichen']}" in mail.body


def test_the_decision_speaks_the_hearings_language_and_reaches_the_account(
    client: CheckingClient,
) -> None:
    app = client.application
    citizen_id = make_citizen(app)
    log_in_citizen(client, citizen_id)
    client.set_cookie("portal_lang", "en")
    case = opened(client)  # opened while logged in: linked to the account
    sent = submit(client, case, kind="admit", text="", email="en@example.de")
    assert sent.status_code == 302
    clerk_decides(app, case["aktenzeichen"], Decision.CONTINUE)
    (mail,) = decision_mails(app, "en@example.de")
    assert "Guten Tag" not in mail.body
    assert "You will receive a fine notice (Bußgeldbescheid) by post" in mail.body
    assert mail.subject == f"Decision on case {case['aktenzeichen']}"
    with app.app_context():
        (message,) = db.session.scalars(
            select(PostfachMessage).where(PostfachMessage.citizen_id == citizen_id)
        )
        assert message.subject == mail.subject
        assert message.mailed
    # A stranger's account hears nothing.
    other = checking_client(app)
    log_in_citizen(other, make_citizen(app))
    assert "Noch keine Nachrichten." in other.get("/konto?lang=de").get_data(as_text=True)
