"""§ 6 Abs. 3 PStV on both databases: an online certificate order needs the trust level "high"
(the eID) unless the city lowered a document kind (``CERTIFICATE_LOWER_LEVEL_DOCUMENTS``); below
it the citizen learns why and gets the ways without it: the application on paper (PDF, pre-filled
from the account) and an appointment at the registry office."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from server import create_app
from server.config import ConfigurationError
from server.extensions import db
from server.forms.models import FormSubmission
from tests.checking_client import checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.integration.certificates.test_certificates import (
    citizen_browser,
    errors_on,
    order_steps,
    post_step,
    submit,
    text_of,
    walk,
)
from tests.integration.forms.test_forms import pdf_text

ORDER = "/antraege/urkunden"
WAYS = "/urkunden/ohne-online-ausweis"
WHY = "Online bestellen Sie Urkunden beim Standesamt nur mit einer Anmeldung auf dem"


def submissions(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FormSubmission)) or 0


def test_a_password_login_is_sent_to_the_ways_without_the_eid(app: Flask) -> None:
    client = citizen_browser(app)  # e-mail and password: level "low"
    start = client.get(ORDER)
    assert start.status_code == 303
    assert start.location == f"{WAYS}?next={ORDER}"
    step = client.get(f"{ORDER}/eintrag")
    assert step.location == f"{WAYS}?next={ORDER}/eintrag"

    page = client.get(start.location)
    assert page.status_code == 200
    text = text_of(page)
    assert WHY in text
    assert "also mit dem Online-Ausweis: So schreibt es § 6 Abs. 3 PStV vor." in text
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("main a[href]")}
    # Back to the order after the eID login; the paper application; an appointment.
    assert links["Mit Online-Ausweis anmelden"] == f"/auth/eid/login?next={ORDER}"
    assert links["Antrag zum Ausdrucken (PDF)"] == "/urkunden/antrag.pdf"
    assert links["Termin vereinbaren"] == "/termine"
    assert "Die EUDI-Wallet" in text
    assert "noch nicht verfügbar" in text
    assert "Rathausplatz 1" in soup.find(id="office").get_text()  # type: ignore[union-attr]
    # No list of documents to order without the eID: the city lowered none.
    assert soup.find(id="lowered") is None


def test_below_the_level_nothing_is_saved_or_sent(app: Flask) -> None:
    client = citizen_browser(app)
    token = csrf_token(client.get(WAYS))
    posted = client.post(
        f"{ORDER}/urkunde",
        data={"csrf_token": token, **order_steps()[0][1]},
    )
    assert posted.status_code == 303
    assert posted.location.startswith(WAYS)
    sent = client.post(
        f"{ORDER}/absenden",
        data={"csrf_token": token, "submission_id": "0123456789abcdef", **order_steps()[0][1]},
    )
    assert sent.location.startswith(WAYS)
    draft = client.get(f"{ORDER}/entwurf", headers={"Accept": "application/json"})
    assert (draft.status_code, draft.get_json()) == (401, {"status": "login_required"})
    assert submissions(app) == 0


def test_the_paper_application_is_pre_filled_from_the_account(app: Flask) -> None:
    client = citizen_browser(app)
    response = client.get("/urkunden/antrag.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.get_data())
    assert "Antrag auf Ausstellung einer Personenstandsurkunde" in text
    for line in ("Erika Mustermann", "Heidestraße 17", "51147 Köln", "12.01.1984"):
        assert line in text
    assert "Stadt Musterstadt – Standesamt" in text
    assert "§ 6 Abs. 3 PStV" in text
    for label in ("Geburtsurkunde", "Sterbeurkunde", "Anzahl der Ausfertigungen", "Unterschrift"):
        assert label in text

    # Without an account: lines to fill in by hand.
    anonymous = pdf_text(checking_client(app).get("/urkunden/antrag.pdf").get_data())
    assert "Antragstellerin oder Antragsteller (bitte ausfüllen)" in anonymous
    assert "Erika" not in anonymous


def test_a_citizen_with_the_eid_at_level_high_orders(app: Flask) -> None:
    client = citizen_browser(app, trust="high")
    assert client.get(ORDER).location == f"{ORDER}/urkunde"
    check = walk(client)
    assert "Zahlungspflichtig absenden und bezahlen" in text_of(check)
    assert submit(client).status_code == 303
    assert submissions(app) == 1


@pytest.fixture
def birth_lowered(backend: str) -> Iterator[Flask]:
    """The city lowered the level for birth certificates only."""
    app = make_test_app(backend, CERTIFICATE_LOWER_LEVEL_DOCUMENTS="geburtsurkunde")
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_a_lowered_document_is_ordered_with_password_and_id_copy(birth_lowered: Flask) -> None:
    client = citizen_browser(birth_lowered)
    assert client.get(ORDER).location == f"{ORDER}/urkunde"
    # A marriage certificate is not lowered: refused on the document question, with the way.
    marriage = post_step(client, "urkunde", order_steps(**{"urkunde:dokument": "eheurkunde"})[0][1])
    assert marriage.status_code == 422
    assert errors_on(marriage)["dokument"] == (
        "Diese Urkunde können Sie online nur mit dem Online-Ausweis bestellen (§ 6 Abs. 3 PStV). "
        "Ohne ihn können Sie online bestellen: Geburtsurkunde."
    )
    soup = BeautifulSoup(marriage.get_data(as_text=True), "lxml")
    link = soup.find("a", string="So bekommen Sie die Urkunde ohne Online-Ausweis")
    assert link is not None
    assert link["href"] == f"{WAYS}?next={ORDER}"
    ways = text_of(client.get(str(link["href"])))
    assert "Ohne Online-Ausweis können Sie online nur bestellen: Geburtsurkunde." in ways

    # The birth certificate goes on, and the ID copy is asked for.
    check = walk(client)
    assert "Kopie Ihres Personalausweises" in text_of(check)
    assert submit(client).status_code == 303
    with birth_lowered.app_context():
        stored = db.session.scalars(select(FormSubmission)).one()
        assert stored.answers["dokument"] == "geburtsurkunde"
        assert [u.field for u in stored.uploads] == ["ausweiskopie"]


def test_the_catalogue_says_what_is_needed(app: Flask, birth_lowered: Flask) -> None:
    default = text_of(checking_client(app).get("/dienste/urkunden"))
    assert "Urkunden bestellen Sie online nur mit ihm (§ 6 Abs. 3 PStV)" in default
    assert "den Antrag zum Ausdrucken oder einen Termin im Standesamt" in default
    assert "Kopie Ihres" not in default
    lowered = text_of(checking_client(birth_lowered).get("/dienste/urkunden"))
    assert "Ohne ihn bestellen Sie online mit Ihrem Konto" in lowered
    assert "nur: Geburtsurkunde." in lowered


def test_an_unknown_document_kind_refuses_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"}
    with pytest.raises(ConfigurationError, match="CERTIFICATE_LOWER_LEVEL_DOCUMENTS"):
        create_app({**config, "CERTIFICATE_LOWER_LEVEL_DOCUMENTS": "heiratsurkunde"})
    monkeypatch.setenv("CERTIFICATE_LOWER_LEVEL_DOCUMENTS", "sterbeurkunde, Geburtsurkunde")
    with pytest.raises(ConfigurationError, match="unknown document kinds Geburtsurkunde"):
        create_app(config)
    # From the environment, as an operator sets it.
    monkeypatch.setenv("CERTIFICATE_LOWER_LEVEL_DOCUMENTS", "sterbeurkunde, eheurkunde")
    started = create_app(config)
    assert {kind.value for kind in started.config["CERTIFICATE_LOWER_LEVEL_DOCUMENTS"]} == {
        "sterbeurkunde",
        "eheurkunde",
    }
