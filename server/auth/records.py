"""The citizen's cases, notices and requests on the account page.

Areas do not import each other: each area that links records to citizens registers a
``describe`` function for its kind, and the account page asks all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from server.auth.models import CitizenRecord
from server.backends import Registry
from server.db import dialect_insert
from server.extensions import db


@dataclass(frozen=True)
class AccountRecord:
    """One line on the account page."""

    section: str  # e.g. "Bußgeldverfahren", already translated
    title: str
    status: str
    url: str
    since: datetime | None = None
    action: tuple[str, str] | None = None  # what the citizen should do next: (label, URL)


Describe = Callable[[Sequence[int]], list[AccountRecord]]
Source = Callable[[int], list[AccountRecord]]

_describers: Registry[Describe] = Registry("account record kind")
_sources: list[Source] = []


def register_record_kind(kind: str, describe: Describe) -> None:
    """``describe(record_ids)`` tells how the records of ``kind`` linked to a citizen look."""
    _describers.register(kind, describe)


def register_record_source(source: Source) -> None:
    """For areas that keep the citizen on their own records (``source(citizen_id)``)."""
    if source not in _sources:
        _sources.append(source)


def link(citizen_id: int, kind: str, record_id: int) -> None:
    """Remember that the citizen opened this record; linking twice changes nothing."""
    session = db.session
    with db.transaction():
        session.execute(
            dialect_insert(CitizenRecord, session)
            .values(citizen_id=citizen_id, kind=kind, record_id=record_id)
            .on_conflict_do_nothing()
        )


def is_linked(citizen_id: int, kind: str, record_id: int) -> bool:
    key = {"citizen_id": citizen_id, "kind": kind, "record_id": record_id}
    return db.session.get(CitizenRecord, key) is not None


def citizens_linked_to(kind: str, record_id: int) -> list[int]:
    """The accounts that opened this record: they hear of what happens to it (Postfach)."""
    return list(
        db.session.scalars(
            select(CitizenRecord.citizen_id)
            .where(CitizenRecord.kind == kind, CitizenRecord.record_id == record_id)
            .order_by(CitizenRecord.citizen_id)
        )
    )


def records_of(citizen_id: int) -> list[AccountRecord]:
    """Everything the citizen has with the city, newest first, grouped by the page."""
    rows = db.session.execute(
        select(CitizenRecord.kind, CitizenRecord.record_id).where(
            CitizenRecord.citizen_id == citizen_id
        )
    ).all()
    by_kind: dict[str, list[int]] = {}
    for kind, record_id in rows:
        by_kind.setdefault(kind, []).append(record_id)
    records: list[AccountRecord] = []
    for kind, ids in by_kind.items():
        describe = _describers.get(kind)
        if describe is not None:
            records.extend(describe(ids))
    for source in _sources:
        records.extend(source(citizen_id))
    return records
