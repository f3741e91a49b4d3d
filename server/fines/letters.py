"""Letters to the holder of the vehicle: the printed way into the portal.

Issuing a letter mints its credentials (the QR code's token, the typed access code) at the
moment the PDF is made, because the portal keeps only their hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from server.db import as_utc
from server.extensions import db
from server.fines.cases import (
    Credentials,
    authority_address,
    claim_letter,
    issue_credentials,
    new_letter_keys,
    receivable_of,
)
from server.fines.letter_pdf import LetterAddress, LetterContent, render_letter, render_letters
from server.fines.models import CaseKind, FineCase
from server.formatting import city_today
from server.payments.girocode import epc_payload
from server.payments.references import format_rf
from server.payments.transfer import beneficiary
from server.urls import public_url


@dataclass(frozen=True)
class IssuedLetter:
    case: FineCase
    credentials: Credentials
    content: LetterContent


def letter_content(
    case: FineCase, credentials: Credentials, letter_date: date | None = None
) -> LetterContent:
    config = current_app.config
    receivable = receivable_of(case)
    assert receivable is not None
    assert case.aktenzeichen
    payee = beneficiary()
    portal_url = public_url("fines.letter_link", token=credentials.url_token)
    typed = public_url("fines.open_case").split("://", 1)[-1]
    iban = payee.iban.replace(" ", "")
    authority = authority_address()
    return LetterContent(
        kind="warning" if case.kind == CaseKind.WARNING.value else "hearing",
        authority_name=authority[0],
        authority_lines=(*authority, f"Telefon {config['FINES_AUTHORITY_PHONE']}"),
        recipient=LetterAddress(case.holder_name, case.holder_street, case.holder_postcode_city),
        letter_date=letter_date or city_today(),
        aktenzeichen=case.aktenzeichen,
        kassenzeichen=receivable.kassenzeichen,
        offence_date=as_utc(case.offence_at),
        place=case.place,
        plate=case.plate,
        offence_number=case.offence.number,
        offence_text=case.offence.text,
        legal_basis=case.offence.legal_basis,
        amount_cents=case.amount_cents,
        deadline=case.deadline,
        portal_url=portal_url,
        portal_address=typed,
        access_code=credentials.access_code,
        giro_payload=epc_payload(
            beneficiary=payee, amount_cents=case.amount_cents, rf_reference=receivable.rf_reference
        ),
        bank_lines=(
            f"Empfänger: {payee.name}",
            "IBAN: " + " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
            *([f"BIC: {payee.bic}"] if payee.bic else []),
            f"Verwendungszweck: {format_rf(receivable.rf_reference)}",
        ),
    )


def issue_letter(
    case: FineCase, letter_date: date | None = None, *, seen: int | None = None
) -> IssuedLetter:
    """Raises ``LetterAlreadyIssued`` when another request issued it since ``seen``."""
    credentials = issue_credentials(case, seen=seen)
    return IssuedLetter(case, credentials, letter_content(case, credentials, letter_date))


def cases_without_letter() -> list[FineCase]:
    return list(
        db.session.scalars(
            select(FineCase).where(FineCase.letters_issued == 0).order_by(FineCase.id)
        )
    )


def issue_first_letters(case_ids: list[int] | None = None) -> list[IssuedLetter]:
    """The first letter of every case that has none yet (of ``case_ids``, if given), in one
    transaction that holds those cases: of two clerks asking for the printing line's file at
    once, one gets every new letter and the other none."""
    # Keys for the cases that look new, made before the cases are held (hashing takes a while).
    query = select(FineCase.id).where(FineCase.letters_issued == 0)
    if case_ids is not None:
        query = query.where(FineCase.id.in_(case_ids))
    keys = {case_id: new_letter_keys() for case_id in db.session.scalars(query)}
    issued = []
    with db.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a write takes the database's write lock first.
            session.execute(
                update(FineCase)
                .where(FineCase.letters_issued == 0)
                .values(letters_issued=FineCase.letters_issued)
                .execution_options(synchronize_session=False)
            )
        pending = session.scalars(
            select(FineCase)
            .where(FineCase.letters_issued == 0, FineCase.id.in_(sorted(keys)))
            .order_by(FineCase.id)
            .with_for_update(of=FineCase)
            .execution_options(populate_existing=True)
        ).all()
        for case in pending:
            claim_letter(session, case, 0, keys[case.id])
            issued.append((case, keys[case.id].credentials))
    letters = []
    for case, credentials in issued:
        db.session.refresh(case)
        letters.append(IssuedLetter(case, credentials, letter_content(case, credentials)))
    return letters


def write_letters(out_dir: Path, cases: list[FineCase] | None = None) -> list[Path]:
    """One PDF per case plus one file with all of them for the printing line."""
    issued = issue_first_letters(None if cases is None else [case.id for case in cases])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for letter in issued:
        path = out_dir / f"{letter.case.aktenzeichen}.pdf"
        path.write_bytes(render_letter(letter.content))
        written.append(path)
    if issued:
        combined = out_dir / f"briefe-{city_today():%Y-%m-%d}.pdf"
        combined.write_bytes(render_letters([letter.content for letter in issued]))
        written.append(combined)
    return written
