"""The fine office: decisions on a case, letters, evidence photos."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.fines.models import CaseEvent, CaseKind, FineCase, StatementKind, Upload
from server.formatting import city_today
from server.payments.models import Receivable
from tests.factories import make_fine_case
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    Reply,
    assert_race,
    form_fields,
    race,
)

CLERK = "bussgeld-race"


def fines_clerks(portal: Portal) -> list[Browser]:
    return portal.clerks(CLERK, [Role.FINES])


def case_with_nomination(portal: Portal) -> int:
    """A hearing case whose holder named another driver: waiting in the queue."""
    from server.fines.cases import find_by_aktenzeichen
    from server.fines.hearing import Person, submit_statement

    made = make_fine_case(portal.app, kind="hearing", plate=f"MU-R {uuid.uuid4().int % 9999}")
    with portal.db():
        case = find_by_aktenzeichen(made["aktenzeichen"])
        assert case is not None
        person = Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None)
        driver = Person("Max Mustermann", "Nebenstraße 7", "12345 Musterstadt", None)
        submit_statement(
            case,
            submission_id=uuid.uuid4().hex,
            kind=StatementKind.NOMINATE,
            text="Ich bin nicht gefahren.",
            person=person,
            driver=driver,
            email=None,
        )
        return case.id


def post_case_form(
    browsers: list[Browser], case_id: int, action: str, data: dict[str, str], with_field: str = ""
) -> list[Reply]:
    """Every browser reads the case page and posts its form with ``action`` (or the field)."""
    fields: dict[int, dict[str, str]] = {}
    page = f"/verwaltung/bussgeld/fall/{case_id}"

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = form_fields(browser.page(page).text, action, with_field=with_field)

    target = action or page
    return race(
        browsers,
        lambda browser, index: browser.post(target, data={**fields[index], **data}),
        prepare=prepare,
    )


@pytest.mark.parametrize("decision", ["discontinue", "continue", "forward"])
def test_case_decisions(portal: Portal, decision: str) -> None:
    browsers = fines_clerks(portal)
    case_id = case_with_nomination(portal)
    replies = post_case_form(
        browsers, case_id, "", {"decision": decision, "note": "Rennen"}, with_field="decision"
    )
    decisions = portal.count(
        select(AuditEntry).where(
            AuditEntry.action.like("fines.decision.%"), AuditEntry.record_id == str(case_id)
        )
    )
    new_cases = portal.count(select(FineCase).where(FineCase.forwarded_from_id == case_id))
    with portal.db() as session:
        forwarded = list(
            session.scalars(
                select(FineCase.aktenzeichen).where(FineCase.forwarded_from_id == case_id)
            )
        )
        receivables = len(
            list(
                session.scalars(select(Receivable.id).where(Receivable.purpose_ref.in_(forwarded)))
            )
        )
    assert_race(
        replies,
        effects=decisions,
        what=f"fine decision {decision}",
        winner=lambda reply: reply.status == 200 and f"/fall/{case_id}" not in reply.url,
    )
    if decision == "forward":
        assert new_cases == 1, f"{new_cases} cases against the named driver"
        assert receivables == 1, f"{receivables} receivables for the new case"
    else:
        assert new_cases == 0


def test_letter_reprint(portal: Portal) -> None:
    """A double-clicked reprint is one new letter: old codes stop working once, not N times."""
    browsers = fines_clerks(portal)
    made = make_fine_case(portal.app)
    with portal.db() as session:
        case_id = session.scalar(
            select(FineCase.id).where(FineCase.aktenzeichen == made["aktenzeichen"])
        )
        assert case_id is not None
    before = portal.count(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "letter")
    )
    replies = post_case_form(
        browsers, case_id, f"/verwaltung/bussgeld/fall/{case_id}/brief.pdf", {}
    )
    letters = portal.count(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "letter")
    )
    assert_race(
        replies,
        effects=letters - before,
        what="letter reprints",
        winner=lambda reply: reply.content_type.startswith("application/pdf"),
    )


def test_new_letters(portal: Portal) -> None:
    """The printing line's PDF of all new letters, asked for N times at once: every case gets
    one letter (one set of credentials), in one PDF."""
    from server.fines.cases import create_case, find_offence, sync_offences
    from server.fines.offences_data import OFFENCES

    browsers = fines_clerks(portal)
    case_ids = []
    with portal.db():
        sync_offences()
        offence = find_offence(OFFENCES[0].number)
        assert offence is not None
        for index in range(2):
            case = create_case(
                offence=offence,
                kind=CaseKind.WARNING,
                offence_at=datetime.now(UTC) - timedelta(days=1),
                place="Marktplatz 4",
                plate=f"MU-N {index}",
                holder_name="Erika Mustermann",
                holder_street="Hauptstraße 5",
                holder_postcode_city="12345 Musterstadt",
                letter_date=city_today(),
            )
            case_ids.append(case.id)
    tokens: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = form_fields(browser.page("/verwaltung/bussgeld/").text, "briefe.pdf")

    replies = race(
        browsers,
        lambda browser, index: browser.post("/verwaltung/bussgeld/briefe.pdf", data=tokens[index]),
        prepare=prepare,
    )
    with portal.db() as session:
        letters = {
            case_id: len(
                list(
                    session.scalars(
                        select(CaseEvent.id).where(
                            CaseEvent.case_id == case_id, CaseEvent.kind == "letter"
                        )
                    )
                )
            )
            for case_id in case_ids
        }
    pdfs = [reply for reply in replies if reply.content_type.startswith("application/pdf")]
    assert_race(
        replies,
        effects=len(pdfs),
        what="PDFs of new letters",
        winner=lambda reply: reply.content_type.startswith("application/pdf"),
    )
    assert letters == dict.fromkeys(case_ids, 1), f"case -> letters issued: {letters}"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_add_evidence(portal: Portal) -> None:
    """The same photo sent N times at once (a double click) is attached once."""
    browsers = fines_clerks(portal)
    made = make_fine_case(portal.app)
    with portal.db() as session:
        case_id = session.scalar(
            select(FineCase.id).where(FineCase.aktenzeichen == made["aktenzeichen"])
        )
        assert case_id is not None
    content = photo()
    action = f"/verwaltung/bussgeld/fall/{case_id}/beweisfoto"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = form_fields(
            browser.page(f"/verwaltung/bussgeld/fall/{case_id}").text, "beweisfoto"
        )

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(
            action, data=fields[index], files={"photo": ("foto.jpg", content, "image/jpeg")}
        )

    replies = race(browsers, send, prepare=prepare)
    photos = portal.count(select(Upload).where(Upload.case_id == case_id, Upload.evidence))
    assert_race(
        replies,
        effects=photos,
        what="evidence photos",
        winner=lambda reply: reply.status == 200 and f"/fall/{case_id}" in reply.url,
    )
