"""Citizens and their fine cases: the hearing statement, paying the fine, opening the case."""

from __future__ import annotations

import uuid

import requests
from bs4 import BeautifulSoup
from sqlalchemy import select

from server.fines.models import FineCase, HearingStatement
from server.payments.models import OnlinePayment, Receivable
from tests.factories import make_fine_case
from tests.integration.concurrency.citizens import csrf_for, granted
from tests.integration.concurrency.harness import (
    Browser,
    N,
    Portal,
    Reply,
    assert_race,
    race,
)
from tests.integration.concurrency.test_citizen_payments import race_payments

SMALL = 8


def case_id_of(portal: Portal, aktenzeichen: str) -> int:
    with portal.db() as session:
        found = session.scalar(select(FineCase.id).where(FineCase.aktenzeichen == aktenzeichen))
        assert found is not None
        return found


def statement_fields(html: str) -> dict[str, str]:
    soup = BeautifulSoup(html, "lxml")
    form = soup.find("form", attrs={"data-draft-form": True})
    assert form is not None, "no hearing form"
    return {
        str(field["name"]): str(field.get("value") or "")
        for field in form.find_all("input")
        if field.get("name") and field.get("type") not in ("file", "radio", "submit")
    }


def test_hearing_statement(portal: Portal) -> None:
    """The same statement (one submission_id, as the check page's button sends it, or the
    drafts client's complete body) sent N times at once: one statement, one EB number."""
    case = make_fine_case(portal.app, kind="hearing", plate=f"MU-H {uuid.uuid4().int % 9999}")
    case_id = case_id_of(portal, case["aktenzeichen"])
    url = f"/bussgeld/fall/{case['aktenzeichen']}/anhoerung"
    browsers = granted(portal, f"/b/{case['token']}", N)
    submission_id = uuid.uuid4().hex
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = {
            **statement_fields(browser.page(f"{url}/absicht").text),
            "submission_id": submission_id,
            "kind": "contest",
            "contest_text": "Ich stand dort nicht.",
            "person_name": "Erika Mustermann",
            "person_street": "Hauptstraße 5",
            "person_postcode_city": "12345 Musterstadt",
            "person_birth_date": "1980-04-01",
        }

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            f"{url}/absenden", data=fields[index], files={"files": ("", b"")}
        ),
        prepare=prepare,
    )
    with portal.db() as session:
        ids = list(
            session.scalars(select(HearingStatement.id).where(HearingStatement.case_id == case_id))
        )
    received = f"{url}/{ids[0]}" if ids else "?"

    def same_receipt(reply: Reply) -> bool:
        return (
            reply.status == 200
            and reply.url.endswith(received)
            and "Ihre Äußerung ist eingegangen" in reply.text
        )

    assert_race(replies, effects=len(ids), what="hearing statements", loser=same_receipt)


def test_pay_fine(portal: Portal) -> None:
    case = make_fine_case(portal.app, plate=f"MU-P {uuid.uuid4().int % 9999}")
    with portal.db() as session:
        receivable_id = session.scalar(
            select(Receivable.id).where(Receivable.kassenzeichen == case["kassenzeichen"])
        )
        assert receivable_id is not None
    page = f"/bussgeld/fall/{case['aktenzeichen']}"
    race_payments(
        portal,
        granted(portal, f"/b/{case['token']}", N),
        page,
        f"{page}/bezahlen",
        receivable_id,
        lambda reply: (
            reply.status == 200 and reply.url.endswith(page) and "bezahlt" in reply.text.lower()
        ),
    )


def test_open_case(portal: Portal) -> None:
    """Opening a case with its Aktenzeichen and access code grants this browser the case and
    stores nothing else: N at once all see the case; no statement, no payment, status as it was."""
    case = make_fine_case(portal.app, plate=f"MU-O {uuid.uuid4().int % 9999}")
    case_id = case_id_of(portal, case["aktenzeichen"])
    with portal.db() as session:
        status = session.scalar(select(FineCase.status).where(FineCase.id == case_id))
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_for(browser, "/bussgeld")

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(
            "/bussgeld",
            data={
                "csrf_token": tokens[index],
                "aktenzeichen": case["aktenzeichen"],
                "access_code": case["access_code"],
            },
        )

    replies = race(portal.browsers(SMALL), send, prepare=prepare)
    page = f"/bussgeld/fall/{case['aktenzeichen']}"
    assert_race(
        replies,
        effects=len({reply.url for reply in replies}),
        what="case openings (distinct answers)",
        loser=lambda reply: (
            reply.status == 200 and reply.url.endswith(page) and case["aktenzeichen"] in reply.text
        ),
    )
    with portal.db() as session:
        assert session.scalar(select(FineCase.status).where(FineCase.id == case_id)) == status
    assert portal.count(select(HearingStatement).where(HearingStatement.case_id == case_id)) == 0
    with portal.db() as session:
        receivable_id = session.scalar(
            select(Receivable.id).where(Receivable.kassenzeichen == case["kassenzeichen"])
        )
    assert (
        portal.count(select(OnlinePayment).where(OnlinePayment.receivable_id == receivable_id)) == 0
    )
