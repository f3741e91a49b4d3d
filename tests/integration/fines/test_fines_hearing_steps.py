"""The hearing step by step, as a browser without JavaScript walks it: the intent first, with the
accusation and the notice that nobody has to comment on it; then only that intent's questions,
the personal details, the attachments, check your answers and send."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from werkzeug.test import TestResponse

from server.extensions import db
from server.fines.models import HearingStatement
from tests.checking_client import CheckingClient, csrf_token, element
from tests.integration.fines.test_fines_hearing import answer, hearing_url, opened, png
from tests.integration.payments.test_payments_citizen import text_of

SILENCE = "Sie müssen sich zum Vorwurf nicht äußern."
DRIVER = {
    "driver_name": "Jonas Weiß",
    "driver_street": "Lindenallee 40",
    "driver_postcode_city": "12345 Musterstadt",
    "driver_birth_date": "1999-12-24",
}


def heading(page: TestResponse) -> str:
    return element(BeautifulSoup(page.get_data(as_text=True), "lxml").h1).get_text(strip=True)


def followed(client: CheckingClient, response: TestResponse) -> TestResponse:
    assert response.status_code in (302, 303), text_of(response)
    return client.get(response.headers["Location"])


def send(client: CheckingClient, check: TestResponse) -> TestResponse:
    """The check page's own form, as its button sends it."""
    soup = BeautifulSoup(check.get_data(as_text=True), "lxml")
    form = element(soup.find("form", action=lambda a: bool(a and a.endswith("/absenden"))))
    fields = {str(i["name"]): str(i.get("value", "")) for i in form.find_all("input")}
    return client.post(str(form["action"]), data=fields)


def test_the_first_step_shows_the_accusation_and_the_right_to_remain_silent(
    client: CheckingClient,
) -> None:
    case = opened(client)
    first = followed(client, client.get(hearing_url(case)))
    assert heading(first) == "Stellung nehmen"
    text = text_of(first)
    assert "Schritt 1 von 4" in text
    assert "Tatvorwurf Sie parkten im Bereich eines Parkscheinautomaten" in text
    assert SILENCE in text
    assert "§ 55 OWiG in Verbindung mit § 163a StPO" in text
    # Only the question of this step: no personal details, no driver yet.
    assert "Vor- und Nachname" not in text
    assert "Name der Fahrerin oder des Fahrers" not in text


@pytest.mark.parametrize(
    ("kind", "step", "title", "answers", "missing", "shown", "stored_text"),
    [
        (
            "admit",
            "einraeumen",
            "Den Verstoß einräumen",
            {"admit_text": "Ich war zu spät zurück."},
            None,
            ["Ich räume den Verstoß ein", "Ich war zu spät zurück."],
            "Ich war zu spät zurück.",
        ),
        (
            "contest",
            "bestreiten",
            "Den Verstoß bestreiten",
            {"contest_text": "Der Parkschein lag aus."},
            "Schreiben Sie, warum Sie den Verstoß bestreiten.",
            ["Ich bestreite den Verstoß", "Der Parkschein lag aus."],
            "Der Parkschein lag aus.",
        ),
        (
            "nominate",
            "fahrer",
            "Fahrerin oder Fahrer benennen",
            DRIVER,
            "Geben Sie den Namen der Fahrerin oder des Fahrers an.",
            ["Ich bin nicht gefahren", "Jonas Weiß", "Lindenallee 40", "24.12.1999"],
            "",
        ),
    ],
)
def test_each_intent_asks_only_its_own_questions_and_ends_with_check_and_send(
    client: CheckingClient,
    kind: str,
    step: str,
    title: str,
    answers: dict[str, str],
    missing: str | None,
    shown: list[str],
    stored_text: str,
) -> None:
    case = opened(client)
    page = followed(client, answer(client, case, "absicht", kind=kind))
    assert heading(page) == title
    text = text_of(page)
    assert "Schritt 2 von 4" in text
    assert ("Name der Fahrerin oder des Fahrers" in text) == (kind == "nominate")
    assert "Vor- und Nachname" not in text
    if missing:
        refused = answer(client, case, step)
        assert refused.status_code == 422
        assert missing in text_of(refused)
    person = followed(client, answer(client, case, step, **answers))
    assert heading(person) == "Ihre Angaben zur Person"
    # The letter's address is filled in, to be confirmed or corrected.
    soup = BeautifulSoup(person.get_data(as_text=True), "lxml")
    assert element(soup.find("input", attrs={"name": "person_name"}))["value"] == (
        "Erika Mustermann"
    )
    attachments = followed(
        client,
        answer(
            client,
            case,
            "person",
            person_name="Erika Mustermann",
            person_street="Hauptstraße 5",
            person_postcode_city="12345 Musterstadt",
            person_birth_date="1980-04-01",
        ),
    )
    assert heading(attachments) == "Fotos oder Dokumente"
    check = followed(
        client, answer(client, case, "anhaenge", files=[(io.BytesIO(png()), "parkplatz.png")])
    )
    assert heading(check) == "Prüfen Sie Ihre Angaben"
    text = text_of(check)
    for words in [*shown, "Erika Mustermann", "01.04.1980", "parkplatz.jpg"]:
        assert words in text
    assert ("Jonas Weiß" in text) == (kind == "nominate")
    assert "„Ihre Angaben zur Person“ ändern" in text

    received = send(client, check)
    assert received.status_code == 302
    confirmation = client.get(received.headers["Location"])
    with client.application.app_context():
        statement = db.session.query(HearingStatement).one()
        reference = f"EB-{case['aktenzeichen']}-{statement.id}"
        assert (statement.kind, statement.text) == (kind, stored_text)
        assert statement.driver_name == ("Jonas Weiß" if kind == "nominate" else None)
        assert [u.original_name for u in statement.uploads] == ["parkplatz.jpg"]
    assert heading(confirmation) == "Ihre Äußerung ist eingegangen"
    assert f"Ihre Eingangsnummer: {reference}" in text_of(confirmation)
    # The button pressed again (a double tap, a reload): the same statement, the same number.
    again = send(client, check)
    assert again.headers["Location"] == received.headers["Location"]
    with client.application.app_context():
        assert db.session.query(HearingStatement).count() == 1


def test_a_changed_intent_asks_its_new_questions_then_returns_to_the_check(
    client: CheckingClient,
) -> None:
    case = opened(client)
    answer(client, case, "absicht", kind="admit")
    answer(client, case, "einraeumen", admit_text="Stimmt.")
    answer(client, case, "person", person_birth_date="1980-04-01")
    check = followed(client, answer(client, case, "anhaenge"))
    assert "Stimmt." in text_of(check)
    change = client.get(hearing_url(case, "absicht") + "?zurueck=pruefen")
    changed = client.post(
        hearing_url(case, "absicht"),
        data={"csrf_token": csrf_token(change), "kind": "nominate", "zurueck": "pruefen"},
    )
    # The new intent's step has not been answered: it comes first.
    assert changed.headers["Location"].endswith("/anhoerung/fahrer")
    back = client.get(hearing_url(case, "fahrer"))
    done = client.post(
        hearing_url(case, "fahrer"),
        data={"csrf_token": csrf_token(back), "zurueck": "pruefen", **DRIVER},
    )
    assert done.headers["Location"].endswith("/anhoerung/pruefen")
    text = text_of(client.get(done.headers["Location"]))
    assert "Jonas Weiß" in text
    assert "Stimmt." not in text  # the admission's words no longer apply


def test_steps_out_of_order_lead_back_into_the_sequence(client: CheckingClient) -> None:
    case = opened(client)
    # Nothing chosen yet: every later step and the check page begin with the choice.
    for step in ("person", "anhaenge", "pruefen"):
        assert client.get(hearing_url(case, step)).headers["Location"].endswith("/absicht")
    answer(client, case, "absicht", kind="admit")
    # Another intent's step passes on to the next step that applies.
    assert client.get(hearing_url(case, "fahrer")).headers["Location"].endswith("/person")
    assert client.get(hearing_url(case, "unbekannt")).status_code == 404


def test_a_decided_case_takes_no_statement_any_more(client: CheckingClient) -> None:
    from server.fines import hearing
    from server.fines.cases import get_case

    case = opened(client)
    with client.application.test_request_context("/"):
        found = get_case(int(case["case_id"]))
        assert found is not None
        hearing.decide(found, hearing.Decision.CONTINUE, clerk="anna")
    page = f"/bussgeld/fall/{case['aktenzeichen']}"
    text = text_of(client.get(page))
    assert "Die Bußgeldstelle erlässt einen Bußgeldbescheid." in text
    assert "Stellung nehmen oder Fahrer benennen" not in text
    for step in ("", "absicht"):
        assert client.get(hearing_url(case, step)).headers["Location"].endswith(page)


def test_the_same_file_sent_again_stays_one_attachment(client: CheckingClient) -> None:
    case = opened(client)
    answer(client, case, "absicht", kind="admit")
    photo = png()
    for _ in range(2):  # a second tap, or the step visited again with the file refilled
        answer(client, case, "anhaenge", files=[(io.BytesIO(photo), "parkplatz.png")])
    page = client.get(hearing_url(case, "anhaenge"))
    assert text_of(page).count("parkplatz.jpg entfernen") == 1


def test_the_same_file_sent_at_the_same_moment_stays_one_attachment(
    client: CheckingClient,
) -> None:
    from werkzeug.datastructures import FileStorage

    from server.fines.cases import find_by_aktenzeichen
    from server.fines.uploads import accept_upload, pending_uploads
    from tests.threads import Wait, together

    app = client.application
    case = opened(client)
    photo = png()

    def tap(wait: Wait) -> int:
        with app.app_context():
            found = find_by_aktenzeichen(case["aktenzeichen"])
            assert found is not None
            wait()
            upload = accept_upload(
                found, FileStorage(io.BytesIO(photo), "parkplatz.png", content_type="image/png")
            )
            return upload.id

    first, second = together([tap, tap])
    assert first == second
    with app.app_context():
        found = find_by_aktenzeichen(case["aktenzeichen"])
        assert found is not None
        assert len(pending_uploads(found)) == 1


def test_the_check_page_lists_what_is_missing_as_an_error_summary(
    client: CheckingClient,
) -> None:
    case = opened(client)
    answer(client, case, "absicht", kind="contest")
    check = client.get(hearing_url(case, "pruefen"))
    soup = BeautifulSoup(text_of_html(check), "lxml")
    summary = element(soup.find(id="error-summary"))
    assert "Es fehlen noch Angaben" in summary.get_text()
    links = [str(a["href"]) for a in summary.find_all("a")]
    assert links
    assert all("zurueck=pruefen" in href for href in links)
    assert element(soup.title).get_text().startswith("Fehler:")
    assert soup.find("button", string=lambda text: bool(text and "absenden" in text)) is None


def text_of_html(response: TestResponse) -> str:
    return response.get_data(as_text=True)
