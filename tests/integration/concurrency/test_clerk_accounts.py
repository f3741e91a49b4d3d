"""Clerk administration (/verwaltung/konten): each change N times at once is one change."""

from __future__ import annotations

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import Clerk
from server.auth.roles import Role
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    Reply,
    assert_race,
    csrf_of,
    race,
)

ADMIN = "admin-race"
NEW_PASSWORD = "ein ganz neues Passwort 2026"


def admins(portal: Portal) -> list[Browser]:
    return portal.clerks(ADMIN, [Role.ADMIN])


def audited(portal: Portal, action: str, clerk_id: int) -> int:
    return portal.count(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.record_id == str(clerk_id))
    )


def post_all(
    browsers: list[Browser], page: str, action: str, data: dict[str, str | list[str]]
) -> list[Reply]:
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(page).text)

    return race(
        browsers,
        lambda browser, index: browser.post(action, data={"csrf_token": tokens[index], **data}),
        prepare=prepare,
    )


def test_new_account(portal: Portal) -> None:
    username = portal.unique("neu-")
    replies = post_all(
        admins(portal),
        "/verwaltung/konten/neu",
        "/verwaltung/konten/neu",
        {
            "username": username,
            "display_name": "Neue Person",
            "password": NEW_PASSWORD,
            "roles": [Role.FINES.value],
        },
    )
    made = portal.count(select(Clerk).where(Clerk.username == username))
    assert_race(
        replies,
        effects=made,
        what="new clerk accounts",
        loser=lambda reply: reply.status == 422 and "gibt es schon" in reply.text,
        winner=lambda reply: reply.status == 200 and "Das Konto ist angelegt" in reply.text,
    )


def target(portal: Portal, roles: list[Role] | None = None) -> int:
    return portal.clerk(portal.unique("ziel-"), roles or [Role.FINES])


def test_change_roles(portal: Portal) -> None:
    clerk_id = target(portal)
    replies = post_all(
        admins(portal),
        f"/verwaltung/konten/{clerk_id}",
        f"/verwaltung/konten/{clerk_id}/rollen",
        {"roles": [Role.FINES.value, Role.CASH_OFFICE.value]},
    )
    with portal.db() as session:
        clerk = session.get(Clerk, clerk_id)
        assert clerk is not None
        assert clerk.roles == {Role.FINES, Role.CASH_OFFICE}
    # Setting the roles the clerk has is the answer a repeat gets: the page states them.
    assert_race(
        replies,
        effects=audited(portal, "clerk.roles_changed", clerk_id),
        what="role changes",
        loser=lambda reply: reply.status == 200 and "Die Rollen sind gespeichert" in reply.text,
    )


def test_deactivate_and_reactivate(portal: Portal) -> None:
    clerk_id = target(portal)
    page = f"/verwaltung/konten/{clerk_id}"
    for path, action, done in (
        ("deaktivieren", "clerk.deactivated", "Das Konto ist deaktiviert"),
        ("aktivieren", "clerk.reactivated", "Das Konto ist wieder aktiv"),
    ):
        replies = post_all(admins(portal), page, f"{page}/{path}", {})
        assert_race(
            replies,
            effects=audited(portal, action, clerk_id),
            what=action,
            loser=lambda reply, done=done: reply.status == 200 and done in reply.text,  # type: ignore[misc]
        )


def test_reset_password(portal: Portal) -> None:
    """The same new password N times: one reset (the clerk's sessions end once)."""
    clerk_id = target(portal)
    page = f"/verwaltung/konten/{clerk_id}"
    replies = post_all(admins(portal), page, f"{page}/passwort", {"password": NEW_PASSWORD})
    assert_race(
        replies,
        effects=audited(portal, "clerk.password_reset", clerk_id),
        what="password resets",
        loser=lambda reply: reply.status == 200 and "Das neue Passwort ist gesetzt" in reply.text,
    )


def test_reset_second_factor(portal: Portal) -> None:
    clerk_id = target(portal)
    page = f"/verwaltung/konten/{clerk_id}"
    replies = post_all(admins(portal), page, f"{page}/zweiter-faktor", {})
    assert_race(
        replies,
        effects=audited(portal, "clerk.second_factor_reset", clerk_id),
        what="second factor resets",
        loser=lambda reply: (
            reply.status == 200 and "Der zweite Faktor ist zurückgesetzt" in reply.text
        ),
    )


def test_remove_security_key(portal: Portal) -> None:
    """The clerk removes a security key from N tabs at once: removed once, audited once; the
    other tabs are told it is gone already."""
    from server.auth.second_factor_models import ClerkSecurityKey
    from server.extensions import db

    username = portal.unique("schluessel-")
    clerk_id = portal.clerk(username, [Role.FINES])
    with portal.db() as session, db.transaction():
        key = ClerkSecurityKey(
            clerk_id=clerk_id,
            credential_id=f"credential {username}".encode(),
            public_key=b"not a real key",
            name="Alter Schlüssel",
        )
        session.add(key)
        session.flush()
        key_id = key.id
    browsers = portal.clerks(username, [Role.FINES], count=8)
    replies = post_all(
        browsers,
        "/verwaltung/zweiter-faktor",
        f"/verwaltung/zweiter-faktor/{key_id}/entfernen",
        {},
    )
    assert portal.count(select(ClerkSecurityKey).where(ClerkSecurityKey.id == key_id)) == 0
    assert_race(
        replies,
        effects=audited(portal, "clerk.security_key_removed", clerk_id),
        what="security key removals",
        loser=lambda reply: "Dieser Sicherheitsschlüssel ist schon entfernt" in reply.text,
        winner=lambda reply: "Der Sicherheitsschlüssel ist entfernt" in reply.text,
    )
