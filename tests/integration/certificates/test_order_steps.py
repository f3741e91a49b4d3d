"""The certificate order walked without JavaScript for each document: every page asks only the
questions of the chosen document, the purpose once, offers only the relationships that can be
(nobody is the person in their own death entry), and "Schritt n von m" never grows on the way;
the check page offers no sending while steps are unanswered."""

from __future__ import annotations

import io
import re
from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.certificates.test_certificates import png, text_of

ORDER = "/antraege/urkunden"
# The questions of "Angaben zum Eintrag" every document asks, and those of one kind only.
ENTRY = {"vorname", "nachname", "geburtsname", "ereignis_datum", "ort", "registernummer"}
ENTRY_OF = {
    "geburtsurkunde": {"eltern"},
    "registerausdruck-geburt": {"eltern", "angenommen"},
    "eheurkunde": {"partner_name"},
    "lebenspartnerschaftsurkunde": {"partner_name"},
    "sterbeurkunde": {"geburtsdatum_verstorben"},
}
RELATIONSHIPS = {"selbst", "ehegatte", "vorfahr", "abkoemmling", "geschwister", "andere"}


def browser(app: Flask, *, eid: bool, name: str) -> CheckingClient:
    """A logged-in citizen: with the eID (trust level high, no ID copy needed) or an account."""
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(
            given_name="Erika",
            family_name=name,
            street="Heidestraße 17",
            postal_code="51147",
            locality="Köln",
            email=f"{name.lower()}@example.de",
            trust_level="high" if eid else "low",
            eid_issuer="https://eid.example" if eid else None,
            eid_subject=name if eid else None,
        )
        session.add(citizen)
        session.flush()
        citizen_id = citizen.id
    client = checking_client(app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "high" if eid else "low"
    return client


def answers_for(document: str, relationship: str) -> dict[str, dict[str, Any]]:
    # A death within the thirty years the registry office keeps the death register.
    day = "2020-03-01" if document == "sterbeurkunde" else "1990-06-15"
    entry = {"vorname": "Jan", "nachname": "Neu", "ereignis_datum": day, "ort": "Köln"}
    if document == "registerausdruck-geburt":
        entry["angenommen"] = "nein"
    return {
        "urkunde": {
            "dokument": document,
            "fassung": "deutsch",
            "anzahl": "1",
            "zweck": "nachlass",
        },
        "eintrag": entry,
        "berechtigung": {"beziehung": relationship, "antragsteller_geburtsdatum": "1960-01-01"},
        "nachweise": {"interesse_begruendung": "Ich bin Erbin."},
        "versand": {
            "empfaenger": "Erika Neu",
            "strasse": "Heidestraße 17",
            "plz_ort": "51147 Köln",
            "email": "erika@example.de",
        },
    }


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def questions(page: BeautifulSoup) -> set[str]:
    form = page.find("form", id="step-form")
    assert form is not None
    return {
        str(control["name"])
        for control in form.select("input[name], select[name], textarea[name]")
        if control.get("type") != "hidden"
    }


def labels(page: BeautifulSoup) -> list[str]:
    """The questions as the citizen reads them: labels and legends."""
    form = page.find("form", id="step-form")
    assert form is not None
    return [
        " ".join(element.get_text(" ", strip=True).split())
        for element in form.select("label[for], legend")
        if not element.find_parent(class_="kern-form-check")
    ]


def counter(page: BeautifulSoup) -> tuple[int, int]:
    found = re.search(r"Schritt (\d+) von (\d+)", page.get_text(" "))
    assert found is not None
    return int(found.group(1)), int(found.group(2))


def walk(client: CheckingClient, document: str, relationship: str) -> list[dict[str, Any]]:
    """Every step page as the citizen meets it: its slug, questions, labels, relationship
    choices and counter; ends on the check page."""
    seen: list[dict[str, Any]] = []
    url = f"{ORDER}/urkunde"
    answers = answers_for(document, relationship)
    while not url.endswith("/pruefen"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = soup(response)
        slug = url.rsplit("/", 1)[1]
        seen.append(
            {
                "step": slug,
                "questions": questions(page),
                "labels": labels(page),
                "choices": {str(i["value"]) for i in page.select('input[name="beziehung"]')},
                "counter": counter(page),
            }
        )
        data: dict[str, Any] = {"csrf_token": csrf_token(response), **answers[slug]}
        for upload in ("ausweiskopie", "nachweis"):
            if upload in seen[-1]["questions"]:
                data[upload] = (io.BytesIO(png()), f"{upload}.png")
        if "interesse_begruendung" not in seen[-1]["questions"]:
            data.pop("interesse_begruendung", None)
        posted = client.post(url, data=data, content_type="multipart/form-data")
        assert posted.status_code == 303, (slug, text_of(posted)[:800])
        url = posted.location
    return seen


def assert_counts_never_jump(seen: list[dict[str, Any]]) -> None:
    positions = [page["counter"][0] for page in seen]
    totals = [page["counter"][1] for page in seen]
    assert positions == list(range(1, len(seen) + 1))
    assert all(later <= earlier for earlier, later in pairwise(totals))
    assert totals[-1] == len(seen)  # the last step says so


@pytest.mark.parametrize(
    ("document", "relationship"),
    [
        ("geburtsurkunde", "selbst"),
        ("registerausdruck-geburt", "selbst"),
        ("eheurkunde", "ehegatte"),
        ("lebenspartnerschaftsurkunde", "ehegatte"),
        ("sterbeurkunde", "abkoemmling"),
    ],
)
def test_each_document_asks_only_its_own_questions(
    lowered_app: Flask, document: str, relationship: str
) -> None:
    """Where the city lowered the level (§ 6 Abs. 3 PStV): an account without the eID."""
    seen = walk(browser(lowered_app, eid=False, name="Konto"), document, relationship)
    by_step = {page["step"]: page for page in seen}
    assert [page["step"] for page in seen] == [
        "urkunde",
        "eintrag",
        "berechtigung",
        "nachweise",
        "versand",
    ]
    assert by_step["eintrag"]["questions"] == ENTRY | ENTRY_OF[document]
    # § 62 Abs. 3 (thirty years after the last death) is asked about all but death entries;
    # on the page for the browser to show once "sibling" or "other" is chosen.
    asked_last_death = "letzter_tod" in by_step["berechtigung"]["questions"]
    assert asked_last_death == (document != "sterbeurkunde")
    offered = by_step["berechtigung"]["choices"]
    assert offered == (RELATIONSHIPS - {"selbst"} if document == "sterbeurkunde" else RELATIONSHIPS)
    # The purpose once: no question is asked twice on the way.
    every_label = [label for page in seen for label in page["labels"]]
    assert [label for label, n in Counter(every_label).items() if n > 1] == []
    assert sum("Wofür" in label for label in every_label) == 1
    # With an account (no eID) the ID copy is always needed: five steps from the start.
    assert [page["counter"] for page in seen] == [(n, 5) for n in range(1, 6)]


def test_the_step_counter_never_grows_when_a_step_drops_out(app: Flask) -> None:
    """With the eID and for oneself nothing is to be proved: the step "Nachweise" counts as
    long as the rules cannot tell, then drops out; the counter never jumps up."""
    seen = walk(browser(app, eid=True, name="Eins"), "geburtsurkunde", "selbst")
    assert [(page["step"], page["counter"]) for page in seen] == [
        ("urkunde", (1, 5)),
        ("eintrag", (2, 5)),
        ("berechtigung", (3, 5)),
        ("versand", (4, 4)),
    ]
    assert_counts_never_jump(seen)
    # A cousin with the eID has something to prove: all five steps, the counter steady.
    cousin = walk(browser(app, eid=True, name="Zwei"), "geburtsurkunde", "andere")
    assert [page["counter"] for page in cousin] == [(n, 5) for n in range(1, 6)]
    assert_counts_never_jump(cousin)


def test_a_death_certificate_cannot_be_ordered_as_the_person_in_the_entry(app: Flask) -> None:
    client = browser(app, eid=True, name="Tod")
    answers = answers_for("sterbeurkunde", "selbst")
    for slug in ("urkunde", "eintrag"):
        token = csrf_token(client.get(f"{ORDER}/{slug}"))
        client.post(f"{ORDER}/{slug}", data={"csrf_token": token, **answers[slug]})
    page = client.get(f"{ORDER}/berechtigung")
    assert "Ich bin die Person im Eintrag" not in text_of(page)
    refused = client.post(
        f"{ORDER}/berechtigung",
        data={"csrf_token": csrf_token(page), **answers["berechtigung"]},
    )
    assert refused.status_code == 422
    assert "Wählen Sie eine der angebotenen Möglichkeiten." in text_of(refused)
    # Back to a birth certificate, the choice is there again.
    token = csrf_token(client.get(f"{ORDER}/urkunde"))
    client.post(
        f"{ORDER}/urkunde",
        data={"csrf_token": token, **answers["urkunde"], "dokument": "geburtsurkunde"},
    )
    page = client.get(f"{ORDER}/berechtigung")
    assert "Ich bin die Person im Eintrag" in text_of(page)
    assert "Geburtsdatum der verstorbenen Person" not in text_of(client.get(f"{ORDER}/eintrag"))


def test_the_check_page_lists_unanswered_steps_instead_of_sending(app: Flask) -> None:
    client = browser(app, eid=True, name="Halb")
    answers = answers_for("geburtsurkunde", "selbst")
    token = csrf_token(client.get(f"{ORDER}/urkunde"))
    client.post(f"{ORDER}/urkunde", data={"csrf_token": token, **answers["urkunde"]})

    check = client.get(f"{ORDER}/pruefen")
    page = soup(check)
    assert page.find("input", attrs={"name": "submission_id"}) is None
    assert not page.find_all("button", string=re.compile("absenden", re.I))
    assert "Noch nicht absendbar" in text_of(check)
    missing = page.find(id="missing-steps")
    assert missing is not None
    assert {a.get_text(strip=True): a["href"] for a in missing.find_all("a")} == {
        "Angaben zum Eintrag beantworten": f"{ORDER}/eintrag?zurueck=pruefen",
        "Ihre Berechtigung beantworten": f"{ORDER}/berechtigung?zurueck=pruefen",
        "Versand beantworten": f"{ORDER}/versand?zurueck=pruefen",
    }
    summary = page.find(id="error-summary")
    assert summary is not None
    assert "Erst wenn alle Schritte vollständig beantwortet sind" in summary.get_text()
    # The answered step is shown with its answers, the others are not listed answer by answer.
    assert "Geburtsurkunde" in text_of(check)
    assert "Keine Angabe" not in text_of(check)

    # Sent anyway (an old tab): refused, back at the first unanswered step.
    refused = client.post(
        f"{ORDER}/absenden",
        data={"csrf_token": csrf_token(check), "submission_id": "0123456789abcdef"},
    )
    assert refused.status_code == 422
    assert "Angaben zum Eintrag" in text_of(refused)
    assert "Geben Sie den Vornamen der Person im Eintrag an." in text_of(refused)

    # Half a step answered: to complete, answer by answer.
    token = csrf_token(client.get(f"{ORDER}/eintrag"))
    client.post(f"{ORDER}/eintrag", data={"csrf_token": token, "vorname": "Jan"})
    links = soup(client.get(f"{ORDER}/pruefen")).find(id="missing-steps")
    assert links is not None
    assert "Angaben zum Eintrag vervollständigen" in links.get_text()
