"""The development identity provider's test persons.

They stand for what the eID service reports about real people: Erika Mustermann is the person
printed on the specimen of the German identity card (Personalausweis) and logs in with the
Online-Ausweis (trust level "high"); Max Mustermann logs in with an ELSTER certificate through
BundID ("substantial"); Leonie Weber lives abroad, so her card holds no German address and the
service transmits none, which the portal refuses with an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class TestPerson:
    # Not a pytest test class, despite the name.
    __test__ = False

    key: str
    subject: str
    given_name: str
    family_name: str
    birthdate: str
    level: str
    means: Any  # a lazy German text: how this person identifies (Online-Ausweis, ELSTER)
    note: Any
    email: str
    address: dict[str, str] | None = field(default=None)

    @property
    def born(self) -> date:
        return date.fromisoformat(self.birthdate)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def claims(self) -> dict[str, Any]:
        """Everything the provider knows; scopes decide what is released."""
        claims: dict[str, Any] = {
            "sub": self.subject,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate,
            "email": self.email,
            "email_verified": True,
        }
        if self.address is not None:
            claims["address"] = dict(self.address)
        return claims


TEST_PERSONS: tuple[TestPerson, ...] = (
    TestPerson(
        key="erika",
        # The eID's restricted identifier (Sperrmerkmal) is a per-service pseudonym; a fixed
        # one per person makes a second login find the same account.
        subject="dev-eid-erika-mustermann",
        given_name="Erika",
        family_name="Mustermann",
        birthdate="1964-08-12",
        level="high",
        means=_l("Online-Ausweis (Personalausweis)"),
        note=_l("Alle Angaben vorhanden."),
        email="erika.mustermann@example.org",
        address={
            "street_address": "Heidestraße 17",
            "postal_code": "51147",
            "locality": "Köln",
            "country": "DE",
        },
    ),
    TestPerson(
        key="max",
        subject="dev-eid-max-mustermann",
        given_name="Max",
        family_name="Mustermann",
        birthdate="1990-01-01",
        level="substantial",
        means=_l("ELSTER-Zertifikat über BundID"),
        note=_l("Alle Angaben vorhanden."),
        email="max.mustermann@example.org",
        address={
            "street_address": "Hauptstraße 5",
            "postal_code": "12345",
            "locality": "Musterstadt",
            "country": "DE",
        },
    ),
    TestPerson(
        key="leonie",
        subject="dev-eid-leonie-weber",
        given_name="Leonie",
        family_name="Weber",
        birthdate="1985-03-23",
        level="high",
        means=_l("Online-Ausweis (Personalausweis)"),
        note=_l("Wohnt im Ausland: Der Anmeldedienst übermittelt keine Anschrift."),
        email="leonie.weber@example.org",
        address=None,
    ),
)


def find_person(key: str | None) -> TestPerson | None:
    return next((person for person in TEST_PERSONS if person.key == key), None)


def person_by_subject(subject: str | None) -> TestPerson | None:
    return next((person for person in TEST_PERSONS if person.subject == subject), None)
