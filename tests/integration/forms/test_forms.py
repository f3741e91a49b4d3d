"""Online forms end to end on both databases: the no-JS step flow, the JSON submission of the
drafts client, exactly-once submission, uploads, the back-office inbox and the receipt."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import pypdfium2
from bs4 import BeautifulSoup
from flask import Flask
from PIL import Image
from pypdf import PdfWriter
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.forms.submissions import submissions_of
from tests.checking_client import CheckingClient, check_page, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk
from tests.threads import Wait, times, together

KITA = "/antraege/kita-anmeldung"
TOMORROW = (city_today() + timedelta(days=30)).isoformat()
JSON = {"Accept": "application/json"}


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (uploads are read with pypdf; a header alone is refused)."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


KITA_STEPS: list[tuple[str, dict[str, Any]]] = [
    (
        "kind",
        {"kind_vorname": "Mia", "kind_nachname": "Muster", "kind_geburtsdatum": "2024-03-01"},
    ),
    (
        "eltern",
        {
            "eltern_vorname": "Erika",
            "eltern_nachname": "Muster",
            "eltern_strasse": "Hauptstraße 5",
            "eltern_plz_ort": "12345 Musterstadt",
            "eltern_email": "erika@example.de",
            "zweite_person": "nein",
        },
    ),
    ("betreuung", {"beginn": TOMORROW, "umfang": "35"}),
    ("kitas", {"kita_1": "kita-regenbogen", "kita_2": "kita-pusteblume", "kita_3": ""}),
    ("foerderbedarf", {"besonderer_bedarf": "nein"}),
    ("einwilligung", {"einwilligung_daten": "ja", "einwilligung_kitas": "ja"}),
]


def all_kita_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for _step, values in KITA_STEPS:
        answers.update(values)
    answers.update(changes)
    return answers


def walk_kita(client: CheckingClient) -> TestResponse:
    """Fill every step without JavaScript; returns the check-answers page."""
    token = csrf_token(client.get(f"{KITA}/kind"))
    response = None
    for step, values in KITA_STEPS:
        response = client.post(f"{KITA}/{step}", data={"csrf_token": token, **values})
        assert response.status_code == 303, (step, text_of(response)[:2000])
    assert response is not None
    assert response.location.endswith(f"{KITA}/pruefen")
    return client.get(f"{KITA}/pruefen")


def submit_checked(client: CheckingClient) -> TestResponse:
    page = client.get(f"{KITA}/pruefen")
    soup = check_page(text_of(page), page.headers["Content-Security-Policy"])
    submission_id = soup.find("input", attrs={"name": "submission_id"})["value"]  # type: ignore[index]
    return client.post(
        f"{KITA}/absenden",
        data={"csrf_token": csrf_token(page), "submission_id": submission_id},
    )


def test_the_no_js_step_flow_reaches_a_confirmation(client: CheckingClient) -> None:
    first = client.get(f"{KITA}/kind")
    assert first.headers["Cache-Control"] == "private, no-cache"  # the worker may keep it
    html = text_of(first)
    assert 'data-draft-form="kita-anmeldung"' in html
    assert 'data-draft-step="kind"' in html
    assert f'data-next="{KITA}/eltern"' in html
    assert "Schritt 1 von" in html

    check = walk_kita(client)
    assert check.status_code == 200
    assert check.headers["Cache-Control"] == "no-store"
    page = text_of(check)
    for shown in ("Mia", "Muster", "Kita Regenbogen, Am Markt 12", "bis 35 Stunden", "01.03.2024"):
        assert shown in page
    assert "Zweite erziehungsberechtigte Person" not in page  # that step did not apply

    sent = submit_checked(client)
    assert sent.status_code == 303
    confirmation = client.get(sent.location)
    assert confirmation.status_code == 200
    assert confirmation.headers["Cache-Control"] == "no-store"
    body = text_of(confirmation)
    assert f"KITA-{city_today().year}-" in body
    assert "Eingegangen" in body
    # The draft is gone: the form starts empty again.
    assert client.get(f"{KITA}/pruefen").status_code == 302


def test_errors_are_shown_next_to_the_field_and_summarised(client: CheckingClient) -> None:
    token = csrf_token(client.get(f"{KITA}/eltern"))
    refused = client.post(
        f"{KITA}/eltern",
        data={"csrf_token": token, "eltern_vorname": "Erika", "eltern_email": "nope"},
    )
    assert refused.status_code == 422
    soup = check_page(text_of(refused), refused.headers["Content-Security-Policy"])
    summary = soup.find(id="error-summary")
    assert summary is not None
    links = {a["href"]: a.get_text() for a in summary.find_all("a")}
    assert links["#eltern_email"] == "Geben Sie eine E-Mail-Adresse wie name@example.de an."
    assert links["#zweite_person-0"].startswith("Wählen Sie, ob es eine zweite")
    assert soup.find(id="eltern_email-error") is not None
    assert soup.find(id="eltern_email")["aria-invalid"] == "true"  # type: ignore[index]
    # Nothing typed is lost.
    assert soup.find(id="eltern_vorname")["value"] == "Erika"  # type: ignore[index]
    assert soup.title is not None
    assert soup.title.get_text().startswith("Fehler:")


def test_htmx_gets_the_form_partial_or_a_redirect(client: CheckingClient) -> None:
    token = csrf_token(client.get(f"{KITA}/kind"))
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    refused = client.post(f"{KITA}/kind", data={"kind_vorname": ""}, headers=headers)
    assert refused.status_code == 422
    fragment = text_of(refused)
    assert fragment.lstrip().startswith("<form")
    assert "Geben Sie den Vornamen Ihres Kindes an." in fragment
    accepted = client.post(f"{KITA}/kind", data=KITA_STEPS[0][1], headers=headers)
    assert accepted.status_code == 200
    assert accepted.headers["HX-Redirect"] == f"{KITA}/eltern"


def test_a_condition_opens_a_step(client: CheckingClient) -> None:
    token = csrf_token(client.get(f"{KITA}/eltern"))
    values = {**KITA_STEPS[1][1], "zweite_person": "ja"}
    response = client.post(f"{KITA}/eltern", data={"csrf_token": token, **values})
    assert response.location.endswith(f"{KITA}/zweite-person")
    page = client.get(f"{KITA}/zweite-person")
    assert 'data-when-field="zweite_person"' in text_of(page)
    values["zweite_person"] = "nein"
    client.post(f"{KITA}/eltern", data={"csrf_token": token, **values})
    # No longer applies: the step sends the citizen on.
    assert client.get(f"{KITA}/zweite-person").location.endswith(f"{KITA}/betreuung")


def json_submit(
    client: CheckingClient, answers: dict[str, Any], submission_id: str, **files: Any
) -> TestResponse:
    token = csrf_token(client.get("/"))
    data: dict[str, Any] = {"submission_id": submission_id, **answers, **files}
    return client.post(
        f"{KITA}/absenden",
        data=data,
        headers={**JSON, "X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def test_the_json_path_submits_a_complete_body(client: CheckingClient) -> None:
    submission_id = str(uuid.uuid4())
    answers = all_kita_answers(
        besonderer_bedarf="ja",
        bedarf_beschreibung="Nussallergie",
    )
    answers["bedarf_nachweise"] = [
        (io.BytesIO(png()), "attest.png"),
        (io.BytesIO(pdf_bytes()), "befund.pdf"),
    ]
    sent = json_submit(client, answers, submission_id)
    assert sent.status_code == 200, text_of(sent)
    answer = sent.get_json()
    assert answer["status"] == "eingegangen"
    assert answer["reference"].startswith("KITA-")
    receipt = client.get(answer["receipt_url"])
    assert receipt.mimetype == "application/pdf"
    text = pdf_text(receipt.get_data())
    for expected in (
        "Eingangsbestätigung",
        answer["reference"],
        "Mia",
        "Nussallergie",
        "attest.jpg",
        "befund.pdf",
        "Kita Regenbogen, Am Markt 12",
        "Ja, einverstanden",
    ):
        assert expected in text, expected


def test_the_json_path_answers_422_with_field_names_and_the_step(client: CheckingClient) -> None:
    answers = all_kita_answers(eltern_email="kaputt", kita_1="")
    refused = json_submit(client, answers, str(uuid.uuid4()))
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["status"] == "invalid"
    assert body["errors"]["eltern_email"] == [
        "Geben Sie eine E-Mail-Adresse wie name@example.de an."
    ]
    assert body["errors"]["kita_1"] == ["Wählen Sie mindestens eine Wunsch-Kita."]
    assert body["step"] == "eltern"
    assert body["step_url"] == f"{KITA}/eltern"
    english = client.post(
        f"{KITA}/absenden",
        data={"submission_id": str(uuid.uuid4()), **answers},
        headers={
            **JSON,
            "X-CSRFToken": csrf_token(client.get("/")),
            "Accept-Language": "en",
        },
    )
    assert english.status_code == 422
    assert english.get_json()["errors"]["eltern_email"]


def test_a_missing_submission_id_or_csrf_token_is_refused_as_json(client: CheckingClient) -> None:
    missing = json_submit(client, all_kita_answers(), "")
    assert missing.status_code == 400
    assert "submission_id" in missing.get_json()["errors"]
    stale = client.post(
        f"{KITA}/absenden",
        data={"submission_id": str(uuid.uuid4()), **all_kita_answers()},
        headers={**JSON, "X-CSRFToken": "stale"},
    )
    assert stale.status_code == 400
    assert stale.get_json()["status"] == "csrf"


def test_a_repeat_with_the_same_submission_id_creates_nothing(client: CheckingClient) -> None:
    submission_id = str(uuid.uuid4())
    first = json_submit(client, all_kita_answers(), submission_id).get_json()
    again = json_submit(client, all_kita_answers(kind_vorname="Anders"), submission_id)
    assert again.status_code == 200
    assert again.get_json()["reference"] == first["reference"]
    make_clerk(client.application, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    other = checking_client(client.application)
    log_in_clerk(other, "jugendamt")
    inbox = text_of(other.get("/verwaltung/antraege/kita-anmeldung/"))
    assert inbox.count(first["reference"]) == 1
    assert "Anders" not in inbox


def test_concurrent_repeats_give_one_submission(backend: str) -> None:
    app = make_test_app(backend, WTF_CSRF_ENABLED=False)
    try:
        submission_id = str(uuid.uuid4())

        def send(wait: Wait) -> TestResponse:
            client = checking_client(app)
            data = {
                "submission_id": submission_id,
                **all_kita_answers(),
                "bedarf_nachweise": [],
            }
            wait()
            return client.post(f"{KITA}/absenden", data=data, headers=JSON)

        results = together(times(6, send))
        assert [r.status_code for r in results] == [200] * 6
        assert len({r.get_json()["reference"] for r in results}) == 1
        with app.app_context():
            from sqlalchemy import func, select

            from server.forms.models import FormStatusEvent, FormSubmission

            assert db.session.scalar(select(func.count(FormSubmission.id))) == 1
            assert db.session.scalar(select(func.count(FormStatusEvent.id))) == 1
    finally:
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


def test_uploads_are_checked_by_content_and_size(app: Flask, backend: str) -> None:
    client = checking_client(app)
    answers = all_kita_answers(besonderer_bedarf="ja", bedarf_beschreibung="x")
    disguised = json_submit(
        client,
        {**answers, "bedarf_nachweise": [(io.BytesIO(b"MZ\x90\x00 not a picture"), "foto.jpg")]},
        str(uuid.uuid4()),
    )
    assert disguised.status_code == 422
    assert disguised.get_json()["errors"]["bedarf_nachweise"] == [
        "„foto.jpg“ ist kein Foto (JPEG, PNG, WebP) und kein PDF."
    ]
    # A picture with a misleading name is judged by what it is.
    named_pdf = json_submit(
        client, {**answers, "bedarf_nachweise": [(io.BytesIO(png()), "scan.pdf")]}, "a" * 32
    )
    assert named_pdf.status_code == 200

    small = make_test_app(backend, UPLOAD_MAX_FILE_BYTES=2048, FORM_UPLOAD_MAX_TOTAL_BYTES=4096)
    small_client = checking_client(small)
    too_big = json_submit(
        small_client,
        {**answers, "bedarf_nachweise": [(io.BytesIO(pdf_bytes() + b" " * 3000), "gross.pdf")]},
        str(uuid.uuid4()),
    )
    assert too_big.status_code == 422
    assert too_big.get_json()["errors"]["bedarf_nachweise"] == ["„gross.pdf“ ist größer als 2 KB."]
    several = json_submit(
        small_client,
        {
            **answers,
            "bedarf_nachweise": [
                (io.BytesIO(pdf_bytes() + b" " * 1500), f"teil{n}.pdf") for n in range(3)
            ],
        },
        str(uuid.uuid4()),
    )
    assert several.status_code == 422
    assert "alle Dateien zusammen" in several.get_json()["errors"]["bedarf_nachweise"][0]
    too_many = json_submit(
        client,
        {
            **answers,
            "bedarf_nachweise": [(io.BytesIO(png()), f"foto{n}.png") for n in range(6)],
        },
        str(uuid.uuid4()),
    )
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"]["bedarf_nachweise"] == [
        "Höchstens 5 Dateien für diese Frage."
    ]
    with small.app_context():
        db.engine.dispose()


def test_no_js_uploads_stay_with_the_draft_across_errors(client: CheckingClient) -> None:
    base = "/antraege/belege-nachreichen"
    token = csrf_token(client.get(f"{base}/vorgang"))
    client.post(f"{base}/vorgang", data={"csrf_token": token, "aktenzeichen": "KITA-2026-000001"})
    refused = client.post(
        f"{base}/belege",
        data={
            "csrf_token": token,
            "belege": [(io.BytesIO(png()), "quittung.png"), (io.BytesIO(b"text"), "notiz.txt")],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert "„notiz.txt“ ist kein Foto (JPEG, PNG, WebP) und kein PDF." in page
    assert "quittung.jpg" in page  # the good file is kept
    moved_on = client.post(f"{base}/belege", data={"csrf_token": token})
    assert moved_on.status_code == 303
    client.post(f"{base}/person", data={"csrf_token": token, "name": "Erika Muster"})
    check = client.get(f"{base}/pruefen")
    assert "quittung.jpg" in text_of(check)
    soup = check_page(text_of(check), check.headers["Content-Security-Policy"])
    submission_id = soup.find("input", attrs={"name": "submission_id"})["value"]  # type: ignore[index]
    sent = client.post(
        f"{base}/absenden", data={"csrf_token": token, "submission_id": submission_id}
    )
    assert sent.status_code == 303
    assert "BEL-" in sent.location


def test_the_clerk_filters_and_the_parent_sees_the_status(client: CheckingClient) -> None:
    app = client.application
    later = (city_today() + timedelta(days=200)).isoformat()
    first = json_submit(client, all_kita_answers(), str(uuid.uuid4())).get_json()
    second = json_submit(
        client,
        all_kita_answers(kita_1="kita-sonnenschein", kita_2="", beginn=later, kind_vorname="Ben"),
        str(uuid.uuid4()),
    ).get_json()
    make_clerk(app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "kasse")
    assert clerk.get("/verwaltung/antraege/kita-anmeldung/").status_code == 403
    clerk = app.test_client()  # type: ignore[assignment]
    log_in_clerk(clerk, "jugendamt")
    overview = text_of(clerk.get("/verwaltung/"))
    assert "/verwaltung/antraege/kita-anmeldung/" in overview

    inbox = "/verwaltung/antraege/kita-anmeldung/"
    by_daycare = text_of(clerk.get(inbox, query_string={"kita": "kita-pusteblume"}))
    assert first["reference"] in by_daycare  # second wish counts too
    assert second["reference"] not in by_daycare
    by_start = text_of(clerk.get(inbox, query_string={"beginn_von": later}))
    assert second["reference"] in by_start
    assert first["reference"] not in by_start
    wrong = clerk.get(inbox, query_string={"beginn_bis": "morgen"})
    assert wrong.status_code == 422
    assert "„morgen“ ist kein Datum." in text_of(wrong)

    listed = text_of(clerk.get(inbox))
    detail_url = next(
        part.split('"')[0]
        for part in listed.split('href="')
        if part.startswith(inbox) and part.split('"')[0] != inbox
    )
    detail = clerk.get(detail_url)
    assert "Mia" in text_of(detail) or "Ben" in text_of(detail)
    token = csrf_token(detail)
    refused = clerk.post(detail_url, data={"csrf_token": token, "status": "erfunden"})
    assert refused.status_code == 422
    # Change the first registration's status.
    from server.forms.submissions import find_by_reference

    with app.app_context():
        found = find_by_reference(first["reference"])
        assert found is not None
        first_url = f"{inbox}{found.id}"
    changed = clerk.post(first_url, data={"csrf_token": token, "status": "angebot", "note": "x"})
    assert changed.status_code == 302
    offered = text_of(clerk.get(inbox, query_string={"status": "angebot"}))
    assert first["reference"] in offered
    assert second["reference"] not in offered

    parent_view = text_of(client.get(f"{KITA}/eingegangen/{first['reference']}"))
    assert "Platzangebot gemacht" in parent_view
    # Only the browser that sent it may look; another is asked for the Abrufcode.
    stranger = checking_client(app)
    asked = stranger.get(f"{KITA}/eingegangen/{first['reference']}")
    assert asked.status_code == 403
    assert "Bitte geben Sie den Abrufcode ein." in text_of(asked)
    assert "Platzangebot" not in text_of(asked)
    assert stranger.get(first["receipt_url"]).status_code == 403

    with app.app_context():
        from sqlalchemy import select

        from server.audit.models import AuditEntry

        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"forms.status", "forms.submission.view", "forms.inbox.view"} <= actions


def make_citizen(app: Flask) -> int:
    with app.app_context(), db.transaction() as sql:
        citizen = Citizen(
            given_name="Erika",
            family_name="Mustermann",
            street="Hauptstraße 5",
            postal_code="12345",
            locality="Musterstadt",
            email="erika@example.de",
        )
        sql.add(citizen)
    return citizen.id


def log_in_citizen(client: CheckingClient, citizen_id: int) -> None:
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "substantial"


def test_a_citizen_resumes_a_draft_on_another_device(client: CheckingClient) -> None:
    app = client.application
    citizen_id = make_citizen(app)
    assert client.get(f"{KITA}/entwurf").status_code == 401
    log_in_citizen(client, citizen_id)
    prefilled = text_of(client.get(f"{KITA}/eltern"))
    assert 'value="Mustermann"' in prefilled
    assert 'value="12345 Musterstadt"' in prefilled
    token = csrf_token(client.get(f"{KITA}/kind"))
    saved = client.put(
        f"{KITA}/entwurf",
        json={"step": "kitas", "answers": {"kind_vorname": "Mia", "unbekannt": "x"}},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200
    laptop = checking_client(app)
    log_in_citizen(laptop, citizen_id)
    loaded = laptop.get(f"{KITA}/entwurf").get_json()
    assert loaded["answers"] == {"kind_vorname": ["Mia"]}
    assert loaded["step"] == "kitas"
    assert 'value="Mia"' in text_of(laptop.get(f"{KITA}/kind"))
    sent = json_submit(laptop, all_kita_answers(), str(uuid.uuid4())).get_json()
    with app.app_context():
        mine = submissions_of(citizen_id)
        assert [s.reference for s in mine] == [sent["reference"]]
    # The owner sees it from any device; the server draft is gone after sending.
    assert client.get(f"{KITA}/eingegangen/{sent['reference']}").status_code == 200
    assert laptop.get(f"{KITA}/entwurf").status_code == 404
    deleted = client.delete(f"{KITA}/entwurf", headers={"X-CSRFToken": token})
    assert deleted.status_code == 204


def test_the_other_services_run_on_the_same_engine(client: CheckingClient) -> None:
    token = csrf_token(client.get("/"))
    contact = client.post(
        "/antraege/kontakt/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "thema": "hinweis",
            "betreff": "Schlagloch",
            "nachricht": "Vor Hausnummer 5.",
            "name": "Erika",
            "antwortweg": "email",
            "email": "",
            "anhaenge": [(io.BytesIO(png()), "loch.png")],
        },
        headers={**JSON, "X-CSRFToken": token},
    )
    assert contact.status_code == 422
    assert contact.get_json()["errors"] == {"email": ["Geben Sie Ihre E-Mail-Adresse an."]}
    assert contact.get_json()["step"] == "antwort"
    receipts = client.post(
        "/antraege/belege-nachreichen/absenden",
        data={"submission_id": str(uuid.uuid4()), "aktenzeichen": "BG-2026-000001", "name": "E"},
        headers={**JSON, "X-CSRFToken": token},
    )
    assert receipts.get_json()["errors"] == {"belege": ["Laden Sie mindestens einen Beleg hoch."]}


def test_the_catalogue_finds_the_form_services(client: CheckingClient) -> None:
    found = text_of(client.get("/dienste", query_string={"q": "receipts"}))
    assert "Belege nachreichen" in found
    found = text_of(client.get("/dienste", query_string={"q": "nursery"}))
    assert "Kita-Anmeldung" in found
    page = text_of(client.get("/dienste/kita"))
    assert "Was Sie brauchen" in page
    assert "kostenlos" in page
    assert f'href="{KITA}"' in page


def test_a_logged_in_parents_registration_is_listed_in_the_account(
    client: CheckingClient,
) -> None:
    from tests.integration.auth.test_sessions import logged_in_citizen, make_citizen

    app = client.application
    parent = logged_in_citizen(app, make_citizen(app))
    sent = json_submit(parent, all_kita_answers(), str(uuid.uuid4()))
    assert sent.status_code == 200, text_of(sent)
    reference = sent.get_json()["reference"]
    account = parent.get("/konto")
    text = text_of(account)
    assert "Anträge" in text
    assert reference in text
    assert "Eingegangen" in text
    soup = BeautifulSoup(account.get_data(as_text=True), "lxml")
    link = soup.find("a", string=lambda s: bool(s) and reference in s)
    assert link is not None
    assert reference in text_of(parent.get(link["href"]))
    # Nobody else's account shows it.
    stranger = logged_in_citizen(app, make_citizen(app, "Max"))
    assert reference not in text_of(stranger.get("/konto"))
