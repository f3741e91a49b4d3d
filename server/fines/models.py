"""Tables of the parking-fines area.

- An **Aktenzeichen** is the file number of a case at the fine authority (Bußgeldstelle).
- A **Verwarnung** (§ 56 OWiG) offers to close a minor offence by paying a Verwarnungsgeld within
  the period (normally one week); an **Anhörung** (§ 55 OWiG) is the hearing before a
  Bußgeldbescheid, in which the person concerned may state their side or name the driver.
- A **Tatbestandsnummer** is the offence's number in the federal catalogue (BT-KAT-OWi).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow


class CaseKind(StrEnum):
    WARNING = "warning"  # Verwarnung mit Verwarnungsgeld
    HEARING = "hearing"  # Anhörung


class CaseStatus(StrEnum):
    OPEN = "open"  # letter sent, nothing received yet
    STATEMENT_RECEIVED = "statement_received"  # the citizen stated their side
    DRIVER_NAMED = "driver_named"  # the citizen named someone else as the driver
    PAID = "paid"  # Verwarnungsgeld paid: the case is closed
    DISCONTINUED = "discontinued"  # eingestellt
    CONTINUED = "continued"  # on to a Bußgeldbescheid
    FORWARDED = "forwarded"  # a new case against the named driver

    @property
    def closed(self) -> bool:
        return self in (CaseStatus.PAID, CaseStatus.DISCONTINUED, CaseStatus.FORWARDED)

    @property
    def final(self) -> bool:
        """Nothing is left for the fines office to decide: the case is closed or has gone on to
        a Bußgeldbescheid. A decision is final; the office cannot change it in the portal."""
        return self.closed or self is CaseStatus.CONTINUED


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Offence(Base):
    __tablename__ = "offences"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(6), unique=True)  # Tatbestandsnummer
    text: Mapped[str] = mapped_column(String(500))
    amount_cents: Mapped[int] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(String(200))


class FineCase(Base):
    __tablename__ = "fine_cases"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(CaseKind)})", name="known_kind"),
        CheckConstraint(f"status IN ({_values(CaseStatus)})", name="known_status"),
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        # The fines office's queue counts the cases still waiting for their letter: few of
        # many, found without reading the table (issue 17's query plans).
        Index(
            "cases_without_letter",
            "id",
            postgresql_where=text("letters_issued = 0"),
            sqlite_where=text("letters_issued = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aktenzeichen: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default=CaseStatus.OPEN.value, index=True)
    offence_id: Mapped[int] = mapped_column(ForeignKey("offences.id"))
    offence_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200))
    plate: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    holder_name: Mapped[str] = mapped_column(String(140))
    holder_street: Mapped[str] = mapped_column(String(140))
    holder_postcode_city: Mapped[str] = mapped_column(String(140))
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"), unique=True)
    # The letter's credentials, stored only as hashes: the URL token as SHA-256 (it has 192
    # random bits), the typed access code with Argon2id (it is shorter).
    url_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_code_hash: Mapped[str | None] = mapped_column(String(255))
    letter_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How many letters (with fresh credentials) were issued: a (re)print is claimed by a
    # conditional update on the number the clerk saw, so a double click prints one letter.
    letters_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # One forwarded case per case: two clerks forwarding at once create one case, not two.
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("fine_cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    offence: Mapped[Offence] = relationship(lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """The case's history: letter, views, statements, payments, decisions."""

    __tablename__ = "fine_case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("fine_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64), default="citizen")

    case: Mapped[FineCase] = relationship(back_populates="events")


class StatementKind(StrEnum):
    ADMIT = "admit"  # admits the offence, may comment
    CONTEST = "contest"  # contests it with a statement
    NOMINATE = "nominate"  # was not the driver: names the driver


class HearingStatement(Base):
    """What the person concerned said in the hearing (Äußerung im Anhörungsverfahren).

    The hearing obliges them to give their personal details (§ 111 OWiG), which they may correct
    here; everything else is voluntary.
    """

    __tablename__ = "fine_statements"
    __table_args__ = (CheckConstraint(f"kind IN ({_values(StatementKind)})", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("fine_cases.id", ondelete="CASCADE"), index=True
    )
    # Sent by the browser with the form; the same submission arriving twice is one statement.
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    person_name: Mapped[str] = mapped_column(String(140))
    person_street: Mapped[str] = mapped_column(String(140))
    person_postcode_city: Mapped[str] = mapped_column(String(140))
    person_birth_date: Mapped[date | None] = mapped_column(Date)
    driver_name: Mapped[str | None] = mapped_column(String(140))
    driver_street: Mapped[str | None] = mapped_column(String(140))
    driver_postcode_city: Mapped[str | None] = mapped_column(String(140))
    driver_birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    # The language of the hearing's pages: the decision's mail speaks it.
    language: Mapped[str] = mapped_column(String(8), default="de", server_default="de")
    late: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    uploads: Mapped[list[Upload]] = relationship(back_populates="statement")


class Upload(Base):
    """A photo or PDF the citizen attached. Stored outside the web root under a name the server
    chose; served only to whoever may see the case."""

    __tablename__ = "fine_uploads"
    __table_args__ = (
        # The same evidence photo once per case: a double-clicked upload stores it once.
        Index(
            "one_evidence_photo_per_case",
            "case_id",
            "sha256",
            unique=True,
            sqlite_where=text("evidence"),
            postgresql_where=text("evidence"),
        ),
        # The same attachment once while the hearing is being answered: a second tap, or the
        # attachments step sent again with its file input refilled, stores it once.
        Index(
            "one_pending_attachment_per_case",
            "case_id",
            "sha256",
            unique=True,
            sqlite_where=text("NOT evidence AND statement_id IS NULL"),
            postgresql_where=text("NOT evidence AND statement_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("fine_cases.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("fine_statements.id", ondelete="CASCADE")
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # The authority's evidence photos (Beweisfotos), shown to the citizen on the case page.
    evidence: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    statement: Mapped[HearingStatement | None] = relationship(back_populates="uploads")
