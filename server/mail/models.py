from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow

UNSENT = "sent_at IS NULL AND failed_at IS NULL"


class OutboxMail(Base):
    """A mail written in the same transaction as what it reports, sent afterwards."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # What the senders look at: mails neither sent nor given up.
        Index(
            "ix_mail_outbox_unsent",
            "next_attempt_at",
            sqlite_where=text(UNSENT),
            postgresql_where=text(UNSENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Drawn by the sender when it takes the mail (server.mail.attachments), then kept in
    # ``attachment``: "<kind>:<record id>".
    attachment_source: Mapped[str | None] = mapped_column(String(100))
    # A mail that must go once ("proof:<receivable id>"): the database refuses a second one.
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not tried before this time: while one sender has it (claimed), and after a failed attempt
    # (a pause growing with the attempts, so that a mail server down for a while is waited for).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Given up: the mail server refused the recipient for good, or would not take the mail
    # within MAIL_GIVE_UP_HOURS. Admins see it (/verwaltung/postausgang) and may send it again.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # When an admin sent a failed mail again: the give-up time counts from here.
    retried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PostfachMessage(Base):
    """One entry of a citizen's message box (*Postfach*) on the account page: a status change
    or a mail the portal sent them, readable on any device they log in with."""

    __tablename__ = "postfach_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    mailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
