"""Ordering civil-status certificates on both databases: the order form on the form engine with
its eligibility step (§§ 62, 63 PStG), the fee from the fee table shown before paying, payment
through the sandbox platform, and the registry office issuing or rejecting (with one refund)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import requests
from bs4 import BeautifulSoup
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from server.audit.models import AuditEntry
from server.auth.models import Citizen
from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.forms import payment
from server.forms.models import FormStatusEvent, FormSubmission
from server.mail.models import OutboxMail
from server.payments.models import Refund
from server.payments.receivables import find_by_kassenzeichen
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.forms.test_forms import pdf_text
from tests.integration.helpers import log_in_clerk
from tests.threads import Wait, times, together

ORDER = "/antraege/urkunden"


def text_of(response: TestResponse) -> str:
    return " ".join(BeautifulSoup(response.get_data(as_text=True), "lxml").get_text().split())


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 10)).save(out, format="PNG")
    return out.getvalue()


def make_citizen(app: Flask, *, eid: bool = False, birthdate: date | None = None) -> int:
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(
            given_name="Erika",
            family_name="Mustermann",
            birthdate=birthdate or date(1984, 1, 12),
            street="Heidestraße 17",
            postal_code="51147",
            locality="Köln",
            email="erika@example.de",
            trust_level="high" if eid else "low",
            eid_issuer="https://eid.example" if eid else None,
            eid_subject="erika" if eid else None,
        )
        session.add(citizen)
        session.flush()
        return citizen.id


def citizen_browser(
    app: Flask, *, trust: str = "low", citizen_id: int | None = None
) -> CheckingClient:
    """A browser in which a citizen is logged in (as after a login)."""
    citizen_id = citizen_id or make_citizen(app, eid=trust == "high")
    client = checking_client(app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = trust
    return client


def order_steps(**changes: Any) -> list[tuple[str, dict[str, Any]]]:
    """The steps of an order of two birth certificates for oneself, with ``changes``."""
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "urkunde",
            {
                "dokument": "geburtsurkunde",
                "fassung": "deutsch",
                "anzahl": "2",
                "zweck": "persoenlich",
            },
        ),
        (
            "eintrag",
            {
                "vorname": "Erika",
                "nachname": "Mustermann",
                "ereignis_datum": "1984-01-12",
                "ort": "Musterstadt",
                "eltern": "Hans und Gabi Mustermann",
            },
        ),
        ("berechtigung", {"beziehung": "selbst", "antragsteller_geburtsdatum": "1984-01-12"}),
        ("nachweise", {}),
        (
            "versand",
            {
                "empfaenger": "Erika Mustermann",
                "strasse": "Heidestraße 17",
                "plz_ort": "51147 Köln",
                "email": "erika@example.de",
            },
        ),
    ]
    for step, values in steps:
        for name in list(changes):
            if name in values or name.startswith(f"{step}:"):
                values[name.removeprefix(f"{step}:")] = changes.pop(name)
    for name, value in changes.items():  # new answers go to the step that asks them
        step = {"registernummer": "eintrag", "geburtsdatum_verstorben": "eintrag"}.get(name, "")
        for slug, values in steps:
            if slug == step:
                values[name] = value
    return steps


def post_step(client: CheckingClient, step: str, values: dict[str, Any]) -> TestResponse:
    token = csrf_token(client.get(f"{ORDER}/urkunde"))
    data = {"csrf_token": token, **values}
    return client.post(f"{ORDER}/{step}", data=data, content_type="multipart/form-data")


def walk(client: CheckingClient, **changes: Any) -> TestResponse:
    """Answer every step without JavaScript; returns the check-answers page. The assessed step
    gets an ID copy if it asks for one."""
    for step, values in order_steps(**changes):
        if step == "nachweise":
            page = client.get(f"{ORDER}/nachweise")
            if page.status_code == 302:
                continue  # nothing to prove
            if 'name="ausweiskopie"' in page.get_data(as_text=True):
                values = {"ausweiskopie": (io.BytesIO(png()), "ausweis.png"), **values}
        response = post_step(client, step, values)
        assert response.status_code == 303, (step, text_of(response)[:1500])
    return client.get(f"{ORDER}/pruefen")


def submit(client: CheckingClient) -> TestResponse:
    page = client.get(f"{ORDER}/pruefen")
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    field = soup.find("input", attrs={"name": "submission_id"})
    assert field is not None, text_of(page)[:1500]
    return client.post(
        f"{ORDER}/absenden",
        data={"csrf_token": csrf_token(page), "submission_id": field["value"]},
    )


def only_submission(app: Flask) -> FormSubmission:
    with app.app_context():
        found = db.session.scalars(select(FormSubmission)).one()
        db.session.expunge(found)
        return found


def errors_on(response: TestResponse) -> dict[str, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    return {
        str(p["id"]).removesuffix("-error"): p.get_text(" ", strip=True)
        for p in soup.select("p.kern-error[id]")
    }


# --- login -----------------------------------------------------------------------------------


def test_visitors_are_sent_to_the_ways_to_a_certificate_and_come_back(
    client: CheckingClient, lowered_app: Flask
) -> None:
    response = client.get(f"{ORDER}/urkunde")
    assert response.status_code == 303
    assert response.location == "/urkunden/ohne-online-ausweis?next=/antraege/urkunden/urkunde"
    # Where the city lowered the level, any login will do: the login page.
    lowered = checking_client(lowered_app).get(f"{ORDER}/urkunde")
    assert lowered.location.startswith("/konto?next=/antraege/urkunden/urkunde")
    service = client.get("/dienste/urkunden")
    assert "Was es kostet" in text_of(service)
    assert f'href="{ORDER}"' in service.get_data(as_text=True)
    draft = client.get(f"{ORDER}/entwurf", headers={"Accept": "application/json"})
    assert (draft.status_code, draft.get_json()) == (401, {"status": "login_required"})


# --- eligibility and bad input ---------------------------------------------------------------


def test_an_applicant_under_sixteen_is_refused_on_the_relationship(lowered_app: Flask) -> None:
    client = citizen_browser(lowered_app)
    walk_until = order_steps()
    for step, values in walk_until[:2]:
        assert post_step(client, step, values).status_code == 303
    today = city_today()
    fifteen = today.replace(year=today.year - 15).isoformat()
    refused = post_step(
        client, "berechtigung", {"beziehung": "selbst", "antragsteller_geburtsdatum": fifteen}
    )
    assert refused.status_code == 422
    assert "erst ab 16 Jahren" in errors_on(refused)["beziehung"]
    # Nothing typed is lost.
    soup = BeautifulSoup(refused.get_data(as_text=True), "lxml")
    assert soup.find(id="antragsteller_geburtsdatum")["value"] == fifteen  # type: ignore[index]


def test_an_adopted_childs_register_extract_is_refused_to_a_sibling(app: Flask) -> None:
    client = citizen_browser(app, trust="high")
    steps = order_steps(
        **{"urkunde:dokument": "registerausdruck-geburt", "eintrag:angenommen": "ja"}
    )
    for step, values in steps[:2]:
        values.pop("fassung", None)
        assert post_step(client, step, values).status_code == 303, step
    refused = post_step(
        client,
        "berechtigung",
        {"beziehung": "geschwister", "antragsteller_geburtsdatum": "1980-01-01"},
    )
    assert refused.status_code == 422
    assert "§ 63 Abs. 1 PStG" in errors_on(refused)["beziehung"]


def test_impossible_dates_and_missing_details_are_clear_errors(app: Flask) -> None:
    client = citizen_browser(app, trust="high")
    assert post_step(client, *order_steps()[0]).status_code == 303
    future = (city_today() + timedelta(days=3)).isoformat()
    response = post_step(
        client, "eintrag", {"vorname": "Erika", "ereignis_datum": future, "ort": "Musterstadt"}
    )
    assert response.status_code == 422
    errors = errors_on(response)
    assert errors["ereignis_datum"] == "Das Datum darf nicht in der Zukunft liegen."
    assert errors["nachname"] == "Geben Sie den Familiennamen der Person im Eintrag an."
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert soup.find(id="vorname")["value"] == "Erika"  # type: ignore[index]

    death = order_steps(**{"urkunde:dokument": "sterbeurkunde"})[0][1]
    assert post_step(client, "urkunde", death).status_code == 303
    before_birth = post_step(
        client,
        "eintrag",
        {
            "vorname": "Max",
            "nachname": "Mustermann",
            "geburtsdatum_verstorben": "1950-05-01",
            "ereignis_datum": "1949-12-31",
            "ort": "Musterstadt",
        },
    )
    assert before_birth.status_code == 422
    assert "Der Tod kann nicht vor der Geburt liegen" in errors_on(before_birth)["ereignis_datum"]


def test_a_cousin_is_told_what_to_upload_and_refused_without_it(lowered_app: Flask) -> None:
    client = citizen_browser(lowered_app)
    steps = order_steps(**{"berechtigung:beziehung": "andere"})
    for step, values in steps[:3]:
        assert post_step(client, step, values).status_code == 303, step
    page = client.get(f"{ORDER}/nachweise")
    notes = text_of(page)
    assert "rechtliches Interesse" in notes
    assert "Nachlassgerichts" in notes
    assert "Kopie Ihres Personalausweises" in notes
    refused = post_step(client, "nachweise", {})
    assert refused.status_code == 422
    errors = errors_on(refused)
    assert errors["interesse_begruendung"] == "Beschreiben Sie Ihr Interesse am Eintrag."
    assert errors["nachweis"].startswith("Laden Sie einen Nachweis Ihres rechtlichen Interesses")
    assert errors["ausweiskopie"].startswith("Laden Sie eine Kopie Ihres Personalausweises")
    # The check page does not let the order go without them either.
    check = client.get(f"{ORDER}/pruefen")
    assert "Nachweise beantworten" in text_of(check)
    assert 'name="submission_id"' not in check.get_data(as_text=True)


def test_a_siblings_death_certificate_needs_an_explanation_only(app: Flask) -> None:
    client = citizen_browser(app, trust="high")
    steps = order_steps(
        **{
            "urkunde:dokument": "sterbeurkunde",
            "urkunde:anzahl": "1",
            "eintrag:ereignis_datum": "2025-02-03",
            "berechtigung:beziehung": "geschwister",
        }
    )
    for step, values in steps[:3]:
        assert post_step(client, step, values).status_code == 303, step
    page = client.get(f"{ORDER}/nachweise")
    assert "berechtigtes Interesse" in text_of(page)
    html = page.get_data(as_text=True)
    assert 'name="interesse_begruendung"' in html
    assert 'name="nachweis"' not in html
    assert 'name="ausweiskopie"' not in html
    done = post_step(client, "nachweise", {"interesse_begruendung": "Nachlass meines Bruders"})
    assert done.status_code == 303


def test_an_id_copy_is_needed_unless_the_login_is_at_level_high(lowered_app: Flask) -> None:
    app = lowered_app
    low = citizen_browser(app)
    for step, values in order_steps()[:3]:
        response = post_step(low, step, values)
    assert response.location.endswith(f"{ORDER}/nachweise")
    page = low.get(f"{ORDER}/nachweise")
    assert 'name="ausweiskopie"' in page.get_data(as_text=True)

    high = citizen_browser(app, trust="high")
    for step, values in order_steps()[:3]:
        response = post_step(high, step, values)
    # Nothing to prove: the step is skipped.
    assert response.location.endswith(f"{ORDER}/versand")
    assert high.get(f"{ORDER}/nachweise").status_code == 302


def test_the_eid_date_of_birth_wins_over_a_typed_one(app: Flask) -> None:
    today = city_today()
    young = make_citizen(app, eid=True, birthdate=today.replace(year=today.year - 14))
    client = citizen_browser(app, trust="high", citizen_id=young)
    for step, values in order_steps()[:2]:
        post_step(client, step, values)
    refused = post_step(
        client, "berechtigung", {"beziehung": "selbst", "antragsteller_geburtsdatum": "1980-01-01"}
    )
    assert refused.status_code == 422
    assert "16 Jahren" in errors_on(refused)["beziehung"]


# --- fees ------------------------------------------------------------------------------------


def fee_rows(page: TestResponse) -> list[tuple[str, str]]:
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    table = soup.find(id="fee")
    assert table is not None, text_of(page)[:1500]
    return [
        tuple(" ".join(cell.get_text().split()) for cell in row.find_all(["td", "th"]))  # type: ignore[misc]
        for row in table.select("tbody tr")
    ]


def test_two_copies_cost_the_first_copy_plus_half(app: Flask) -> None:
    check = walk(citizen_browser(app, trust="high"))
    assert fee_rows(check) == [
        ("Erste Ausfertigung", "12,00 €"),
        ("1 weitere Ausfertigung, je 50 %", "6,00 €"),
        ("Gesamt", "18,00 €"),
    ]
    assert "Zahlungspflichtig absenden und bezahlen" in text_of(check)


def test_missing_essential_details_add_the_search_fee_a_register_number_avoids_it(
    app: Flask,
) -> None:
    client = citizen_browser(app, trust="high")
    check = walk(client, **{"urkunde:anzahl": "1", "eintrag:eltern": ""})
    assert fee_rows(check)[-2:] == [
        ("Suchgebühr (Angaben zum Eintrag unvollständig)", "12,00 €"),
        ("Gesamt", "24,00 €"),
    ]
    with_number = walk(
        client, **{"urkunde:anzahl": "1", "eintrag:eltern": "", "registernummer": "G 12/1984"}
    )
    assert fee_rows(with_number)[-1] == ("Gesamt", "12,00 €")


def test_a_free_purpose_costs_nothing_and_goes_straight_to_the_registry_office(
    lowered_app: Flask,
) -> None:
    app = lowered_app
    client = citizen_browser(app)
    check = walk(client, **{"urkunde:zweck": "rente"})
    assert fee_rows(check)[-1] == ("Gesamt", "0,00 €")
    assert "Rentenangelegenheit: gebührenfrei" in text_of(check)
    sent = submit(client)
    assert sent.status_code == 303
    confirmation = client.get(sent.location)
    assert "Eingangsnummer: URK-" in text_of(confirmation)
    assert "Zahlung offen" not in text_of(confirmation)
    submission = only_submission(app)
    assert (submission.status, submission.fee_cents, submission.kassenzeichen) == (
        "eingegangen",
        0,
        None,
    )
    with app.app_context():
        mail = db.session.scalars(select(OutboxMail)).one()
        assert mail.recipient == "erika@example.de"
        assert submission.reference is not None
        assert submission.reference in mail.subject
        assert mail.attachment_name == f"eingangsbestaetigung-{submission.reference}.pdf"
    # The ID copy the rules asked for is with the order.
    with app.app_context():
        stored = db.session.get(FormSubmission, submission.id)
        assert stored is not None
        assert [u.field for u in stored.uploads] == ["ausweiskopie"]


def test_the_fee_reads_in_the_language_of_whoever_looks(app: Flask) -> None:
    client = citizen_browser(app, trust="high")
    client.set_cookie("portal_lang", "en")
    walk(client)
    sent = submit(client)
    assert sent.status_code == 303
    submission = only_submission(app)
    assert submission.fee_lines is not None
    received = f"{ORDER}/eingegangen/{submission.reference}"
    english = fee_rows(client.get(received))
    assert "Ausfertigung" not in english[0][0]
    client.set_cookie("portal_lang", "de")
    assert fee_rows(client.get(received))[:2] == [
        ("Erste Ausfertigung", "12,00 €"),
        ("1 weitere Ausfertigung, je 50 %", "6,00 €"),
    ]
    # The receipt is an official paper: German, whatever language the order was sent in.
    receipt = client.get(f"{received}/eingangsbestaetigung.pdf")
    assert "Erste Ausfertigung" in pdf_text(receipt.get_data())


# --- payment ---------------------------------------------------------------------------------


def sandbox_pay(live_server: LiveServer, paypage_url: str, outcome: str) -> str:
    """The citizen on the platform's page; returns the path back to the portal."""
    assert paypage_url.startswith(f"{live_server.url}/sandbox-zahlung/bezahlen/SBX-")
    browser = requests.Session()
    form = browser.get(paypage_url, timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    back = browser.post(
        paypage_url,
        data={"csrf_token": token.group(1), "outcome": outcome, "method": "PayPal"},
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302
    return str(back.headers["Location"]).removeprefix(live_server.url)


def registry_clerk(app: Flask) -> CheckingClient:
    make_clerk(app, username="standesamt", roles=[Role.REGISTRY_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "standesamt")
    return clerk


def inbox_text(clerk: CheckingClient) -> str:
    return text_of(clerk.get("/verwaltung/antraege/urkunden/"))


def paid_order(live_server: LiveServer) -> tuple[CheckingClient, FormSubmission]:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    citizen = citizen_browser(app, trust="high")
    walk(citizen)
    started = submit(citizen)
    assert started.status_code == 303
    back = sandbox_pay(live_server, started.location, "PAYED")
    receipt = citizen.get(back, follow_redirects=True)
    assert "Vielen Dank. Ihre Zahlung ist eingegangen" in text_of(receipt)
    assert "Zurück zu Ihrem Antrag URK-" in text_of(receipt)
    return citizen, only_submission(app)


def test_an_order_awaits_payment_outside_the_inbox_until_paid(live_server: LiveServer) -> None:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    clerk = registry_clerk(app)
    citizen = citizen_browser(app, trust="high")
    walk(citizen)
    started = submit(citizen)
    waiting = only_submission(app)
    assert waiting.status == "zahlung-offen"
    assert waiting.fee_cents == 1800
    assert waiting.kassenzeichen is not None
    assert waiting.reference is not None
    assert waiting.reference not in inbox_text(clerk)
    with app.app_context():
        receivable = find_by_kassenzeichen(waiting.kassenzeichen)
        assert receivable is not None
        assert (receivable.purpose, receivable.purpose_ref, receivable.amount_cents) == (
            "certificate",
            waiting.reference,
            1800,
        )
    account = text_of(citizen.get("/konto"))
    assert f"Urkunden bestellen, Eingangsnummer {waiting.reference}" in account
    assert "Zahlung offen" in account
    assert "Jetzt bezahlen" in account

    back = sandbox_pay(live_server, started.location, "PAYED")
    citizen.get(back)
    paid = only_submission(app)
    assert paid.status == "eingegangen"
    assert paid.reference is not None
    assert paid.reference in inbox_text(clerk)
    confirmation = text_of(citizen.get(f"{ORDER}/eingegangen/{paid.reference}"))
    assert "Bezahlt: 18,00 €" in confirmation
    assert "Jetzt bezahlen" not in confirmation
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        # The confirmation with the receipt, and the proof of payment.
        assert [(m.recipient, m.attachment_name) for m in mails] == [
            ("erika@example.de", f"eingangsbestaetigung-{paid.reference}.pdf"),
            ("erika@example.de", f"zahlungsbestaetigung-{paid.kassenzeichen}.pdf"),
        ]
        # The settlement handler is idempotent: another report moves nothing.
        receivable = find_by_kassenzeichen(paid.kassenzeichen or "")
        assert receivable is not None
        with db.transaction():
            payment.on_settled(receivable)
        events = db.session.scalars(
            select(FormStatusEvent.status).where(FormStatusEvent.submission_id == paid.id)
        ).all()
        assert events == ["zahlung-offen", "eingegangen"]
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 2


def test_a_failed_payment_leaves_the_order_to_be_paid_later(live_server: LiveServer) -> None:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    citizen = citizen_browser(app, trust="high")
    walk(citizen)
    started = submit(citizen)
    back = sandbox_pay(live_server, started.location, "FAILED")
    citizen.get(back)
    waiting = only_submission(app)
    assert waiting.status == "zahlung-offen"
    page = citizen.get(f"{ORDER}/eingegangen/{waiting.reference}")
    assert "Zahlung offen" in text_of(page)
    assert "Jetzt bezahlen" in text_of(page)
    again = citizen.post(
        f"{ORDER}/eingegangen/{waiting.reference}/bezahlen",
        data={"csrf_token": csrf_token(page)},
    )
    assert again.status_code == 303
    citizen.get(sandbox_pay(live_server, again.location, "PAYED"))
    assert only_submission(app).status == "eingegangen"


# --- the registry office ---------------------------------------------------------------------


def decide(
    clerk: CheckingClient, submission: FormSubmission, status: str, **inputs: str
) -> TestResponse:
    url = f"/verwaltung/antraege/urkunden/{submission.id}"
    page = clerk.get(url)
    data = {"csrf_token": csrf_token(page), "status": status}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    return clerk.post(url, data=data)


def test_the_clerk_issues_with_the_posting_date_the_citizen_sees(live_server: LiveServer) -> None:
    citizen, order = paid_order(live_server)
    clerk = registry_clerk(live_server.app)
    missing = decide(clerk, order, "versandt")
    assert missing.status_code == 422
    assert "Geben Sie an: Versanddatum" in text_of(missing)
    today = city_today()
    future = decide(clerk, order, "versandt", versanddatum=(today + timedelta(days=2)).isoformat())
    assert "nicht in der Zukunft" in text_of(future)
    done = decide(clerk, order, "versandt", versanddatum=today.isoformat())
    assert done.status_code == 302
    page = text_of(citizen.get(f"{ORDER}/eingegangen/{order.reference}"))
    assert "Ausgestellt und versandt" in page
    assert f"Versanddatum: {today:%d.%m.%Y}" in page
    assert "Ausgestellt und versandt" in text_of(citizen.get("/konto"))


def test_a_rejection_refunds_the_fee_once_however_often_it_is_sent(
    live_server: LiveServer,
) -> None:
    app = live_server.app
    citizen, order = paid_order(live_server)
    clerk = registry_clerk(app)
    assert "Grund der Ablehnung" in text_of(decide(clerk, order, "abgelehnt"))
    page = clerk.get(f"/verwaltung/antraege/urkunden/{order.id}")
    data = {
        "csrf_token": csrf_token(page),
        "status": "abgelehnt",
        "abgelehnt-grund": "Kein Eintrag im Geburtenregister der Stadt.",
    }
    first = clerk.post(f"/verwaltung/antraege/urkunden/{order.id}", data=data)
    second = clerk.post(f"/verwaltung/antraege/urkunden/{order.id}", data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    with app.app_context():
        refunds = db.session.scalars(select(Refund)).all()
        assert [(r.amount_cents, r.state) for r in refunds] == [(1800, "refunded")]
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions.count("payments.refund") == 1
        assert actions.count("forms.status") == 1
        assert "forms.paid" in actions
    page_text = text_of(citizen.get(f"{ORDER}/eingegangen/{order.reference}"))
    assert "Abgelehnt" in page_text
    assert "Grund der Ablehnung: Kein Eintrag im Geburtenregister der Stadt." in page_text


def test_a_rejection_sent_twice_at_once_refunds_once(live_server: LiveServer) -> None:
    from server.forms.submissions import StatusError, change_status, get_submission

    app = live_server.app
    _, order = paid_order(live_server)

    def reject(wait: Wait) -> object:
        with app.app_context():
            try:
                found = get_submission(order.id)
                assert found is not None
                wait()
                return change_status(found, "abgelehnt", clerk="standesamt", inputs={"grund": "x"})
            except StatusError as refused:
                return refused.errors
            finally:
                db.session.close()

    # Both saw the paid order: one rejects it, the other finds it rejected and changes nothing
    # (False); a crashed thread fails the test here.
    assert sorted(together(times(2, reject)), key=repr) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count(Refund.id))) == 1
