"""Administrators manage clerk accounts; every change lands in the audit log, no secret does."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.audit.models import AuditEntry
from server.auth.clerks import find_clerk
from server.auth.roles import Role
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.factories import DEFAULT_PASSWORD, make_clerk
from tests.integration.helpers import log_in_clerk

ACCOUNTS = "/verwaltung/konten/"


def text_of(response: TestResponse) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "lxml").get_text(" ")


def clerk_id(app: Flask, username: str) -> int:
    with app.app_context():
        clerk = find_clerk(username)
        assert clerk is not None
        return clerk.id


def audit(app: Flask) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [
            (e.actor, e.action, e.record_id, e.detail)
            for e in db.session.query(AuditEntry).order_by(AuditEntry.id)
        ]


def admin_client(app: Flask, username: str = "chefin") -> CheckingClient:
    make_clerk(app, username=username, display_name="Clara Chefin", roles=[Role.ADMIN])
    client = checking_client(app)
    log_in_clerk(client, username)
    return client


def post_form(
    client: CheckingClient, page_url: str, action: str, data: dict[str, object]
) -> TestResponse:
    token = csrf_token(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **data})


def test_only_administrators_reach_the_accounts(app: Flask) -> None:
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "kasse")
    assert clerk.get(ACCOUNTS).status_code == 403
    assert clerk.get("/verwaltung/konten/neu").status_code == 403
    assert "Konten und Rollen" not in text_of(clerk.get("/verwaltung/"))
    anonymous = checking_client(app)
    assert anonymous.get(ACCOUNTS).headers["Location"].startswith("/verwaltung/anmelden")

    admin = admin_client(app)
    overview = text_of(admin.get("/verwaltung/"))
    assert "Konten und Rollen der Mitarbeiterinnen und Mitarbeiter" in overview
    listing = admin.get(ACCOUNTS)
    assert listing.headers["Cache-Control"] == "no-store"
    rows = {
        element(row.find("th")).get_text(strip=True): [
            td.get_text(strip=True) for td in row.find_all("td")
        ]
        for row in element(
            BeautifulSoup(listing.get_data(as_text=True), "lxml").find("tbody")
        ).find_all("tr")
    }
    assert rows["Chris Clerk"][:4] == ["kasse", "Stadtkasse", "aktiv", "eingerichtet"]
    assert rows["Chris Clerk"][4] != "noch nie"
    assert rows["Clara Chefin"][:2] == ["chefin", "Administration"]


def test_administrator_creates_a_clerk_who_must_set_up_the_second_factor(app: Flask) -> None:
    admin = admin_client(app)
    response = post_form(
        admin,
        "/verwaltung/konten/neu",
        "/verwaltung/konten/neu",
        {
            "username": " N.Neumann ",
            "display_name": "Nils Neumann",
            "password": "ein langes erstes Passwort",
            "roles": ["fines", "cash_office"],
        },
    )
    assert response.status_code == 302
    new_id = clerk_id(app, "n.neumann")
    assert response.headers["Location"] == f"/verwaltung/konten/{new_id}?erledigt=angelegt"
    page = text_of(admin.get(response.headers["Location"]))
    assert "Das Konto ist angelegt." in page
    assert "noch nicht eingerichtet" in page
    assert ("clerk:chefin", "clerk.created", str(new_id), "cash_office,fines") in audit(app)

    newcomer = checking_client(app)
    login = newcomer.get("/verwaltung/anmelden")
    first = newcomer.post(
        "/verwaltung/anmelden",
        data={
            "csrf_token": csrf_token(login),
            "username": "n.neumann",
            "password": "ein langes erstes Passwort",
        },
    )
    assert first.headers["Location"] == "/verwaltung/anmelden/einrichten"
    written = " ".join(" ".join(entry) for entry in audit(app))
    assert "ein langes erstes Passwort" not in written


def test_a_new_account_with_mistakes_keeps_what_was_typed(app: Flask) -> None:
    admin = admin_client(app)
    make_clerk(app, username="kasse")
    response = post_form(
        admin,
        "/verwaltung/konten/neu",
        "/verwaltung/konten/neu",
        {"username": "Wer bin ich?", "display_name": "Nils", "password": "kurz", "roles": "fines"},
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "Der Benutzername besteht aus Kleinbuchstaben" in text
    assert "Das Passwort muss mindestens 12 Zeichen lang sein." in text
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert element(soup.find("input", attrs={"name": "display_name"}))["value"] == "Nils"
    assert element(soup.find("input", attrs={"name": "roles", "value": "fines"})).has_attr(
        "checked"
    )

    taken = post_form(
        admin,
        "/verwaltung/konten/neu",
        "/verwaltung/konten/neu",
        {"username": "kasse", "display_name": "Noch eine Kasse", "password": "x" * 12},
    )
    assert taken.status_code == 422
    assert "Diesen Benutzernamen gibt es schon." in text_of(taken)


def test_a_role_change_takes_effect_on_the_next_page(app: Flask) -> None:
    admin = admin_client(app)
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    kasse = checking_client(app)
    log_in_clerk(kasse, "kasse")
    assert kasse.get("/verwaltung/kasse/").status_code == 200
    assert kasse.get("/verwaltung/bussgeld/").status_code == 403

    target = clerk_id(app, "kasse")
    page = f"/verwaltung/konten/{target}"
    response = post_form(admin, page, f"{page}/rollen", {"roles": ["fines"]})
    assert response.headers["Location"] == f"{page}?erledigt=rollen"
    assert kasse.get("/verwaltung/kasse/").status_code == 403
    assert kasse.get("/verwaltung/bussgeld/").status_code == 200
    assert ("clerk:chefin", "clerk.roles_changed", str(target), "cash_office -> fines") in audit(
        app
    )


def test_a_deactivated_clerk_is_logged_out_and_cannot_log_in(app: Flask) -> None:
    admin = admin_client(app)
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    kasse = checking_client(app)
    log_in_clerk(kasse, "kasse")
    assert kasse.get("/verwaltung/").status_code == 200

    target = clerk_id(app, "kasse")
    page = f"/verwaltung/konten/{target}"
    response = post_form(admin, page, f"{page}/deaktivieren", {})
    assert response.status_code == 302
    assert "deaktiviert" in text_of(admin.get(response.headers["Location"]))
    assert kasse.get("/verwaltung/").status_code == 302  # the open session ended
    assert log_in_clerk(checking_client(app), "kasse").status_code == 422

    post_form(admin, page, f"{page}/aktivieren", {})
    assert log_in_clerk(checking_client(app), "kasse").status_code == 302
    actions = [(a, b) for a, b, c, _ in audit(app) if c == str(target)]
    assert ("clerk:chefin", "clerk.deactivated") in actions
    assert ("clerk:chefin", "clerk.reactivated") in actions


def test_administrators_keep_their_own_access_and_the_last_admin_stays(app: Flask) -> None:
    admin = admin_client(app)
    me = clerk_id(app, "chefin")
    page = f"/verwaltung/konten/{me}"
    demoted = post_form(admin, page, f"{page}/rollen", {"roles": ["fines"]})
    assert demoted.status_code == 422
    assert "nicht selbst entziehen" in text_of(demoted)
    soup = BeautifulSoup(demoted.get_data(as_text=True), "lxml")
    assert element(soup.find("input", attrs={"name": "roles", "value": "fines"})).has_attr(
        "checked"
    )
    deactivated = post_form(admin, page, f"{page}/deaktivieren", {})
    assert deactivated.status_code == 422
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in text_of(deactivated)
    assert admin.get(ACCOUNTS).status_code == 200  # still an administrator

    # The command line has no "self": there the last active administrator is protected.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clerks", "deactivate", "chefin"])
    assert result.exit_code != 0
    assert "last active administrator" in result.output
    with app.app_context():
        from server.auth.clerk_accounts import ChangeRefused, Refusal, set_roles

        clerk = find_clerk("chefin")
        assert clerk is not None
        with pytest.raises(ChangeRefused) as refused:
            set_roles(clerk, [Role.FINES], actor=None)
        assert refused.value.reason is Refusal.LAST_ADMIN

    # With a second administrator, one may take the role from the other.
    make_clerk(app, username="vertretung", roles=[Role.ADMIN])
    other = f"/verwaltung/konten/{clerk_id(app, 'vertretung')}"
    assert post_form(admin, other, f"{other}/rollen", {"roles": []}).status_code == 302
    assert "keine" in text_of(admin.get(ACCOUNTS))


def test_password_reset(app: Flask) -> None:
    admin = admin_client(app)
    make_clerk(app, username="kasse", roles=(Role.CASH_OFFICE,))
    already_in = checking_client(app)
    log_in_clerk(already_in, "kasse")
    assert already_in.get("/verwaltung/").status_code == 200
    page = f"/verwaltung/konten/{clerk_id(app, 'kasse')}"
    short = post_form(admin, page, f"{page}/passwort", {"password": "zu kurz"})
    assert short.status_code == 422
    assert "Das Passwort muss mindestens 12 Zeichen lang sein." in text_of(short)
    done = post_form(admin, page, f"{page}/passwort", {"password": "das neue Passwort 2026"})
    assert done.status_code == 302
    # The session opened with the old password has ended.
    assert already_in.get("/verwaltung/").status_code == 302
    assert log_in_clerk(checking_client(app), "kasse").status_code == 422
    assert log_in_clerk(checking_client(app), "kasse", "das neue Passwort 2026").status_code == 302
    written = " ".join(" ".join(entry) for entry in audit(app))
    assert "clerk.password_reset" in written
    assert "das neue Passwort 2026" not in written
    assert DEFAULT_PASSWORD not in written


def test_second_factor_reset_forces_enrolment_at_the_next_login(app: Flask) -> None:
    admin = admin_client(app)
    make_clerk(app, username="kasse")
    target = clerk_id(app, "kasse")
    with app.app_context():
        from server.auth.second_factor_models import ClerkSecurityKey

        with db.transaction() as session:
            session.add(
                ClerkSecurityKey(
                    clerk_id=target, credential_id=b"key", public_key=b"pk", name="Schlüssel"
                )
            )
    page = f"/verwaltung/konten/{target}"
    assert post_form(admin, page, f"{page}/zweiter-faktor", {}).status_code == 302
    with app.app_context():
        assert db.session.query(ClerkSecurityKey).count() == 0  # keys go with the reset
    assert "noch nicht eingerichtet" in text_of(admin.get(page))
    assert log_in_clerk(checking_client(app), "kasse").headers["Location"] == (
        "/verwaltung/anmelden/einrichten"
    )
    assert ("clerk:chefin", "clerk.second_factor_reset", str(target), "") in audit(app)


def test_unknown_account_is_not_found(app: Flask) -> None:
    admin = admin_client(app)
    assert admin.get("/verwaltung/konten/999999").status_code == 404


def test_operator_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=[
            "clerks",
            "create",
            "--username",
            "erste",
            "--role",
            "admin",
            "--password",
            "das erste Admin-Passwort",
        ]
    )
    assert created.exit_code == 0, created.output
    assert "second factor" in created.output
    assert "no-second-factor" in runner.invoke(args=["clerks", "list"]).output
    make_clerk(app, username="kasse")
    listed = runner.invoke(args=["clerks", "list"]).output
    assert "kasse" in listed
    assert "totp" in listed
    code = runner.invoke(args=["clerks", "code", "kasse"])
    assert code.exit_code == 0
    assert re.fullmatch(r"\d{6}", code.stdout.strip())
    reset = runner.invoke(args=["clerks", "reset-second-factor", "kasse"])
    assert reset.exit_code == 0
    assert runner.invoke(args=["clerks", "code", "kasse"]).exit_code != 0
    assert ("operator", "clerk.second_factor_reset") in [(a, b) for a, b, _, _ in audit(app)]
    assert runner.invoke(args=["clerks", "reset-second-factor", "nobody"]).exit_code != 0
