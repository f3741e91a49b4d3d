"""Tables of the form engine: drafts kept on the server, submissions with their status history,
the values the back office filters by, and uploaded files.

A **submission** (*Antrag*, *Mitteilung*) is what a citizen sent with one service; its
**reference** (*Eingangsnummer*, e.g. ``KITA-2026-000012``) is what they quote. The browser
chooses the ``submission_id`` (a UUID) before sending, so a repeated send is recognised and
answered with the same reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow


class FormDraft(Base):
    """Answers given so far: a browser's (found by ``key``, which its session holds) or a
    logged-in citizen's (found by ``citizen_id``, on any device)."""

    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("citizen_id", "service", name="one_per_citizen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    service: Mapped[str] = mapped_column(String(64))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    step: Mapped[str] = mapped_column(String(64), default="")
    # Counts every change: the drafts client sends the revision its answers are based on, and
    # a page opened before a change on another device cannot undo that change (drafts.put).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    service: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32), index=True)
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizens.id", ondelete="SET NULL"), index=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A service with a fee: the lines as shown before paying ([{label, cents, code}]), the
    # total, and the receivable's Kassenzeichen in the payments area.
    fee_lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    kassenzeichen: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The Abrufcode: with the reference it opens the status page on any device. Kept as it
    # was given (not hashed): the receipt and every later mail repeat it, and it guards only
    # what this same row holds.
    status_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    # The language the citizen sent in: later mails about this submission speak it.
    language: Mapped[str] = mapped_column(String(8), default="de", server_default="de")

    events: Mapped[list[FormStatusEvent]] = relationship(
        back_populates="submission", order_by="FormStatusEvent.id", cascade="all, delete-orphan"
    )
    uploads: Mapped[list[FormUpload]] = relationship(
        back_populates="submission", order_by="FormUpload.id"
    )


class FormFacet(Base):
    """One value of a submission the back office filters by (a chosen daycare, a start date)."""

    __tablename__ = "form_facets"
    __table_args__ = (Index("ix_form_facets_name_value", "name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))


class FormStatusEvent(Base):
    """The submission's history as the citizen sees it: received, then each clerk decision."""

    __tablename__ = "form_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    # What the clerk had to enter for this status (a posting date, a reason), by input name.
    details: Mapped[dict[str, str] | None] = mapped_column(JSON)

    submission: Mapped[FormSubmission] = relationship(back_populates="events")


class FormUpload(Base):
    """A checked file: first attached to a draft (no-JS path, one step at a time), then to the
    submission. The content lives in the upload storage under ``storage_key``."""

    __tablename__ = "form_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_drafts.id", ondelete="SET NULL"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[FormSubmission | None] = relationship(back_populates="uploads")
