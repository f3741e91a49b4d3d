"""Clerks (Sachbearbeiterinnen und Sachbearbeiter) of the administration and their roles;
citizens, who log in with the eID or an e-mail address and password, and their e-mail links."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.auth.roles import Role
from server.db import Base, utcnow


class Clerk(Base):
    __tablename__ = "clerks"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    role_rows: Mapped[list[ClerkRole]] = relationship(
        back_populates="clerk", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


class ClerkRole(Base):
    __tablename__ = "clerk_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r.value}'" for r in Role) + ")", name="known_role"
        ),
    )

    clerk_id: Mapped[int] = mapped_column(
        ForeignKey("clerks.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    clerk: Mapped[Clerk] = relationship(back_populates="role_rows")


class Citizen(Base):
    """A citizen known from a login: an eID (the identity provider's subject), a password account
    (``login_email``), or both once the eID is linked to the password account.

    Password accounts start without a name (empty strings) until the citizen enters one."""

    __tablename__ = "citizens"
    __table_args__ = (
        UniqueConstraint("eid_issuer", "eid_subject", name="one_per_eid"),
        UniqueConstraint("identity_key", name="one_per_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    eid_issuer: Mapped[str | None] = mapped_column(String(255))
    eid_subject: Mapped[str | None] = mapped_column(String(255))
    # A digest of the verified family name, given names and date of birth
    # (server/auth/identity.py): how an EUDI wallet login finds the eID's record.
    identity_key: Mapped[str | None] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(140))
    family_name: Mapped[str] = mapped_column(String(140))
    birthdate: Mapped[date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(140))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    locality: Mapped[str | None] = mapped_column(String(140))
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    trust_level: Mapped[str] = mapped_column(String(16), default="low")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The password account: the address is the login name, stored normalised (lower case).
    login_email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def has_password(self) -> bool:
        return self.login_email is not None and self.password_hash is not None

    @property
    def has_eid(self) -> bool:
        return self.eid_subject is not None

    @property
    def confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"  # confirms the e-mail address of a new account
    RESET = "reset"  # sets a new password


class AccountToken(Base):
    """A single-use e-mail link. Only the SHA-256 of the token is stored: the database alone
    opens no account.

    A confirmation link carries the password chosen at its registration, so that each link
    confirms the password its own registration set, whoever registered the address later."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN (" + ", ".join(f"'{p.value}'" for p in TokenPurpose) + ")",
            name="known_purpose",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    citizen: Mapped[Citizen] = relationship()


class WebSession(Base):
    """A browser's session, kept on the server so that it can be listed and revoked.

    The browser holds only a random token; the table holds its SHA-256, so a copy of the table
    does not let anyone take over a session.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    clerk_id: Mapped[int | None] = mapped_column(
        ForeignKey("clerks.id", ondelete="CASCADE"), index=True
    )
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CitizenRecord(Base):
    """A record (a fine case, a notice, ...) a logged-in citizen opened with its own proof.

    Once linked, the citizen sees it in the account on every device without the letter again.
    """

    __tablename__ = "citizen_records"

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
