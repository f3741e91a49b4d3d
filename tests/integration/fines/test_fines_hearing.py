"""The online hearing: statements with uploads, naming the driver, and the clerk's decisions."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pypdfium2
from bs4 import BeautifulSoup
from flask import Flask
from PIL import Image
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.extensions import db
from server.fines.models import FineCase, HearingStatement, Upload
from server.formatting import city_today
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import make_test_app
from tests.factories import make_clerk, make_fine_case
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_citizen import text_of


def png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def opened(client: CheckingClient, **kwargs: object) -> dict[str, str]:
    case = make_fine_case(client.application, **kwargs)  # type: ignore[arg-type]
    client.get(f"/b/{case['token']}")
    return case


TEXT_FIELDS = {"admit": "admit_text", "contest": "contest_text", "nominate": "nominate_text"}


def hearing_url(case: dict[str, str], step: str = "") -> str:
    return f"/bussgeld/fall/{case['aktenzeichen']}/anhoerung" + (f"/{step}" if step else "")


def submit(client: CheckingClient, case: dict[str, str], **data: object) -> TestResponse:
    """The whole statement in one multipart body, as the drafts client sends it: the letter's
    address, a birth date and ``data`` (``text`` goes to the chosen intent's text field)."""
    fields: dict[str, object] = {
        "csrf_token": csrf_token(client.get(hearing_url(case, "absicht"))),
        "submission_id": uuid.uuid4().hex,
        "person_name": "Erika Mustermann",
        "person_street": "Hauptstraße 5",
        "person_postcode_city": "12345 Musterstadt",
        "person_birth_date": "1980-04-01",
    }
    if "text" in data:
        fields[TEXT_FIELDS.get(str(data.get("kind")), "contest_text")] = data.pop("text")
    fields.update(data)
    return client.post(
        hearing_url(case, "absenden"), data=fields, content_type="multipart/form-data"
    )


def answer(client: CheckingClient, case: dict[str, str], step: str, **data: object) -> TestResponse:
    """One step of the hearing as a browser without JavaScript answers it."""
    page = client.get(hearing_url(case, step))
    assert page.status_code == 200, step
    return client.post(
        hearing_url(case, step),
        data={"csrf_token": csrf_token(page), **data},
        content_type="multipart/form-data",
    )


def test_contest_with_a_photo_gives_a_receipt(client: CheckingClient) -> None:
    app = client.application
    case = opened(client)
    response = submit(
        client,
        case,
        kind="contest",
        text="Ich stand dort nicht, siehe Foto.",
        files=[(io.BytesIO(png()), "beweis.png")],
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Ihre Äußerung ist eingegangen" in text_of(page)
    receipt_link = element(
        BeautifulSoup(page.get_data(as_text=True), "lxml").find(
            "a", string="Eingangsbestätigung herunterladen (PDF)"
        )
    )["href"]
    receipt = client.get(receipt_link)
    assert receipt.mimetype == "application/pdf"
    text = pdf_text(receipt.get_data())
    assert case["aktenzeichen"] in text
    assert "Ich stand dort nicht, siehe Foto." in text
    assert "beweis.jpg" in text
    with app.app_context():
        upload = db.session.query(Upload).one()
        stored = Path(app.config["UPLOAD_DIR"]) / "fines" / str(upload.case_id) / upload.stored_name
        assert stored.read_bytes()[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
        assert upload.stored_name != "beweis.png"
        assert db.session.query(FineCase).one().status == "statement_received"
    assert "Ihre Äußerung ist eingegangen." in text_of(
        client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    )


def test_errors_keep_what_was_typed_and_what_was_uploaded(client: CheckingClient) -> None:
    case = opened(client)
    response = submit(
        client,
        case,
        kind="contest",
        text="",
        person_name="Erika Musterfrau",
        files=[(io.BytesIO(png()), "foto.png")],
    )
    assert response.status_code == 422
    # Back at the first step with a problem, the one that asks why.
    assert "Schreiben Sie, warum Sie den Verstoß bestreiten." in text_of(response)
    assert (
        element(BeautifulSoup(response.get_data(as_text=True), "lxml").h1).get_text(strip=True)
        == "Den Verstoß bestreiten"
    )
    # Everything else that was sent is kept: the choice, the details, the accepted file.
    first = BeautifulSoup(client.get(hearing_url(case, "absicht")).get_data(as_text=True), "lxml")
    assert element(first.find("input", attrs={"value": "contest"})).has_attr("checked")
    person = BeautifulSoup(client.get(hearing_url(case, "person")).get_data(as_text=True), "lxml")
    assert (
        element(person.find("input", attrs={"name": "person_name"}))["value"] == "Erika Musterfrau"
    )
    assert "foto.jpg" in text_of(client.get(hearing_url(case, "anhaenge")))


def error_targets(response: TestResponse) -> tuple[BeautifulSoup, list[str]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    summary = element(soup.find(id="error-summary"))
    targets = [str(link["href"]) for link in summary.find_all("a", href=True)]
    for target in targets:
        assert target.startswith("#")
        assert soup.find(id=target[1:]) is not None, target
    return soup, targets


def test_every_link_of_the_error_summary_leads_to_its_field(client: CheckingClient) -> None:
    case = opened(client)
    # No choice made: the radio group is reached at its first radio button.
    nothing = answer(client, case, "absicht")
    assert nothing.status_code == 422
    soup, targets = error_targets(nothing)
    first_kind = element(soup.find("input", attrs={"name": "kind", "type": "radio"}))
    assert targets == [f"#{first_kind['id']}"]
    assert "Wählen Sie, was Sie tun möchten." in text_of(nothing)
    answer(client, case, "absicht", kind="admit")
    # No name, a birth date that is none: the inputs at themselves.
    wrong = answer(client, case, "person", person_name="", person_birth_date="gestern")
    assert wrong.status_code == 422
    _soup, targets = error_targets(wrong)
    assert "#person_name" in targets
    assert "#person_birth_date" in targets


def test_wrong_type_and_oversized_files_are_refused_clearly(backend: str) -> None:
    app = make_test_app(backend, UPLOAD_MAX_FILE_BYTES=50_000)
    client = checking_client(app)
    case = opened(client)
    response = submit(
        client,
        case,
        kind="admit",
        text="Stimmt.",
        files=[
            (io.BytesIO(b"MZ\x90\x00 not a picture"), "foto.jpg"),
            (io.BytesIO(png(3000, 3000) * 2), "riesig.png"),
        ],
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "„foto.jpg“ ist kein Foto (JPEG, PNG, WebP) und kein PDF." in text
    assert "„riesig.png“ ist größer als 0 MB." in text or "riesig.png" in text
    with app.app_context():
        assert db.session.query(Upload).count() == 0
        assert db.session.query(HearingStatement).count() == 0


def test_the_same_submission_twice_is_one_statement(client: CheckingClient) -> None:
    case = opened(client)
    submission_id = uuid.uuid4().hex
    first = submit(client, case, kind="admit", text="Ja.", submission_id=submission_id)
    second = submit(client, case, kind="admit", text="Ja.", submission_id=submission_id)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with client.application.app_context():
        assert db.session.query(HearingStatement).count() == 1


def test_a_late_statement_is_accepted_and_marked(client: CheckingClient) -> None:
    case = opened(client, days_ago=20, letter_days_ago=15)
    response = submit(client, case, kind="admit", text="Entschuldigung.")
    assert response.status_code == 302
    assert "nach Ablauf der Frist" in text_of(client.get(response.headers["Location"]))


def test_naming_the_driver_and_the_clerk_forwarding_the_case(client: CheckingClient) -> None:
    app = client.application
    case = opened(client)
    incomplete = submit(client, case, kind="nominate")
    assert incomplete.status_code == 422
    assert "Geben Sie den Namen der Fahrerin oder des Fahrers an." in text_of(incomplete)
    done = submit(
        client,
        case,
        kind="nominate",
        driver_name="Jonas Weiß",
        driver_street="Lindenallee 40",
        driver_postcode_city="12345 Musterstadt",
        driver_birth_date="1999-12-24",
    )
    assert done.status_code == 302

    clerk = checking_client(app)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(clerk, "bussgeld")
    queue = text_of(clerk.get("/verwaltung/bussgeld/"))
    assert case["aktenzeichen"] in queue
    assert "Fahrer/in benannt" in queue
    with app.app_context():
        case_id = db.session.query(FineCase).one().id
    page = clerk.get(f"/verwaltung/bussgeld/fall/{case_id}")
    assert "Jonas Weiß" in text_of(page)
    forwarded = clerk.post(
        f"/verwaltung/bussgeld/fall/{case_id}",
        data={"csrf_token": csrf_token(page), "decision": "forward", "note": "Fahrer benannt"},
    )
    assert forwarded.status_code == 302
    with app.app_context():
        new_case = db.session.query(FineCase).filter(FineCase.id != case_id).one()
        assert new_case.holder_name == "Jonas Weiß"
        assert new_case.kind == "hearing"
        assert new_case.forwarded_from_id == case_id
        assert db.session.get_one(FineCase, case_id).status == "forwarded"
    letter = clerk.post(
        f"/verwaltung/bussgeld/fall/{new_case.id}/brief.pdf", data={"csrf_token": csrf_token(page)}
    )
    assert letter.mimetype == "application/pdf"
    assert "Jonas Weiß" in pdf_text(letter.get_data())
    citizen_view = text_of(client.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert "Das Verfahren richtet sich jetzt gegen die benannte Person." in citizen_view


def test_attachments_are_only_for_the_fines_office(client: CheckingClient) -> None:
    app = client.application
    case = opened(client)
    submit(
        client, case, kind="contest", text="Siehe Foto.", files=[(io.BytesIO(png()), "foto.png")]
    )
    with app.app_context():
        upload_id = db.session.query(Upload).one().id
    url = f"/verwaltung/bussgeld/anhang/{upload_id}"
    assert app.test_client().get(url).status_code == 302  # to the clerk login
    other = checking_client(app)
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    log_in_clerk(other, "kasse")
    assert other.get(url).status_code == 403
    fines = checking_client(app)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(fines, "bussgeld")
    download = fines.get(url)
    assert download.status_code == 200
    assert download.get_data()[:3] == b"\xff\xd8\xff"


def test_a_deleted_case_takes_its_files_with_it(app: Flask) -> None:
    from server.fines.hearing import delete_case

    client = checking_client(app)
    case = opened(client)
    submit(client, case, kind="contest", text="Foto", files=[(io.BytesIO(png()), "a.png")])
    with app.app_context():
        found = db.session.query(FineCase).one()
        folder = Path(app.config["UPLOAD_DIR"]) / "fines" / str(found.id)
        assert any(folder.iterdir())
        delete_case(found)
        assert not folder.exists()
        assert db.session.query(Upload).count() == 0


def test_the_objection_form_is_a_letter_to_sign(client: CheckingClient) -> None:
    case = opened(client)
    response = client.get(f"/bussgeld/fall/{case['aktenzeichen']}/einspruch.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    assert case["aktenzeichen"] in text
    assert "§ 67 OWiG" in text
    assert city_today().year > 2000


def test_a_given_e_mail_address_gets_the_receipt_by_mail(client: CheckingClient) -> None:
    import email
    from email import policy

    app = client.application
    case = opened(client)
    response = submit(client, case, kind="admit", text="Stimmt.", email="erika@example.org")
    assert response.status_code == 302
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "1 sent, 0 failed" in result.output
    [written] = sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "erika@example.org"
    assert case["aktenzeichen"] in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert case["aktenzeichen"] in pdf_text(attachment.get_content())
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "0 sent, 0 failed" in again.output


def test_evidence_photos_from_the_office_appear_on_the_case_page_only(
    client: CheckingClient,
) -> None:
    app = client.application
    case = opened(client)
    with app.app_context():
        case_id = db.session.query(FineCase).one().id
    clerk = checking_client(app)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(clerk, "bussgeld")
    page = clerk.get(f"/verwaltung/bussgeld/fall/{case_id}")
    refused = clerk.post(
        f"/verwaltung/bussgeld/fall/{case_id}/beweisfoto",
        data={
            "csrf_token": csrf_token(page),
            "photo": (io.BytesIO(b"%PDF-1.4 x %%EOF"), "scan.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "ist kein Foto" in text_of(refused)
    clerk.post(
        f"/verwaltung/bussgeld/fall/{case_id}/beweisfoto",
        data={"csrf_token": csrf_token(page), "photo": (io.BytesIO(png()), "tatort.png")},
        content_type="multipart/form-data",
    )
    citizen_page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    soup = BeautifulSoup(citizen_page.get_data(as_text=True), "lxml")
    [image] = soup.select(".portal-evidence img")
    assert str(image["alt"]).startswith("Beweisfoto 1")
    photo = client.get(image["src"])
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert app.test_client().get(image["src"]).status_code == 404
    # Evidence is not a citizen's attachment: the hearing form does not list it.
    assert "tatort.jpg" not in text_of(
        client.get(f"/bussgeld/fall/{case['aktenzeichen']}/anhoerung")
    )
