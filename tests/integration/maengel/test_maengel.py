"""Mängelmelder on both databases: a report with position and photo, the Baubetriebshof's
status with a public answer, the public list without anything about the reporter, its filter,
and the reporter told by mail."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import select, update

from server.auth.roles import Role
from server.db import utcnow
from server.extensions import db
from server.forms.models import FormSubmission, FormUpload
from server.forms.submissions import change_status, find_by_reference
from server.mail.models import OutboxMail
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk

FORM = "/antraege/maengelmelder"
LIST = "/maengelmelder/"
INBOX = "/verwaltung/antraege/maengelmelder/"
JSON = {"Accept": "application/json"}


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


def report(client: CheckingClient, **changes: Any) -> Any:
    """Send a report as the drafts client does (one JSON request with its files)."""
    data: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "kategorie": "strasse",
        "beschreibung": "Tiefes Schlagloch, Radfahrer weichen auf den Gehweg aus. Erika Muster",
        "standort": "Bahnhofstraße 12, vor der Apotheke",
        "position": "50.93750, 6.96028",
        "fotos": [(io.BytesIO(photo()), "loch.jpg")],
        "rueckmeldung": "email",
        "email": "erika.muster@example.de",
    }
    data.update(changes)
    token = csrf_token(client.get("/"))
    return client.post(f"{FORM}/absenden", data=data, headers={**JSON, "X-CSRFToken": token})


def set_status(clerk: CheckingClient, app: Flask, reference: str, status: str, answer: str) -> Any:
    """The clerk's status form: the status and, under the status's name, its public answer."""
    with app.app_context():
        submission_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
    url = f"{INBOX}{submission_id}"
    data = {"csrf_token": csrf_token(clerk.get(url)), "status": status, f"{status}-antwort": answer}
    return clerk.post(url, data=data)


def seen_by_the_depot(app: Flask, reference: str) -> None:
    """The depot's first answer, as its status form gives it."""
    with app.test_request_context("/"):
        submission = find_by_reference(reference)
        assert submission is not None
        change_status(submission, "in-arbeit", clerk="bauhof", inputs={"antwort": "Gesehen."})


def test_a_report_reaches_the_depot_and_its_answer_the_public_list(
    app: Flask, client: CheckingClient
) -> None:
    sent = report(client)
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    reference = sent.get_json()["reference"]
    assert reference.startswith("MAE-")
    other = report(client, kategorie="muell", standort="Stadtpark, am Teich", position="")
    assert other.status_code == 200
    with app.app_context():
        uploads = list(db.session.scalars(select(FormUpload).where(FormUpload.field == "fotos")))
        assert [upload.content_type for upload in uploads] == ["image/jpeg", "image/jpeg"]

    # Nothing is public before the depot has read it (the place is the reporter's free text).
    listed = page_text(client.get(LIST).get_data(as_text=True))
    assert "Offene Meldungen (0)" in listed
    assert reference not in listed
    assert "Bahnhofstraße" not in listed

    make_clerk(app, username="baubetriebshof", roles=[Role.PUBLIC_WORKS])
    make_clerk(app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    stranger = checking_client(app)
    log_in_clerk(stranger, "jugendamt")
    assert stranger.get(INBOX).status_code == 403
    clerk = checking_client(app)
    log_in_clerk(clerk, "baubetriebshof")
    assert "Gemeldete Mängel" in page_text(clerk.get("/verwaltung/").get_data(as_text=True))
    inbox = page_text(
        clerk.get(INBOX, query_string={"kategorie": "strasse"}).get_data(as_text=True)
    )
    assert reference in inbox
    assert other.get_json()["reference"] not in inbox

    # The public answer is required: without it nothing changes.
    refused = set_status(clerk, app, reference, "in-arbeit", "")
    assert refused.status_code == 422
    assert "Geben Sie an: Antwort für die öffentliche Liste" in page_text(
        refused.get_data(as_text=True)
    )
    answer = "Die Stelle ist abgesperrt, die Reparatur ist für nächste Woche beauftragt."
    assert set_status(clerk, app, reference, "in-arbeit", answer).status_code == 302

    listed = page_text(client.get(LIST).get_data(as_text=True))
    assert "Offene Meldungen (1)" in listed
    assert "Schlagloch oder Schaden an Straße und Gehweg: Bahnhofstraße 12, vor der Apotheke" in (
        listed
    )
    assert "Stand: In Bearbeitung" in listed
    assert f"Antwort des Baubetriebshofs: {answer}" in listed
    for private in ("Erika", "erika.muster@example.de", "Radfahrer", "loch.jpg", "50.93750"):
        assert private not in listed
    # The reporter sees it on the status page and is told by mail.
    status_page = page_text(client.get(f"{FORM}/eingegangen/{reference}").get_data(as_text=True))
    assert "In Bearbeitung" in status_page
    assert answer in status_page
    with app.app_context():
        subjects = list(
            db.session.scalars(
                select(OutboxMail.subject).where(OutboxMail.recipient == "erika.muster@example.de")
            )
        )
    assert any("In Bearbeitung" in subject for subject in subjects), subjects

    done = "Repariert am Donnerstag."
    assert set_status(clerk, app, reference, "erledigt", done).status_code == 302
    listed = page_text(client.get(LIST).get_data(as_text=True))
    assert "Offene Meldungen (0)" in listed
    assert "Kürzlich erledigt" in listed
    assert f"Stand: Erledigt · {reference}" in listed
    assert done in listed

    # After the days a finished report is shown, it leaves the list.
    with app.app_context():
        db.session.execute(
            update(FormSubmission)
            .where(FormSubmission.reference == reference)
            .values(status_changed_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
    assert reference not in client.get(LIST).get_data(as_text=True)


def test_the_list_is_filtered_by_category_and_an_unknown_one_is_said(
    client: CheckingClient,
) -> None:
    light = report(client, kategorie="beleuchtung", standort="Lindenweg 3").get_json()
    litter = report(client, kategorie="muell", standort="Marktplatz").get_json()
    for sent in (light, litter):
        seen_by_the_depot(client.application, sent["reference"])
    shown = client.get(LIST, query_string={"kategorie": "beleuchtung"}).get_data(as_text=True)
    assert light["reference"] in shown
    assert litter["reference"] not in shown
    assert '<option value="beleuchtung" selected>' in shown
    # The filter's htmx request gets the list alone.
    fragment = client.get(
        LIST, query_string={"kategorie": "muell"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment  # the list alone, swapped into the page's live region
    assert "Offene Meldungen (1)" in fragment
    assert litter["reference"] in fragment
    assert light["reference"] not in fragment
    unknown = client.get(LIST, query_string={"kategorie": "<script>"})
    assert unknown.status_code == 422
    text = page_text(unknown.get_data(as_text=True))
    assert "Diese Art von Mangel gibt es nicht. Wir zeigen alle Meldungen." in text
    assert light["reference"] in text
    assert litter["reference"] in text


def test_a_position_must_be_latitude_and_longitude(client: CheckingClient) -> None:
    refused = report(client, position="beim Rathaus")
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["step"] == "ort"
    assert body["errors"] == {
        "position": [
            "Geben Sie die Position als Breite und Länge an, zum Beispiel 50.93750, 6.96028."
        ]
    }
    # Without an e-mail answer nothing asks for the address; anonymous reports are welcome.
    anonymous = report(client, rueckmeldung="keine", email="")
    assert anonymous.status_code == 200


def test_the_place_step_offers_the_phone_s_position(client: CheckingClient) -> None:
    page = client.get(f"{FORM}/ort")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-geolocate="position" hidden' in html
    assert "Meinen Standort verwenden" in html
    assert "js/geolocate.js" in html
    assert "geolocation=(self)" in page.headers["Permissions-Policy"]
