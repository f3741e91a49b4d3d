"""Keyword-only factories for test data, going through the domain functions."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from server.auth.clerks import create_clerk
from server.auth.models import Clerk
from server.auth.roles import Role

DEFAULT_PASSWORD = "correct horse battery"


def make_clerk(
    app: Flask,
    *,
    username: str = "clerk",
    display_name: str = "Chris Clerk",
    password: str = DEFAULT_PASSWORD,
    roles: Iterable[Role] = (Role.FINES,),
    active: bool = True,
) -> Clerk:
    from server.extensions import db

    with app.app_context():
        clerk = create_clerk(
            username=username, display_name=display_name, password=password, roles=roles
        )
        if not active:
            with db.transaction():
                clerk.active = False
    return clerk


def make_receivable(
    app: Flask,
    *,
    amount_cents: int = 2500,
    purpose: str = "test",
    description: str = "Verwarnungsgeld Parkverstoß",
    debtor_name: str = "Erika Mustermann",
    due_in_days: int = 14,
) -> tuple[int, str, str]:
    """A receivable; returns its id, Kassenzeichen and the access token of its notice link."""
    from datetime import date, timedelta

    from server.payments.receivables import create_receivable

    with app.app_context():
        created = create_receivable(
            purpose=purpose,
            amount_cents=amount_cents,
            description=description,
            debtor_name=debtor_name,
            due_date=date.today() + timedelta(days=due_in_days),
        )
        return created.receivable.id, created.receivable.kassenzeichen, created.access_token
