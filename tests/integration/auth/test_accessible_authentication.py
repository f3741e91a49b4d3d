"""WCAG 2.2 SC 3.3.8 (Accessible Authentication, Minimum): no login asks for a cognitive function
test. Every field of a login-like form may be pasted into and filled by a password manager
(the right autocomplete, nothing that blocks pasting), there is no CAPTCHA, and the
accessibility statement says so."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from tests.checking_client import CheckingClient, csrf_token
from tests.factories import DEFAULT_PASSWORD, make_clerk

LOGIN_PAGES = ("/konto", "/verwaltung/anmelden", "/bussgeld", "/antraege/stand", "/zahlungen/")
AUTOCOMPLETE = {
    "password": {"current-password", "new-password"},
    "username": {"username"},
    "email": {"username", "email"},
}


def fields(html: str) -> list[dict[str, str]]:
    soup = BeautifulSoup(html, "lxml")
    return [
        {key: str(value) for key, value in field.attrs.items()}
        for field in soup.select("input:not([type=hidden])")
    ]


def test_no_login_blocks_pasting_or_asks_a_puzzle(client: CheckingClient) -> None:
    for url in LOGIN_PAGES:
        html = client.get(url).get_data(as_text=True)
        assert "captcha" not in html.lower(), url
        for field in fields(html):
            assert not {"onpaste", "oncopy", "ondrop"} & field.keys(), (url, field)
            if field.get("type") == "password":
                assert field.get("autocomplete") in AUTOCOMPLETE["password"], (url, field)
            if field.get("name") in AUTOCOMPLETE:
                assert field.get("autocomplete") in AUTOCOMPLETE[str(field["name"])], (url, field)
    # The portal's scripts never stop a paste.
    scripts = Path(__file__).resolve().parents[3] / "pwa" / "static" / "js"
    for script in scripts.glob("*.js"):
        assert "paste" not in script.read_text(encoding="utf-8"), script.name


def test_the_authenticator_code_is_a_one_time_code(client: CheckingClient) -> None:
    make_clerk(client.application, username="kasse")
    page = client.get("/verwaltung/anmelden")
    code_page = client.post(
        "/verwaltung/anmelden",
        data={"csrf_token": csrf_token(page), "username": "kasse", "password": DEFAULT_PASSWORD},
        follow_redirects=True,
    )
    (code,) = [f for f in fields(code_page.get_data(as_text=True)) if f.get("name") == "code"]
    assert code["autocomplete"] == "one-time-code"
    assert code.get("inputmode") == "numeric"


def test_the_statement_says_logins_need_no_puzzle(client: CheckingClient) -> None:
    german = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "3.3.8" in german
    assert "kein CAPTCHA" in german
    english = client.get("/barrierefreiheit?lang=en").get_data(as_text=True)
    assert "3.3.8" in english
    assert "no CAPTCHA" in english
