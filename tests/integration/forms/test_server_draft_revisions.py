"""The logged-in citizen's server draft (GET/PUT /antraege/<service>/entwurf) on two devices: the
drafts client says which revision its answers are based on, and a page opened before a change
on the other device cannot undo that change; it is told, with the draft as it is now."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from server.extensions import db
from server.forms.models import FormDraft
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.forms.test_forms import (
    KITA,
    all_kita_answers,
    json_submit,
    log_in_citizen,
    make_citizen,
)


def _devices(client: CheckingClient) -> tuple[CheckingClient, CheckingClient, dict[str, str]]:
    citizen_id = make_citizen(client.application)
    laptop = checking_client(client.application)
    log_in_citizen(client, citizen_id)
    log_in_citizen(laptop, citizen_id)
    return client, laptop, {"X-CSRFToken": csrf_token(client.get(f"{KITA}/kind"))}


def _put(device: CheckingClient, headers: dict[str, str], **body: Any) -> Any:
    response = device.put(f"{KITA}/entwurf", json={"step": "kind", **body}, headers=headers)
    return response.status_code, response.get_json()


def test_a_page_opened_before_a_step_was_sent_on_the_laptop_cannot_undo_it(
    client: CheckingClient,
) -> None:
    phone, laptop, headers = _devices(client)
    status, saved = _put(phone, headers, answers={"kind_vorname": "Mia"}, revision=0)
    assert (status, saved["status"]) == (200, "saved")
    opened_on_the_phone = saved["revision"]

    laptop_token = csrf_token(laptop.get(f"{KITA}/kind"))
    sent = laptop.post(
        f"{KITA}/kind",
        data={
            "csrf_token": laptop_token,
            "kind_vorname": "Lea",
            "kind_nachname": "Muster",
            "kind_geburtsdatum": "2024-03-01",
        },
    )
    assert sent.status_code == 303

    # The phone's page still holds "Mia": saving it now would take "Lea" back.
    status, stale = _put(
        phone, headers, answers={"kind_vorname": "Mia"}, revision=opened_on_the_phone
    )
    assert status == 409
    assert stale["status"] == "conflict"
    assert stale["message"] == "Der Entwurf wurde inzwischen auf einem anderen Gerät geändert."
    assert stale["answers"]["kind_vorname"] == ["Lea"]
    assert stale["answers"]["kind_nachname"] == ["Muster"]
    assert stale["revision"] > opened_on_the_phone
    assert laptop.get(f"{KITA}/entwurf").get_json()["answers"]["kind_vorname"] == ["Lea"]

    # Based on what it was told, the phone's change goes through, and the laptop's stays.
    status, saved = _put(
        phone,
        headers,
        answers={**stale["answers"], "kind_geburtsdatum": "2024-04-01"},
        revision=stale["revision"],
    )
    assert (status, saved["revision"]) == (200, stale["revision"] + 1)
    now = laptop.get(f"{KITA}/entwurf").get_json()
    assert now["answers"]["kind_vorname"] == ["Lea"]
    assert now["answers"]["kind_geburtsdatum"] == ["2024-04-01"]
    assert now["revision"] == saved["revision"]


def test_a_page_that_saw_no_draft_does_not_replace_one_begun_elsewhere(
    client: CheckingClient,
) -> None:
    phone, laptop, headers = _devices(client)
    laptop_headers = {"X-CSRFToken": csrf_token(laptop.get(f"{KITA}/kind"))}
    assert _put(laptop, laptop_headers, answers={"kind_vorname": "Lea"}, revision=0)[0] == 200
    status, stale = _put(phone, headers, answers={"kind_vorname": "Mia"}, revision=0)
    assert (status, stale["status"], stale["answers"]) == (
        409,
        "conflict",
        {"kind_vorname": ["Lea"]},
    )


def test_a_page_of_a_draft_sent_meanwhile_does_not_bring_it_back(client: CheckingClient) -> None:
    phone, laptop, headers = _devices(client)
    status, saved = _put(phone, headers, answers={"kind_vorname": "Mia"}, revision=0)
    assert status == 200
    assert json_submit(laptop, all_kita_answers(), str(uuid.uuid4())).status_code == 200

    status, gone = _put(phone, headers, answers={"kind_vorname": "Mia"}, revision=saved["revision"])
    assert (status, gone["status"]) == (409, "gone")
    assert gone["message"] == "Dieser Antrag wurde inzwischen gesendet oder sein Entwurf verworfen."
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0
    assert phone.get(f"{KITA}/entwurf").status_code == 404


def test_a_page_of_an_older_release_without_a_revision_saves_as_before(
    client: CheckingClient,
) -> None:
    phone, laptop, headers = _devices(client)
    laptop_headers = {"X-CSRFToken": csrf_token(laptop.get(f"{KITA}/kind"))}
    assert _put(laptop, laptop_headers, answers={"kind_vorname": "Lea"}, revision=0)[0] == 200
    status, saved = _put(phone, headers, answers={"kind_vorname": "Mia"})
    assert (status, saved["status"]) == (200, "saved")
    assert laptop.get(f"{KITA}/entwurf").get_json()["answers"] == {"kind_vorname": ["Mia"]}


def test_a_revision_that_is_no_count_is_refused_in_german(client: CheckingClient) -> None:
    phone, _laptop, headers = _devices(client)
    for revision in ("1", -1, True, 1.5):
        status, refused = _put(phone, headers, answers={"kind_vorname": "Mia"}, revision=revision)
        assert status == 400, revision
        assert refused["errors"] == {"answers": ["Der Entwurf ist nicht lesbar."]}
    assert phone.get(f"{KITA}/entwurf").status_code == 404
