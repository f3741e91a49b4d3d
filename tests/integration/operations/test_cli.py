from __future__ import annotations

from flask import Flask

from server.auth.clerks import find_clerk
from server.auth.roles import Role


def test_portal_clerks_create_and_list(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "clerks",
            "create",
            "--username",
            "Kasse1",
            "--name",
            "Karl Kasse",
            "--role",
            "cash_office",
            "--role",
            "admin",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        clerk = find_clerk("kasse1")
        assert clerk is not None
        assert clerk.roles == {Role.CASH_OFFICE, Role.ADMIN}
    listing = runner.invoke(args=["clerks", "list"])
    assert "kasse1\tKarl Kasse\tadmin,cash_office\tactive" in listing.output


def test_portal_clerks_create_refuses_short_passwords_and_duplicates(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["clerks", "create", "--username", "x", "--role", "fines", "--password", "short"]
    )
    assert short.exit_code != 0
    assert "at least 12" in short.output
    args = [
        "clerks",
        "create",
        "--username",
        "y",
        "--role",
        "fines",
        "--password",
        "a long enough password",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "exists" in again.output


def test_portal_db_check_finds_no_pending_changes(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
