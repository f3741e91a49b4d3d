"""Parking-fine cases: creating them with their receivable, finding them by the letter's
credentials, and closing them when the Verwarnungsgeld is paid (whatever way it came)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from server.db import utcnow
from server.extensions import db
from server.fines import credentials
from server.fines.models import CaseEvent, CaseKind, CaseStatus, FineCase, Offence
from server.fines.offences_data import OFFENCES, offence_text
from server.fines.shown import ShownCase, ShownOffence
from server.formatting import city_time, city_today
from server.i18n import current_language
from server.logs import get_logger
from server.payments.events import register_settlement_handler
from server.payments.models import Receivable
from server.payments.receivables import add_receivable

log = get_logger("fines")
PURPOSE = "fine"  # the receivables of this area
PAYMENT_PERIOD = timedelta(days=7)  # § 56 Abs. 2 OWiG: normally one week


@dataclass(frozen=True)
class Credentials:
    url_token: str
    access_code: str


def sync_offences() -> int:
    """Bring the offence table up to the catalogue in the code; returns how many changed."""
    changed = 0
    with db.transaction() as session:
        known = {o.number: o for o in session.scalars(select(Offence))}
        for definition in OFFENCES:
            offence = known.get(definition.number) or Offence(number=definition.number)
            values = (definition.text, definition.amount_cents, definition.legal_basis)
            if (offence.text, offence.amount_cents, offence.legal_basis) != values:
                offence.text, offence.amount_cents, offence.legal_basis = values
                session.add(offence)
                changed += 1
    return changed


def authority_address() -> tuple[str, ...]:
    """The fine authority's name and postal address lines, as letters and receipts print them."""
    config = current_app.config
    return (
        f"Stadt {config['PORTAL_CITY_NAME']} – Bußgeldstelle",
        *[part.strip() for part in config["FINES_AUTHORITY_ADDRESS"].split(",")],
    )


def shown_offence_text(offence: Offence | ShownOffence) -> str:
    """The offence's wording in the reader's language (pages, the account); letters, PDFs and
    the back office print the official German text (``offence.text``)."""
    return offence_text(offence.number, offence.text, current_language())


def find_offence(number: str) -> Offence | None:
    return db.session.scalar(select(Offence).where(Offence.number == number))


def record(case: FineCase, kind: str, detail: str = "", actor: str = "citizen") -> None:
    """Append to the case's history (inside the caller's transaction)."""
    db.session.add(CaseEvent(case_id=case.id, kind=kind, detail=detail[:2000], actor=actor))


def note_viewed(case: FineCase, actor: str, how: str = "") -> None:
    """Who looked at the case, for its history."""
    with db.transaction():
        record(case, "viewed", how, actor)


def add_case(
    session: Session,
    *,
    offence: Offence,
    kind: CaseKind,
    offence_at: datetime,
    place: str,
    plate: str,
    holder_name: str,
    holder_street: str,
    holder_postcode_city: str,
    letter_date: date | None = None,
    actor: str = "system",
    forwarded_from: FineCase | None = None,
) -> FineCase:
    """A new case with its receivable, inside the caller's transaction."""
    letter_date = letter_date or city_today()
    deadline = letter_date + PAYMENT_PERIOD
    plate = " ".join(plate.upper().split())
    case = FineCase(
        kind=kind.value,
        offence_id=offence.id,
        offence_at=offence_at,
        place=place,
        plate=plate,
        amount_cents=offence.amount_cents,
        deadline=deadline,
        holder_name=holder_name,
        holder_street=holder_street,
        holder_postcode_city=holder_postcode_city,
        forwarded_from_id=forwarded_from.id if forwarded_from else None,
    )
    session.add(case)
    session.flush()
    case.aktenzeichen = f"BG-{city_time(offence_at).year}-{case.id:06d}"
    record(case, "created", f"{offence.number} {plate}", actor)
    receivable = add_receivable(
        session,
        purpose=PURPOSE,
        purpose_ref=case.aktenzeichen,
        amount_cents=case.amount_cents,
        description=f"Verwarnungsgeld {case.aktenzeichen}",
        debtor_name=holder_name,
        due_date=deadline,
    ).receivable
    case.receivable_id = receivable.id
    session.flush()
    log.info("fine case created", extra={"aktenzeichen": case.aktenzeichen, "actor": actor})
    return case


def create_case(
    *,
    offence: Offence,
    kind: CaseKind,
    offence_at: datetime,
    place: str,
    plate: str,
    holder_name: str,
    holder_street: str,
    holder_postcode_city: str,
    letter_date: date | None = None,
    actor: str = "system",
) -> FineCase:
    with db.transaction() as session:
        return add_case(
            session,
            offence=offence,
            kind=kind,
            offence_at=offence_at,
            place=place,
            plate=plate,
            holder_name=holder_name,
            holder_street=holder_street,
            holder_postcode_city=holder_postcode_city,
            letter_date=letter_date,
            actor=actor,
        )


class LetterAlreadyIssued(ValueError):
    """Another request issued this letter first (a double click, a second clerk)."""


@dataclass(frozen=True)
class LetterKeys:
    """A letter's credentials with their hashes, made before the transaction that stores them:
    the access code's Argon2 hash takes a while, and no row lock should wait for it."""

    credentials: Credentials
    url_token_hash: str
    access_code_hash: str


def new_letter_keys() -> LetterKeys:
    token, code = credentials.new_url_token(), credentials.new_access_code()
    return LetterKeys(
        Credentials(token, code),
        credentials.url_token_hash(token),
        credentials.hash_access_code(code),
    )


def claim_letter(session: Session, case: FineCase, expected: int, keys: LetterKeys) -> None:
    """Store a letter's credentials inside the caller's transaction, if the case still has
    ``expected`` letters; raises ``LetterAlreadyIssued`` otherwise."""
    claimed = session.execute(
        update(FineCase)
        .where(FineCase.id == case.id, FineCase.letters_issued == expected)
        .values(
            url_token_hash=keys.url_token_hash,
            access_code_hash=keys.access_code_hash,
            letter_issued_at=utcnow(),
            letters_issued=expected + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise LetterAlreadyIssued(case.aktenzeichen)
    record(case, "letter", "", "system")


def issue_credentials(case: FineCase, *, seen: int | None = None) -> Credentials:
    """New credentials for a (new or reprinted) letter; the old ones stop working.

    ``seen`` is the number of letters the clerk saw (default: the case as loaded); the letter is
    claimed by a conditional update on it, so of two clicks one prints and the other gets
    ``LetterAlreadyIssued``."""
    expected = case.letters_issued if seen is None else seen
    db.session.commit()  # hand the connection back while the access code is hashed
    keys = new_letter_keys()
    try:
        with db.transaction() as session:
            claim_letter(session, case, expected, keys)
    finally:
        db.session.refresh(case)
    return keys.credentials


def find_by_token(token: str) -> FineCase | None:
    return db.session.scalar(
        select(FineCase).where(FineCase.url_token_hash == credentials.url_token_hash(token))
    )


def normalise_aktenzeichen(text: str) -> str:
    return "".join(text.split()).upper()


# Built once per process: building a statement cost about as much as running it (issue 17).
@functools.cache
def _case_by_aktenzeichen() -> Select[FineCase]:
    return select(FineCase).where(FineCase.aktenzeichen == bindparam("aktenzeichen"))


def find_by_aktenzeichen(aktenzeichen: str) -> FineCase | None:
    return db.session.scalar(
        _case_by_aktenzeichen(), {"aktenzeichen": normalise_aktenzeichen(aktenzeichen)}
    )


def get_case(case_id: int) -> FineCase | None:
    return db.session.get(FineCase, case_id)


def open_with_code(aktenzeichen: str, access_code: str) -> FineCase | None:
    """The case if the code fits; None alike for an unknown Aktenzeichen and a wrong code."""
    case = find_by_aktenzeichen(aktenzeichen)
    if not credentials.access_code_matches(case.access_code_hash if case else None, access_code):
        return None
    return case


def receivable_of(case: FineCase) -> Receivable | None:
    return db.session.get(Receivable, case.receivable_id) if case.receivable_id else None


def is_late(case: FineCase | ShownCase, today: date | None = None) -> bool:
    return (today or city_today()) > case.deadline


def _close_paid_case(receivable: Receivable) -> None:
    """Settlement handler: a paid Verwarnungsgeld closes the case, whatever way it came."""
    case = db.session.scalar(select(FineCase).where(FineCase.receivable_id == receivable.id))
    if case is None or CaseStatus(case.status).closed:
        return
    case.status = CaseStatus.PAID.value
    case.closed_at = utcnow()
    record(case, "paid", receivable.kassenzeichen, "payments")
    log.info("fine case paid", extra={"aktenzeichen": case.aktenzeichen})


def init_fines_events() -> None:
    register_settlement_handler(PURPOSE, _close_paid_case)
