"""The privacy notice of paying a notice (Art. 13 DSGVO): short on the lookup, in full at
/zahlungen/datenschutz."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask_babel import force_locale

from server.payments.privacy import PRIVACY
from server.privacy import GENERAL_PAGE
from tests.checking_client import CheckingClient, element


def test_the_lookup_shows_the_short_notice_and_links_the_full_one(client: CheckingClient) -> None:
    page = BeautifulSoup(client.get("/zahlungen/").get_data(as_text=True), "lxml")
    short = page.find(id="datenschutz-kurz")
    assert short is not None
    assert page.find("input", attrs={"name": "kassenzeichen"}) in short.find_all_next("input")
    assert "Stadt Musterstadt, Stadtkasse" in short.get_text(" ")
    link = element(short.find("a", string="Mehr zum Datenschutz beim Bezahlen"))
    assert link["href"] == "/zahlungen/datenschutz"

    full = BeautifulSoup(client.get(link["href"]).get_data(as_text=True), "lxml")
    text = " ".join(full.get_text(" ").split())
    with client.application.test_request_context(), force_locale("de"):
        for part in (PRIVACY.legal_basis, PRIVACY.retention, *PRIVACY.recipients):
            assert " ".join(str(part).split()) in text
    for anchor in ("verantwortlich", "zwecke", "rechtsgrundlage", "speicherdauer", "empfaenger"):
        assert full.find("h2", id=anchor) is not None
    assert full.find("a", href=GENERAL_PAGE) is not None
