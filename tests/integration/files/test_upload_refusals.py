"""An upload refused by the content checks (server.files.checks), end to end through the fine
hearing: the citizen reads why, nothing is stored, and what was entered is still there."""

from __future__ import annotations

import io

from bs4 import BeautifulSoup
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from server.extensions import db
from server.fines.models import HearingStatement, Upload
from tests.checking_client import CheckingClient, element
from tests.integration.fines.test_fines_hearing import opened, submit
from tests.integration.payments.test_payments_citizen import text_of


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('Bitte Kennwort eingeben');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_javascript_is_refused_and_the_statement_kept(client: CheckingClient) -> None:
    case = opened(client)
    response = submit(
        client,
        case,
        kind="contest",
        text="Ich war zur Tatzeit im Urlaub, siehe Buchung.",
        files=[(io.BytesIO(pdf_with_javascript()), "buchung.pdf")],
    )
    assert response.status_code == 422
    assert (
        "„buchung.pdf“ enthält JavaScript oder andere ausführbare Inhalte. Bitte speichern Sie "
        "es als einfaches PDF (zum Beispiel über „Drucken“ und „Als PDF speichern“)."
    ) in text_of(response)

    # The hearing's attachments step says why; the other answers are kept in its steps.
    def step(name: str) -> BeautifulSoup:
        page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}/anhoerung/{name}")
        return BeautifulSoup(page.get_data(as_text=True), "lxml")

    assert element(step("bestreiten").find("textarea", attrs={"name": "contest_text"})).get_text(
        strip=True
    ) == ("Ich war zur Tatzeit im Urlaub, siehe Buchung.")
    assert element(step("absicht").find("input", attrs={"value": "contest"})).has_attr("checked")
    assert element(step("person").find("input", attrs={"name": "person_name"}))["value"] == (
        "Erika Mustermann"
    )
    with client.application.app_context():
        assert db.session.query(Upload).count() == 0
        assert db.session.query(HearingStatement).count() == 0
