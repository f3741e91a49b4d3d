"""Issuing permits on approval, checking them by their QR code, and what the fines office is
told about a plate."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from server import addresses
from server.db import insert_once
from server.extensions import db
from server.formatting import city_today, german_date
from server.forms.models import FormSubmission
from server.forms.submissions import StatusError
from server.logs import get_logger
from server.parkausweis import plates, zones
from server.parkausweis.models import ParkingPermit

log = get_logger("portal.parkausweis")


def _answer(answers: Mapping[str, object], name: str) -> str:
    value = answers.get(name, "")
    return value[0] if isinstance(value, list) and value else str(value or "")


def years_of(answers: Mapping[str, object]) -> int:
    return 2 if _answer(answers, "laufzeit") == "2" else 1


def issue(submission: FormSubmission, _details: Mapping[str, str], clerk: str) -> None:
    """Status hook of 'genehmigt': the permit, valid from today for the years paid for, in the
    zone of the address. Once per application, however often the approval is sent."""
    answers = submission.answers
    zone = zones.table().zone_of(_answer(answers, "strasse"))
    plate = plates.normalise(_answer(answers, "kennzeichen"))
    if zone is None or plate is None:
        # The zones table changed since the application (a street left every zone): the
        # clerk is told and may refuse, which refunds the fee.
        raise StatusError(
            {
                "status": _(
                    "Die Anschrift liegt nach der gültigen Zonentabelle in keiner Zone; der "
                    "Ausweis kann nicht ausgestellt werden."
                )
            }
        )
    start = city_today()
    years = years_of(answers)
    until = _years_later(start, years) - timedelta(days=1)
    with db.transaction() as sql:
        insert_once(
            sql,
            ParkingPermit,
            {
                "submission_id": submission.id,
                "token": secrets.token_urlsafe(24),
                "plate": plate,
                "zone": zone.code,
                "valid_from": start,
                "valid_until": until,
            },
            ("submission_id",),
        )
    log.info("parking permit issued", extra={"reference": submission.reference, "clerk": clerk})


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the permit runs to the end of February
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def permit_of(submission: FormSubmission) -> ParkingPermit | None:
    return db.session.scalar(
        select(ParkingPermit).where(ParkingPermit.submission_id == submission.id)
    )


def by_token(token: str) -> ParkingPermit | None:
    return db.session.scalar(select(ParkingPermit).where(ParkingPermit.token == token))


@dataclass(frozen=True)
class Check:
    """What the verification page shows: nothing about the holder but the plate."""

    valid: bool
    plate: str
    zone: str  # "A (Altstadt)"
    valid_from: date
    valid_until: date


def check(permit: ParkingPermit, day: date | None = None) -> Check:
    day = day or city_today()
    zone = zones.table().zone(permit.zone)
    return Check(
        valid=permit.valid_from <= day <= permit.valid_until,
        plate=permit.plate,
        zone=f"{permit.zone} ({zone.name})" if zone else permit.zone,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
    )


def plate_note(plate: str, place: str, day: date) -> str | None:
    """For the fines office: a permit valid on ``day`` for ``plate``, said with its zone and
    whether ``place`` lies in it."""
    normalised = plates.normalise(plate)
    if normalised is None:
        return None
    valid = db.session.scalars(
        select(ParkingPermit).where(
            ParkingPermit.plate == normalised,
            ParkingPermit.valid_from <= day,
            ParkingPermit.valid_until >= day,
        )
    ).all()
    if not valid:
        return None
    table = zones.table()
    street = place.split(",")[0]
    place_zone = table.zone_of(street)
    for permit in valid:
        if place_zone is not None and permit.zone == place_zone.code:
            return _(
                "Für %(plate)s gilt am Tattag ein Bewohnerparkausweis der Zone %(zone)s, in der "
                "der Tatort liegt (gültig bis %(until)s). Prüfen Sie, ob der Vorwurf zutrifft.",
                plate=normalised,
                zone=permit.zone,
                until=german_date(permit.valid_until),
            )
    if not addresses.has_house_number(street):
        return _(
            "Für %(plate)s gilt am Tattag ein Bewohnerparkausweis der Zone %(zones)s; ob der "
            "Tatort in dieser Zone liegt, lässt sich aus der Ortsangabe nicht bestimmen.",
            plate=normalised,
            zones=", ".join(sorted({permit.zone for permit in valid})),
        )
    return _(
        "Für %(plate)s gilt am Tattag ein Bewohnerparkausweis der Zone %(zones)s; der Tatort "
        "liegt nicht in dieser Zone.",
        plate=normalised,
        zones=", ".join(sorted({permit.zone for permit in valid})),
    )
