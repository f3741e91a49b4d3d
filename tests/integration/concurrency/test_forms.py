"""Online forms: sending a form, saving a step, paying an application, the server draft."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from sqlalchemy import select

from server.forms.models import FormDraft, FormStatusEvent, FormSubmission
from server.payments.models import Receivable
from tests.checking_client import checking_client
from tests.integration.concurrency.citizens import logged_in, make_citizen
from tests.integration.concurrency.harness import (
    Browser,
    N,
    Portal,
    Reply,
    assert_race,
    csrf_of,
    race,
)
from tests.integration.concurrency.test_citizen_payments import race_payments
from tests.integration.forms.test_forms import KITA, KITA_STEPS, all_kita_answers

SMALL = 8
JSON = {"Accept": "application/json"}
ORDER = "/antraege/urkunden"


def json_reply(reply: Reply) -> dict[str, Any]:
    try:
        found = json.loads(reply.body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def kita_submission(portal: Portal) -> tuple[int, str]:
    """A Kita registration sent by the drafts client; returns its id and Eingangsnummer."""
    browser = portal.browser()
    token = csrf_of(browser.page("/").text)
    sent = browser.post(
        f"{KITA}/absenden",
        data={"submission_id": uuid.uuid4().hex, **all_kita_answers()},
        headers={**JSON, "X-CSRFToken": token},
    )
    assert sent.status_code == 200, sent.text[:500]
    reference = sent.json()["reference"]
    with portal.db() as session:
        found = session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
        assert found is not None
    return found, reference


def test_submit(portal: Portal) -> None:
    """The same form (one submission_id) sent N times at once by the drafts client: one
    submission with one Eingangsnummer, and every answer names it."""
    submission_id = uuid.uuid4().hex
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page("/").text)

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(
            f"{KITA}/absenden",
            data={"submission_id": submission_id, **all_kita_answers()},
            headers={**JSON, "X-CSRFToken": tokens[index]},
        )

    replies = race(portal.browsers(), send, prepare=prepare)
    with portal.db() as session:
        made = list(
            session.scalars(
                select(FormSubmission).where(FormSubmission.submission_id == submission_id)
            )
        )
        reference = made[0].reference if made else None
        events = (
            len(
                list(
                    session.scalars(
                        select(FormStatusEvent.id).where(
                            FormStatusEvent.submission_id == made[0].id
                        )
                    )
                )
            )
            if made
            else 0
        )
    assert_race(
        replies,
        effects=len(made),
        what="submissions",
        loser=lambda reply: reply.status == 200 and json_reply(reply).get("reference") == reference,
    )
    assert events == 1, f"{events} status events for one submission"


def test_step(portal: Portal) -> None:
    """A logged-in citizen's step sent from N devices at once: one draft (the citizen's), holding
    the answers, and every device goes on to the next step."""
    citizen_id = make_citizen(portal)
    browsers = logged_in(portal, citizen_id, count=SMALL)
    step, values = KITA_STEPS[0]
    following = KITA_STEPS[1][0]
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(f"{KITA}/{step}").text)

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            f"{KITA}/{step}", data={"csrf_token": tokens[index], **values}
        ),
        prepare=prepare,
    )
    with portal.db() as session:
        drafts = list(session.scalars(select(FormDraft).where(FormDraft.citizen_id == citizen_id)))
        answers = drafts[0].answers if drafts else {}
    assert_race(
        replies,
        effects=len(drafts),
        what="drafts of one citizen",
        loser=lambda reply: reply.status == 200 and reply.url.endswith(f"{KITA}/{following}"),
    )
    assert answers == {name: [value] for name, value in values.items()}


def awaiting_order(portal: Portal, citizen_id: int) -> tuple[str, int]:
    """A certificate order sent and waiting for its payment; returns its Eingangsnummer and
    receivable."""
    from tests.integration.certificates.test_certificates import submit, walk

    portal.app.extensions["sandbox_notifier"].synchronous = True
    client = checking_client(portal.app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "high"
    walk(client)
    started = submit(client)
    assert started.status_code == 303
    with portal.db() as session:
        order = session.scalars(
            select(FormSubmission)
            .where(FormSubmission.citizen_id == citizen_id, FormSubmission.service == "urkunden")
            .order_by(FormSubmission.id.desc())
        ).first()
        assert order is not None
        assert order.reference
        assert order.kassenzeichen
        receivable_id = session.scalar(
            select(Receivable.id).where(Receivable.kassenzeichen == order.kassenzeichen)
        )
        assert receivable_id is not None
        return order.reference, receivable_id


def test_pay_application(portal: Portal) -> None:
    citizen_id = make_citizen(portal, eid=True)
    reference, receivable_id = awaiting_order(portal, citizen_id)
    page = f"{ORDER}/eingegangen/{reference}"
    race_payments(
        portal,
        logged_in(portal, citizen_id, trust="high", count=N),
        page,
        f"{page}/bezahlen",
        receivable_id,
        lambda reply: (
            reply.status == 200 and reply.url.endswith(page) and "bezahlt" in reply.text.lower()
        ),
    )
    with portal.db() as session:
        status = session.scalar(
            select(FormSubmission.status).where(FormSubmission.reference == reference)
        )
    assert status == "eingegangen"


def test_server_draft(portal: Portal) -> None:
    """The drafts client saves (PUT) and discards (DELETE) the server draft from N devices at
    once: one draft, then none; every device gets the same answer."""
    citizen_id = make_citizen(portal)
    browsers = logged_in(portal, citizen_id, count=SMALL)
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page("/").text)

    body: dict[str, Any] = {"step": "kitas", "answers": {"kind_vorname": "Mia"}}
    saved = race(
        browsers,
        lambda browser, index: browser.put(
            f"{KITA}/entwurf", json=body, headers={"X-CSRFToken": tokens[index], **JSON}
        ),
        prepare=prepare,
    )
    drafts = select(FormDraft).where(FormDraft.citizen_id == citizen_id)
    assert_race(
        saved,
        effects=portal.count(drafts),
        what="server drafts saved",
        loser=lambda reply: reply.status == 200 and json_reply(reply).get("status") == "saved",
    )
    with portal.db() as session:
        draft = session.scalars(drafts).one()
        assert (draft.step, draft.answers) == ("kitas", {"kind_vorname": ["Mia"]})
    discarded = race(
        browsers,
        lambda browser, index: browser.delete(
            f"{KITA}/entwurf", headers={"X-CSRFToken": tokens[index], **JSON}
        ),
    )
    assert_race(
        discarded,
        effects=1 - portal.count(drafts),
        what="server drafts discarded",
        loser=lambda reply: reply.status == 204,
    )


def test_server_draft_from_pages_opened_on_one_revision(portal: Portal) -> None:
    """N pages of one citizen, all opened on the same revision of the draft, save at once:
    one saves; every other hears that the draft changed meanwhile, with what it holds now."""
    citizen_id = make_citizen(portal)
    browsers = logged_in(portal, citizen_id, count=SMALL)
    tokens = {index: browser.csrf() for index, browser in enumerate(browsers)}
    created = browsers[0].put(
        f"{KITA}/entwurf",
        json={"step": "kind", "answers": {"kind_vorname": "Mia"}, "revision": 0},
        headers={"X-CSRFToken": tokens[0], **JSON},
    )
    assert created.status_code == 200, created.text[:500]
    opened_on = created.json()["revision"]

    saved = race(
        browsers,
        lambda browser, index: browser.put(
            f"{KITA}/entwurf",
            json={
                "step": "kind",
                "answers": {"kind_vorname": f"Kind {index}"},
                "revision": opened_on,
            },
            headers={"X-CSRFToken": tokens[index], **JSON},
        ),
    )
    winners = [reply for reply in saved if reply.status == 200]
    drafts = select(FormDraft).where(FormDraft.citizen_id == citizen_id)
    with portal.db() as session:
        draft = session.scalars(drafts).one()
    assert_race(
        saved,
        effects=draft.revision - opened_on,
        what="server drafts saved on one revision",
        loser=lambda reply: (
            reply.status == 409
            and json_reply(reply).get("status") == "conflict"
            and json_reply(reply).get("revision", 0) > opened_on
        ),
    )
    assert [f"Kind {reply.index}" for reply in winners] == draft.answers["kind_vorname"]
