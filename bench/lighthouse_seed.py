"""Seed a throwaway portal database for the Lighthouse run (``bench/lighthouse.py``).

    <venv>/bin/python -m bench.lighthouse_seed --out seed.json --letters-dir DIR

Run with the portal's own environment (``DATABASE_URL``, ``SECRET_KEY``, ``PORTAL_BASE_URL``),
so the app is built as the server under test builds it. What ``portal demo`` seeds (clerks,
notices, the dozen fine cases with their evidence photos and letters, appointments), through
the demo's own functions, plus what only a person holding a letter or a mailbox would have:

- the QR path of one open fine case's letter (its letter printed again, so the credentials are
  known here; the earlier letter's link stops working, as after any reprint);
- a citizen password account, registered and confirmed through the account functions with the
  link from its confirmation mail, as a citizen does.

Writes them as JSON: ``letter_path``, ``email``, ``password``.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from pathlib import Path
from typing import Any

from flask import Flask

CONFIRM_LINK = re.compile(r"/konto/bestaetigen/([A-Za-z0-9_\-]+)")


def open_case_letter(app: Flask, letters_dir: Path) -> str:
    """The demo's fine cases; the QR path of a new letter for the first unpaid one."""
    from flask import url_for
    from sqlalchemy import select

    from server.extensions import db
    from server.fines.cases import issue_credentials
    from server.fines.demo import seed_fine_cases
    from server.fines.models import CaseStatus, FineCase

    seed_fine_cases(letters_dir)
    case = db.session.scalars(
        select(FineCase).where(FineCase.status == CaseStatus.OPEN.value).order_by(FineCase.id)
    ).first()
    if case is None:
        raise SystemExit("the demo seeded no open fine case")
    credentials = issue_credentials(case)
    with app.test_request_context():
        return url_for("fines.letter_link", token=credentials.url_token)


def confirmed_account(app: Flask) -> dict[str, str]:
    """A password account registered and confirmed as a citizen does it: the confirmation
    link comes out of the mail the registration queued."""
    from sqlalchemy import select

    from server.auth import accounts
    from server.auth.account_tokens import LinkState
    from server.extensions import db
    from server.mail.models import OutboxMail

    email = f"lighthouse-{secrets.token_hex(4)}@example.org"
    password = secrets.token_urlsafe(18)
    with app.test_request_context():
        accounts.register(email, password)
        body = db.session.scalars(
            select(OutboxMail.body).where(OutboxMail.recipient == email).order_by(OutboxMail.id)
        ).first()
        found = CONFIRM_LINK.search(body or "")
        if found is None:
            raise SystemExit(f"no confirmation link in the mail to {email}")
        link = accounts.confirm(found.group(1))
        if link.state is not LinkState.VALID:
            raise SystemExit(f"the confirmation link was {link.state.name}")
    return {"email": email, "password": password}


def seed(app: Flask, letters_dir: Path) -> dict[str, Any]:
    from server.appointments.demo import seed_appointments
    from server.demo import seed_demo_data

    with app.app_context():
        seed_demo_data()
        seed_appointments()
        letter_path = open_case_letter(app, letters_dir)
    with app.app_context():
        account = confirmed_account(app)
    return {"letter_path": letter_path, **account}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the seed (JSON)")
    parser.add_argument(
        "--letters-dir", type=Path, required=True, help="where the demo's letter PDFs go"
    )
    args = parser.parse_args(argv)

    from server import create_app

    app = create_app()
    args.out.write_text(json.dumps(seed(app, args.letters_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
