"""A logged-in citizen's form steps kept for offline use: the drafts client asks for a step's
blank copy, which holds nothing of the draft or the account and may be kept by the worker; the
page itself stays personal and is never stored."""

from __future__ import annotations

from tests.checking_client import CheckingClient, csrf_token
from tests.integration.forms.test_forms import KITA, log_in_citizen, make_citizen, text_of

BLANK = {"X-Portal-Blank": "1", "Accept": "text/html"}


def test_a_logged_in_citizens_step_has_a_blank_copy_for_offline_use(
    client: CheckingClient,
) -> None:
    log_in_citizen(client, make_citizen(client.application))
    token = csrf_token(client.get(f"{KITA}/kind"))
    client.post(f"{KITA}/kind", data={"csrf_token": token, "kind_vorname": "Mia"})

    personal = client.get(f"{KITA}/eltern")
    assert personal.headers["Cache-Control"] == "no-store"
    assert "X-Portal-Cacheable" not in personal.headers
    assert 'value="Mustermann"' in text_of(personal)  # filled in from the account

    blank = client.get(f"{KITA}/eltern", headers=BLANK)
    assert blank.status_code == 200
    assert blank.headers["X-Portal-Cacheable"] == "1"
    assert "X-Portal-Blank" in blank.headers["Vary"]
    page = text_of(blank)
    assert "Mustermann" not in page
    assert "Hauptstraße" not in page
    assert 'data-draft-step="eltern"' in page
    first = text_of(client.get(f"{KITA}/kind", headers=BLANK))
    assert "Mia" not in first


def test_only_a_step_page_has_a_blank_copy(client: CheckingClient) -> None:
    log_in_citizen(client, make_citizen(client.application))
    for url in ("/konto", f"{KITA}/pruefen", "/antraege/stand"):
        response = client.get(url, headers=BLANK)
        assert "X-Portal-Cacheable" not in response.headers, url
