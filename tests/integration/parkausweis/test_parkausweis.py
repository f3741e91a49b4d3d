"""Bewohnerparkausweis on both databases: only for an address in a zone; the fee per year paid
before the Straßenverkehrsbehörde sees it; approval issues one permit whose PDF's QR code
(read with zxing-cpp) opens the verification page; the fines office is warned of the plate."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select, update

from server.auth.models import Citizen
from server.auth.roles import Role
from server.config import ConfigurationError
from server.extensions import db
from server.forms.models import FormSubmission
from server.parkausweis import zones
from server.parkausweis.models import ParkingPermit
from server.payments.models import Refund
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.conftest import LiveServer, make_test_app
from tests.factories import make_clerk, make_fine_case
from tests.integration.certificates.test_certificates import sandbox_pay
from tests.integration.helpers import log_in_clerk
from tests.qr_codes import read_qr_codes

FORM = "/antraege/bewohnerparkausweis"
INBOX = "/verwaltung/antraege/bewohnerparkausweis/"
ADDRESS = {"name": "Erika Mustermann", "strasse": "Heidestraße 17", "email": "erika@example.de"}


def resident(app: Flask, street: str = "Heidestraße 17") -> CheckingClient:
    with app.app_context(), db.transaction() as session:
        person = Citizen(
            given_name="Erika",
            family_name="Mustermann",
            street=street,
            postal_code="12345",
            locality="Musterstadt",
            email="erika@example.de",
            trust_level="low",
        )
        session.add(person)
        session.flush()
        citizen_id = person.id
    client = checking_client(app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "low"
    return client


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def apply(client: CheckingClient, plate: str = "mu-em 123", years: str = "2") -> str:
    token = csrf_token(client.get(f"{FORM}/anschrift"))
    first = client.post(f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS})
    assert first.status_code == 303, page_text(first.get_data(as_text=True))[:800]
    second = client.post(
        f"{FORM}/fahrzeug",
        data={
            "csrf_token": token,
            "kennzeichen": plate,
            "laufzeit": years,
            "fahrzeugschein": (io.BytesIO(jpeg()), "schein.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert second.status_code == 303, page_text(second.get_data(as_text=True))[:800]
    check = client.get(f"{FORM}/pruefen")
    assert "61,20 €" in page_text(check.get_data(as_text=True))  # 2 years at 30,60 €
    submission_id = check.get_data(as_text=True).split('name="submission_id" value="')[1]
    sent = client.post(
        f"{FORM}/absenden",
        data={"csrf_token": csrf_token(check), "submission_id": submission_id.split('"')[0]},
    )
    assert sent.status_code == 303
    return str(sent.location)


def paid(live_server: LiveServer) -> tuple[CheckingClient, FormSubmission]:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    browser = resident(app)
    browser.get(sandbox_pay(live_server, apply(browser), "PAYED"), follow_redirects=True)
    with app.app_context():
        submission = db.session.scalars(select(FormSubmission)).one()
    return browser, submission


def office(app: Flask) -> CheckingClient:
    make_clerk(app, username="verkehr", roles=[Role.TRAFFIC_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "verkehr")
    return clerk


def decide(clerk: CheckingClient, submission: FormSubmission, status: str, **inputs: str) -> int:
    url = f"{INBOX}{submission.id}"
    data = {"csrf_token": csrf_token(clerk.get(url)), "status": status}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    return clerk.post(url, data=data).status_code


def test_an_address_outside_every_zone_gets_no_permit(app: Flask) -> None:
    client = resident(app, street="Lindenweg 81")
    token = csrf_token(client.get(f"{FORM}/anschrift"))
    refused = client.post(
        f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS, "strasse": "Lindenweg 81"}
    )
    assert refused.status_code == 422
    assert "Diese Anschrift liegt in keiner Bewohnerparkzone." in page_text(
        refused.get_data(as_text=True)
    )
    inside = client.post(
        f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS, "strasse": "Bahnhofstr. 13"}
    )
    assert inside.status_code == 303
    shown = page_text(client.get(f"{FORM}/anschrift").get_data(as_text=True))
    assert "Ihre Anschrift liegt in der Zone B (Nordviertel)." in shown
    wrong_plate = client.post(
        f"{FORM}/fahrzeug", data={"csrf_token": token, "kennzeichen": "KAB1234", "laufzeit": "1"}
    )
    assert "Geben Sie ein deutsches Kennzeichen an" in page_text(wrong_plate.get_data(as_text=True))


def test_approval_issues_one_permit_its_qr_code_opens_the_check(
    live_server: LiveServer,
) -> None:
    app = live_server.app
    browser, submission = paid(live_server)
    clerk = office(app)
    assert str(submission.reference) in page_text(clerk.get(INBOX).get_data(as_text=True))
    assert decide(clerk, submission, "genehmigt") == 302
    assert decide(clerk, submission, "genehmigt") == 302  # a second tab: one permit
    with app.app_context():
        [permit] = db.session.scalars(select(ParkingPermit)).all()
        assert (permit.plate, permit.zone) == ("MU-EM 123", "A")
        # Two years from the day of approval, the last day included (a leap day or not).
        assert (permit.valid_until - permit.valid_from).days in (729, 730)

    page = page_text(
        browser.get(f"{FORM}/eingegangen/{submission.reference}").get_data(as_text=True)
    )
    assert "Bewohnerparkausweis herunterladen (PDF)" in page
    pdf = browser.get(f"/parkausweis/{submission.reference}.pdf")
    assert pdf.status_code == 200
    assert checking_client(app).get(f"/parkausweis/{submission.reference}.pdf").status_code == 404
    image = pypdfium2.PdfDocument(pdf.get_data())[0].render(scale=200 / 72).to_pil()
    codes = read_qr_codes(image)
    assert len(codes) == 1
    url = codes[0].text
    assert url.startswith(f"{live_server.url}/parkausweis/pruefen/")
    checked = checking_client(app).get(url.removeprefix(live_server.url))
    shown = page_text(checked.get_data(as_text=True))
    assert "Gültig" in shown
    assert "Der Ausweis gilt heute in Zone A (Altstadt)." in shown
    assert "MU-EM 123" in shown
    assert "Erika" not in shown
    assert checking_client(app).get("/parkausweis/pruefen/gefaelscht").status_code == 404

    # Expired: said so.
    with app.app_context():
        db.session.execute(
            update(ParkingPermit).values(
                valid_from=permit.valid_from - timedelta(days=800),
                valid_until=permit.valid_from - timedelta(days=1),
            )
        )
        db.session.commit()
    assert "Nicht gültig" in page_text(
        checking_client(app).get(url.removeprefix(live_server.url)).get_data(as_text=True)
    )


def test_the_fines_office_is_warned_of_a_permitted_plate(live_server: LiveServer) -> None:
    app = live_server.app
    _browser, submission = paid(live_server)
    assert decide(office(app), submission, "genehmigt") == 302
    inside = make_fine_case(app, plate="MU-EM 123", place="Heidestraße 30", days_ago=0)
    outside = make_fine_case(app, plate="MU-EM 123", place="Lindenweg 3", days_ago=0)
    other = make_fine_case(app, plate="MU-XY 9", place="Heidestraße 30", days_ago=0)
    unplaced = make_fine_case(app, plate="MU-EM 123", place="Am Markt, am Brunnen", days_ago=0)
    elsewhere = make_fine_case(app, plate="MU-EM 123", place="Marktplatz 4", days_ago=0)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    fines = checking_client(app)
    log_in_clerk(fines, "bussgeld")
    seen = page_text(
        fines.get(f"/verwaltung/bussgeld/fall/{inside['case_id']}").get_data(as_text=True)
    )
    assert "Für MU-EM 123 gilt am Tattag ein Bewohnerparkausweis der Zone A, in der der Tatort" in (
        seen
    )
    seen = page_text(
        fines.get(f"/verwaltung/bussgeld/fall/{outside['case_id']}").get_data(as_text=True)
    )
    assert "der Tatort liegt nicht in dieser Zone" in seen
    for case, said in (
        (unplaced, "lässt sich aus der Ortsangabe nicht bestimmen"),
        (elsewhere, "der Tatort liegt nicht in dieser Zone"),
    ):
        shown = fines.get(f"/verwaltung/bussgeld/fall/{case['case_id']}").get_data(as_text=True)
        assert said in page_text(shown)
    seen = page_text(
        fines.get(f"/verwaltung/bussgeld/fall/{other['case_id']}").get_data(as_text=True)
    )
    assert "Bewohnerparkausweis" not in seen


def test_a_refusal_refunds_the_fee_once(live_server: LiveServer) -> None:
    _browser, submission = paid(live_server)
    clerk = office(live_server.app)
    reason = "Das Fahrzeug ist nicht auf Sie zugelassen."
    assert decide(clerk, submission, "abgelehnt", grund=reason) == 302
    assert decide(clerk, submission, "abgelehnt", grund=reason) == 302
    with live_server.app.app_context():
        refunds = db.session.scalars(select(Refund)).all()
        assert [(r.amount_cents, r.state) for r in refunds] == [(6120, "refunded")]
        assert db.session.scalars(select(ParkingPermit)).all() == []


def test_a_wrong_zones_file_refuses_the_start(backend: str, tmp_path: object) -> None:
    assert (
        zones.parse('fee_per_year_cents = 1\n[[zone]]\ncode = "A"\nname = "X"\nstreets = []\n')
        .zones[0]
        .code
        == "A"
    )
    with pytest.raises(ValueError, match="zone codes must be unique"):
        zones.parse(
            'fee_per_year_cents = 1\n[[zone]]\ncode = "A"\nname = "X"\n'
            '[[zone]]\ncode = "A"\nname = "Y"\n'
        )
    with pytest.raises(ConfigurationError, match="PARKING_ZONES_FILE"):
        make_test_app(backend, PARKING_ZONES_FILE="/nonexistent/zones.toml")
