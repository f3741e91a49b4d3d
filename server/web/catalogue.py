"""The service catalogue: every service the portal offers or will offer, with its tile.

A service that is not built yet says so honestly on its page instead of linking nowhere.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from server.forms.engine import FormDefinition
from server.forms.registry import get_definition


@dataclass(frozen=True)
class Service:
    slug: str
    title: LazyString
    summary: LazyString
    keywords: tuple[str, ...]
    icon: str
    available: bool = False
    endpoint: str | None = None  # where the service starts once it is built
    form: str | None = None  # a service of the form engine: its definition's slug
    needs: tuple[LazyString | str, ...] = ()  # what the citizen needs at hand
    cost: LazyString | str = ""
    duration: LazyString | str = ""
    privacy_endpoint: str | None = None  # its privacy notice (Art. 13 DSGVO), if it has its own
    start_tile: bool = True

    @property
    def related(self) -> tuple[Service | FormService, ...]:
        return ()


@dataclass(frozen=True)
class FormService:
    """A service of the form engine, named by its definition's slug; its tile and service page
    say what is needed, what it costs and how long it takes, and start the form.

    What it says comes from the definition its area registered with the engine. It is looked up
    when asked: areas register at start (``init_<area>``), after this module is imported."""

    form: str  # the definition's slug
    address: str | None = None  # a shorter address than the definition's slug, if any
    available: bool = True
    endpoint: str | None = None
    # False: in the catalogue and its search, but no tile of its own on the start page (a
    # second service of a tile there, e.g. the dog's deregistration next to its registration).
    start_tile: bool = True
    # Services its page links to as well (the deregistration from the registration's page).
    see_also: tuple[str, ...] = ()

    @property
    def related(self) -> tuple[Service | FormService, ...]:
        return tuple(found for slug in self.see_also if (found := find_service(slug)) is not None)

    @property
    def definition(self) -> FormDefinition:
        definition = get_definition(self.form)
        if definition is None:
            raise LookupError(f"no form definition {self.form!r} is registered with the engine")
        return definition

    @property
    def slug(self) -> str:
        return self.address or self.form

    @property
    def title(self) -> LazyString | str:
        return self.definition.title

    @property
    def summary(self) -> LazyString | str:
        return self.definition.summary

    @property
    def keywords(self) -> tuple[str, ...]:
        return (*self.definition.keywords, "formular", "antrag", "online-formular", "form")

    @property
    def icon(self) -> str:
        return self.definition.icon

    @property
    def needs(self) -> tuple[LazyString | str, ...]:
        return self.definition.needs

    @property
    def cost(self) -> LazyString | str:
        return self.definition.cost

    @property
    def duration(self) -> LazyString | str:
        return self.definition.duration


SERVICES: tuple[Service | FormService, ...] = (
    Service(
        "bussgeld",
        _l("Knöllchen und Bußgeld"),
        _l("Brief mit QR-Code scannen, Vorwurf ansehen, Stellung nehmen und bezahlen."),
        ("verwarnungsgeld", "parken", "strafzettel", "anhörung", "parking", "fine", "ticket"),
        "directions_car",
        available=True,
        endpoint="fines.open_case",
    ),
    Service(
        "zahlungen",
        _l("Bescheide bezahlen"),
        _l("Gebühren und Forderungen der Stadt online oder per Überweisung bezahlen."),
        ("kassenzeichen", "girocode", "gebühr", "payment", "notice", "fee"),
        "euro",
        available=True,
        endpoint="payments.lookup",
    ),
    FormService("urkunden"),
    Service(
        "termine",
        _l("Termin vereinbaren"),
        _l("Einen Termin im Bürgerbüro oder in einem Amt buchen."),
        ("bürgerbüro", "appointment", "booking"),
        "calendar_month",
        available=True,
        endpoint="appointments.start",
        privacy_endpoint="appointments.privacy",
    ),
    # The Kita service keeps its short address, which the start page has always linked.
    FormService("kita-anmeldung", address="kita"),
    FormService("kontakt"),
    FormService("belege-nachreichen"),
    FormService("maengelmelder"),
    FormService("briefwahl"),
    FormService("meldebescheinigung"),
    FormService("bewohnerparkausweis"),
    FormService("hundesteuer", see_also=("hundesteuer-abmeldung",)),
    FormService("hundesteuer-abmeldung", start_tile=False),
    FormService("sperrmuell"),
    Service(
        "konto",
        _l("Mein Konto"),
        _l("Anmelden, Ihre Vorgänge, Bestellungen und Zahlungen einsehen."),
        ("anmelden", "login", "account", "eid", "online-ausweis"),
        "account_circle",
        available=True,
        endpoint="auth.account",
    ),
)


ORDER_KEY = "START_TILES"  # the parsed START_TILE_ORDER in app.config


def tile_order(setting: str) -> tuple[str, ...]:
    """The slugs of ``START_TILE_ORDER`` (comma-separated), checked: every one a service, none
    twice. ``ValueError`` says which is wrong."""
    slugs = tuple(part.strip() for part in setting.split(",") if part.strip())
    known = {service.slug for service in SERVICES}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise ValueError(f"no such service: {', '.join(unknown)} (known: {', '.join(known)})")
    if len(set(slugs)) != len(slugs):
        raise ValueError("a service is named twice")
    return slugs


def start_page_services() -> list[Service | FormService]:
    """Every service, those the city named in ``START_TILE_ORDER`` first in its order, the rest
    as listed here: a new service is never left off the start page (unless it has no tile of
    its own, ``FormService.start_tile``)."""
    first = tuple(current_app.config.get(ORDER_KEY, ()))
    named = [service for slug in first if (service := find_service(slug)) is not None]
    return named + [
        service for service in SERVICES if service.slug not in first and service.start_tile
    ]


def find_service(slug: str) -> Service | FormService | None:
    return next((service for service in SERVICES if service.slug == slug), None)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _search_text(service: Service | FormService) -> str:
    texts = [service.slug, *service.keywords]
    for language in ("de", "en"):
        with force_locale(language):
            texts += [str(service.title), str(service.summary)]
    return _fold(" ".join(texts))


def search_services(query: str) -> list[Service | FormService]:
    """Services whose German or English name, summary or keywords contain every word."""
    words = _fold(query).split()
    if not words:
        return list(SERVICES)
    return [service for service in SERVICES if all(word in _search_text(service) for word in words)]
