"""What the citizen's case page shows of a case, its offence, its last statement and its
receivable: plain values read in one statement (``server.fines.case_page``), not the ORM's
objects. The page is the one every letter opens; making four ORM objects with their instance
state was a fifth of its time (issue 17). Only what the page shows is read: not the holder's
address, the letter's credentials or the statement's personal details.

The domain's functions that the page asks (may this browser see the case, is it late, is it
still to be paid) take these as well as the ORM's objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ShownOffence:
    number: str  # Tatbestandsnummer
    text: str  # the official German wording
    legal_basis: str


@dataclass(frozen=True)
class ShownCase:
    id: int
    aktenzeichen: str
    kind: str
    status: str
    offence: ShownOffence
    offence_at: datetime
    place: str
    plate: str
    amount_cents: int
    deadline: date


@dataclass(frozen=True)
class ShownStatement:
    id: int
    kind: str
    received_at: datetime


@dataclass(frozen=True)
class ShownReceivable:
    id: int
    kassenzeichen: str
    amount_cents: int
    closed_at: datetime | None
    closed_reason: str | None
