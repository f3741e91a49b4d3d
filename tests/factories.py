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
