"""Keyword-only factories for test data, going through the domain functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import Flask

from server.auth.clerks import create_clerk
from server.auth.models import Clerk
from server.auth.roles import Role
from server.formatting import city_today

DEFAULT_PASSWORD = "correct horse battery"
# The enrolled TOTP secret of every clerk made here (unless told otherwise): log-in helpers
# compute the current code from it, as the clerk's authenticator app would.
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_clerk(
    app: Flask,
    *,
    username: str = "clerk",
    display_name: str = "Chris Clerk",
    password: str = DEFAULT_PASSWORD,
    roles: Iterable[Role] = (Role.FINES,),
    active: bool = True,
    totp_secret: str | None = DEFAULT_TOTP_SECRET,
) -> Clerk:
    """A clerk; with ``totp_secret=None`` one who has not set up the second factor yet."""
    from server.auth.second_factor import enrol_with_secret
    from server.extensions import db

    with app.app_context():
        clerk = create_clerk(
            username=username, display_name=display_name, password=password, roles=roles
        )
        if totp_secret is not None:
            enrol_with_secret(clerk, totp_secret)
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
    from datetime import timedelta

    from server.payments.receivables import create_receivable

    with app.app_context():
        created = create_receivable(
            purpose=purpose,
            amount_cents=amount_cents,
            description=description,
            debtor_name=debtor_name,
            due_date=city_today() + timedelta(days=due_in_days),
        )
        return created.receivable.id, created.receivable.kassenzeichen, created.access_token


def make_fine_case(
    app: Flask,
    *,
    kind: str = "warning",
    days_ago: int = 2,
    letter_days_ago: int = 0,
    holder_name: str = "Erika Mustermann",
    plate: str = "MU-EM 123",
    offence_at: datetime | None = None,
    place: str = "Marktplatz 4",
) -> dict[str, str]:
    """A parking-fine case with its letter's credentials, as the letter prints them. The
    offence was ``days_ago`` days ago, unless ``offence_at`` (aware) says when."""
    from datetime import UTC, timedelta

    from server.fines.cases import create_case, find_offence, receivable_of, sync_offences
    from server.fines.letters import issue_letter
    from server.fines.models import CaseKind
    from server.fines.offences_data import OFFENCES

    with app.test_request_context("/"):
        sync_offences()
        offence = find_offence(OFFENCES[0].number)
        assert offence is not None
        case = create_case(
            offence=offence,
            kind=CaseKind(kind),
            offence_at=offence_at or datetime.now(UTC) - timedelta(days=days_ago),
            place=place,
            plate=plate,
            holder_name=holder_name,
            holder_street="Hauptstraße 5",
            holder_postcode_city="12345 Musterstadt",
            letter_date=city_today() - timedelta(days=letter_days_ago),
        )
        letter = issue_letter(case)
        receivable = receivable_of(case)
        assert receivable is not None
        assert case.aktenzeichen
        return {
            "case_id": str(case.id),
            "aktenzeichen": case.aktenzeichen,
            "token": letter.credentials.url_token,
            "access_code": letter.credentials.access_code,
            "kassenzeichen": receivable.kassenzeichen,
            "rf_reference": receivable.rf_reference,
            "portal_url": letter.content.portal_url,
            "amount_cents": str(case.amount_cents),
        }
