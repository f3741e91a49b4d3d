"""A submission's status from any device (Eingangsnummer with Abrufcode, or the mail's link,
never the number alone), mails on receipt and on every status a clerk sets, in the language
the citizen sent in, and the logged-in citizen's Postfach."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.forms.submissions import change_status, find_by_reference
from server.mail.models import OutboxMail
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.forms.test_forms import (
    KITA,
    all_kita_answers,
    json_submit,
    log_in_citizen,
    make_citizen,
    text_of,
)

LINK = re.compile(r"http://localhost/antraege/stand/([0-9A-Z-]{19})")


def mails_to(app: Flask, recipient: str) -> list[OutboxMail]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMail).where(OutboxMail.recipient == recipient).order_by(OutboxMail.id)
            )
        )


def send_kita(client: CheckingClient, **changes: str) -> str:
    sent = json_submit(client, all_kita_answers(**changes), str(uuid.uuid4()))
    assert sent.status_code == 200, text_of(sent)
    reference: str = sent.get_json()["reference"]
    return reference


def set_status(app: Flask, reference: str, status: str) -> None:
    with app.app_context():
        submission = find_by_reference(reference)
        assert submission is not None
        assert change_status(submission, status, clerk="anna")


def test_the_confirmation_mail_opens_the_status_in_any_browser(client: CheckingClient) -> None:
    app = client.application
    reference = send_kita(client, eltern_email="eltern@example.de")
    (mail,) = mails_to(app, "eltern@example.de")
    assert reference in mail.subject
    assert mail.attachment_name == f"eingangsbestaetigung-{reference}.pdf"
    found = LINK.search(mail.body)
    assert found is not None, mail.body
    code = found.group(1)
    assert f"Eingangsnummer {reference} und den Abrufcode {code}" in mail.body
    # The sending browser sees the code on its confirmation page.
    page = text_of(client.get(f"{KITA}/eingegangen/{reference}"))
    assert code in page

    phone = checking_client(app)
    opened = phone.get(f"/antraege/stand/{code}")
    assert opened.status_code == 303
    assert opened.location.endswith(f"{KITA}/eingegangen/{reference}")
    status_page = text_of(phone.get(opened.location))
    assert reference in status_page
    assert "Eingegangen" in status_page


def test_the_number_alone_never_opens_a_status(client: CheckingClient) -> None:
    app = client.application
    reference = send_kita(client, eltern_email="eltern@example.de")
    code = LINK.search(mails_to(app, "eltern@example.de")[0].body).group(1)  # type: ignore[union-attr]
    stranger = checking_client(app)
    asked = stranger.get(f"{KITA}/eingegangen/{reference}")
    assert asked.status_code == 403
    page = text_of(asked)
    assert "Bitte geben Sie den Abrufcode ein." in page
    assert f'value="{reference}"' in page  # the number is filled in
    assert "Mia" not in page
    # An unknown number gets the same page.
    unknown = stranger.get(f"{KITA}/eingegangen/KITA-2026-999999")
    assert unknown.status_code == 403
    assert "Bitte geben Sie den Abrufcode ein." in text_of(unknown)

    token = csrf_token(asked)
    wrong = stranger.post(
        "/antraege/stand",
        data={"csrf_token": token, "reference": reference, "code": "AAAA-BBBB-CCCC-DDDD"},
    )
    assert wrong.status_code == 422
    assert "Eingangsnummer und Abrufcode passen nicht zusammen." in text_of(wrong)
    empty = stranger.post("/antraege/stand", data={"csrf_token": token, "reference": reference})
    assert empty.status_code == 422
    assert "Geben Sie den Abrufcode von Ihrer Bestätigung ein." in text_of(empty)
    assert f'value="{reference}"' in text_of(empty)  # nothing typed is lost
    assert stranger.get(f"{KITA}/eingegangen/{reference}").status_code == 403

    # Typed as a person types it: small letters, no dashes, O for 0 and I for 1.
    typed = code.replace("-", "").lower().replace("0", "o").replace("1", "i")
    opened = stranger.post(
        "/antraege/stand",
        data={"csrf_token": token, "reference": reference.lower(), "code": typed},
    )
    assert opened.status_code == 303
    assert stranger.get(f"{KITA}/eingegangen/{reference}").status_code == 200
    # A made-up link does not open anything either.
    assert stranger.get("/antraege/stand/AAAA-BBBB-CCCC-DDDD").status_code == 422


def test_every_status_a_clerk_sets_is_mailed_in_the_citizens_language(
    client: CheckingClient,
) -> None:
    app = client.application
    german = send_kita(client, eltern_email="de@example.de")
    english_browser = checking_client(app)
    english_browser.set_cookie("portal_lang", "en")
    english = send_kita(english_browser, eltern_email="en@example.de")

    set_status(app, german, "angebot")
    set_status(app, english, "angebot")

    _received, offer = mails_to(app, "de@example.de")
    assert "Platzangebot gemacht" in offer.subject
    assert "Neuer Stand: Platzangebot gemacht." in offer.body
    assert german in offer.body
    assert LINK.search(offer.body) is not None
    assert offer.attachment is None

    received_en, offer_en = mails_to(app, "en@example.de")
    assert "Hello," in received_en.body
    assert "status code" in received_en.body
    assert "Neuer Stand" not in offer_en.body
    assert "New status:" in offer_en.body
    assert english in offer_en.subject
    # A repeated decision (two clicks, two clerks) is one change and one mail.
    with app.app_context():
        submission = find_by_reference(german)
        assert submission is not None
        assert not change_status(submission, "angebot", clerk="bert")
    assert len(mails_to(app, "de@example.de")) == 2


def test_the_account_postfach_lists_every_notice_newest_first(client: CheckingClient) -> None:
    app = client.application
    citizen_id = make_citizen(app)
    log_in_citizen(client, citizen_id)
    reference = send_kita(client, eltern_email="erika@example.de")
    set_status(app, reference, "angebot")
    page = text_of(client.get("/konto"))
    assert "Postfach" in page
    box = page[page.index('id="postfach-nachrichten"') :]
    offer = box.index(f"Kita-Anmeldung {reference}: Platzangebot gemacht")
    receipt = box.index(f"Eingangsnummer {reference}")
    assert offer < receipt  # newest first
    assert "Auch per E-Mail gesendet." in box
    # Another citizen's box stays empty.
    other = checking_client(app)
    log_in_citizen(other, make_citizen(app))
    assert "Noch keine Nachrichten." in text_of(other.get("/konto"))


def send_kontakt(client: CheckingClient, **answers: str) -> str:
    token = csrf_token(client.get("/"))
    sent = client.post(
        "/antraege/kontakt/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "thema": "frage",
            "betreff": "Öffnungszeiten",
            "nachricht": "Wann hat das Bürgerbüro samstags geöffnet?",
            "name": "Erika Muster",
            **answers,
        },
        headers={"Accept": "application/json", "X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200, text_of(sent)
    reference: str = sent.get_json()["reference"]
    return reference


def test_the_contact_form_confirms_by_mail_when_a_mail_answer_was_chosen(
    client: CheckingClient,
) -> None:
    app = client.application
    reference = send_kontakt(client, antwortweg="email", email="frage@example.de")
    (mail,) = mails_to(app, "frage@example.de")
    assert reference in mail.subject
    assert LINK.search(mail.body) is not None
    # An address typed and then left for "by letter" is not kept, so nobody is mailed.
    by_letter = send_kontakt(
        client,
        antwortweg="post",
        anschrift="Hauptstraße 5, 12345 Musterstadt",
        email="vergessen@example.de",
    )
    assert by_letter != reference
    assert mails_to(app, "vergessen@example.de") == []
