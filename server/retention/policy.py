"""How long each kind of record is kept: its period, the setting that holds it, and the moment
before which a record's last event must lie for it to be due.

Periods in years count from the end of the calendar year (in the city) of the record's last
event, as files are weeded out once a year and as § 147 Abs. 4 AO counts for the books: a fine
case decided in March 2026 with three years goes on 1 January 2030. The appointments keep their
own periods in days (``APPOINTMENT_KEEP_DAYS``, ``APPOINTMENT_KEEP_UNCONFIRMED_DAYS``), counted
from the appointment, as their privacy notice promises; the mails theirs (``MAIL_KEEP_DAYS``),
counted from sending or failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask import current_app

from server.formatting import city_day_start, city_time

# Books and records of the cash office are kept ten years (§ 147 Abs. 3 AO, § 257 Abs. 4 HGB):
# whatever the setting says, the journal never goes sooner.
JOURNAL_MINIMUM_YEARS = 10


class Kind(StrEnum):
    """The kinds of record, in the order a run deletes them: statements before their cases,
    cases and submissions before the receivables they name, the audit log last."""

    HEARING_STATEMENTS = "hearing_statements"
    FINE_CASES = "fine_cases"
    CERTIFICATE_ORDERS = "certificate_orders"
    FORM_SUBMISSIONS = "form_submissions"
    APPOINTMENTS = "appointments"
    JOURNAL = "journal"
    MAILS = "mails"
    AUDIT_ENTRIES = "audit_entries"


YEAR_SETTINGS: dict[Kind, str] = {
    Kind.HEARING_STATEMENTS: "RETENTION_HEARING_STATEMENT_YEARS",
    Kind.FINE_CASES: "RETENTION_FINE_CASE_YEARS",
    Kind.CERTIFICATE_ORDERS: "RETENTION_CERTIFICATE_ORDER_YEARS",
    Kind.FORM_SUBMISSIONS: "RETENTION_FORM_SUBMISSION_YEARS",
    Kind.JOURNAL: "RETENTION_JOURNAL_YEARS",
    Kind.AUDIT_ENTRIES: "RETENTION_AUDIT_YEARS",
}


def years(kind: Kind) -> int:
    configured = max(int(current_app.config[YEAR_SETTINGS[kind]]), 0)
    if kind is Kind.JOURNAL:
        # The setting refuses less at start; a test's or a caller's override must not either.
        return max(configured, JOURNAL_MINIMUM_YEARS)
    return configured


def year_cutoff(kind: Kind, now: datetime) -> datetime:
    """Records whose last event lies before this moment are due at ``now``: the start (city
    time) of the year ``years`` before the current one. With 10 years, in 2026 everything whose
    last event was in 2015 or before: its period ended on 31 December 2025."""
    return city_day_start(date(city_time(now).year - years(kind), 1, 1))


@dataclass(frozen=True)
class AppointmentCutoffs:
    """``purge`` makes appointments that began before ``nameless`` nameless and deletes holds
    never confirmed that were made before ``unconfirmed``."""

    nameless: datetime
    unconfirmed: datetime


def appointment_cutoffs(now: datetime) -> AppointmentCutoffs:
    config = current_app.config
    return AppointmentCutoffs(
        nameless=now - timedelta(days=int(config["APPOINTMENT_KEEP_DAYS"])),
        unconfirmed=now - timedelta(days=int(config["APPOINTMENT_KEEP_UNCONFIRMED_DAYS"])),
    )


def mail_cutoff(now: datetime) -> datetime:
    """Mails sent or failed before this moment are due."""
    return now - timedelta(days=int(current_app.config["MAIL_KEEP_DAYS"]))


def describe(kind: Kind) -> str:
    """The period as the report prints it (English, like the other commands' output)."""
    config = current_app.config
    if kind is Kind.MAILS:
        return (
            f"recipient, text and attachment {config['MAIL_KEEP_DAYS']} days after sending, "
            "failed mails whole as long after failing (MAIL_KEEP_DAYS)"
        )
    if kind is Kind.APPOINTMENTS:
        return (
            f"names {config['APPOINTMENT_KEEP_DAYS']} days after the appointment "
            f"(APPOINTMENT_KEEP_DAYS), unconfirmed holds after "
            f"{config['APPOINTMENT_KEEP_UNCONFIRMED_DAYS']} days"
        )
    count = years(kind)
    return (
        f"{count} year{'' if count == 1 else 's'} after the end of the year ({YEAR_SETTINGS[kind]})"
    )
