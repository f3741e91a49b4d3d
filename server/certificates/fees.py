"""What a certificate order costs, from the city's fee table (a TOML file; see data/fees.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from server.certificates.documents import DOCUMENTS, DocumentKind

DEFAULT_TABLE = Path(__file__).parent / "data" / "fees.toml"


class Purpose(StrEnum):
    """What the citizen needs the certificate for (decides whether it is free)."""

    PERSONAL = "persoenlich"
    MARRIAGE = "eheschliessung"
    PASSPORT = "ausweis"
    ESTATE = "nachlass"
    PENSION = "rente"
    SOCIAL_INSURANCE = "sozialversicherung"
    SOCIAL_BENEFIT = "sozialleistung"
    GENEALOGY = "familienforschung"
    OTHER = "sonstiges"


PURPOSE_LABELS = {
    Purpose.PERSONAL: _l("Persönliche Unterlagen"),
    Purpose.MARRIAGE: _l("Eheschließung oder Lebenspartnerschaft"),
    Purpose.PASSPORT: _l("Pass oder Personalausweis"),
    Purpose.ESTATE: _l("Nachlass, Erbschein"),
    Purpose.PENSION: _l("Rentenangelegenheit"),
    Purpose.SOCIAL_INSURANCE: _l("Kranken-, Pflege- oder Unfallversicherung"),
    Purpose.SOCIAL_BENEFIT: _l("Sozialleistung (zum Beispiel Elterngeld, Bürgergeld)"),
    Purpose.GENEALOGY: _l("Familienforschung"),
    Purpose.OTHER: _l("Anderer Zweck"),
}


class FeeTableError(ValueError):
    """The fee table file is missing a value or has a wrong one."""


@dataclass(frozen=True)
class FeeTable:
    currency: str
    first_copy_cents: dict[DocumentKind, int]
    further_copy_percent: int
    search_fee_cents: int
    free_purposes: frozenset[Purpose]
    rejection_fee_cents: int
    keep_search_fee_on_rejection: bool

    @classmethod
    def from_toml(cls, text: str) -> FeeTable:
        try:
            data = tomllib.loads(text)
            rules = data["rules"]
            first = {
                DocumentKind(kind): int(cents) for kind, cents in data["first_copy_cents"].items()
            }
            table = cls(
                currency=str(data.get("currency", "EUR")),
                first_copy_cents=first,
                further_copy_percent=int(rules["further_copy_percent"]),
                search_fee_cents=int(rules["search_fee_cents"]),
                free_purposes=frozenset(Purpose(p) for p in rules.get("free_purposes", [])),
                rejection_fee_cents=int(rules.get("rejection_fee_cents", 0)),
                keep_search_fee_on_rejection=bool(rules.get("keep_search_fee_on_rejection", True)),
            )
        except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError) as error:
            raise FeeTableError(f"fee table: {error}") from error
        missing = set(DOCUMENTS) - set(first)
        if missing:
            raise FeeTableError(f"fee table: no first-copy fee for {sorted(missing)}")
        if any(cents < 0 for cents in first.values()) or not 0 <= table.further_copy_percent <= 100:
            raise FeeTableError("fee table: fees must not be negative, percentages 0-100")
        return table


@cache
def _load(path: str) -> FeeTable:
    return FeeTable.from_toml(Path(path).read_text(encoding="utf-8"))


def fee_table() -> FeeTable:
    return _load(current_app.config.get("CERTIFICATE_FEE_TABLE") or str(DEFAULT_TABLE))


@dataclass(frozen=True)
class FeeLine:
    label: str
    cents: int


@dataclass(frozen=True)
class Quote:
    lines: tuple[FeeLine, ...]
    search_fee_cents: int

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines)


def quote(
    document: DocumentKind,
    copies: int,
    purpose: Purpose,
    *,
    search_needed: bool,
    table: FeeTable | None = None,
) -> Quote:
    """The fee, line by line, as the citizen sees it before paying."""
    if copies < 1:
        raise ValueError("at least one copy")
    table = table or fee_table()
    if purpose in table.free_purposes:
        return Quote(
            (FeeLine(_("%(purpose)s: gebührenfrei", purpose=PURPOSE_LABELS[purpose]), 0),), 0
        )
    first = table.first_copy_cents[document]
    further = first * table.further_copy_percent // 100
    lines = [FeeLine(_("Erste Ausfertigung"), first)]
    if copies > 1:
        lines.append(
            FeeLine(
                ngettext(
                    "%(num)s weitere Ausfertigung, je %(percent)s %%",
                    "%(num)s weitere Ausfertigungen, je %(percent)s %%",
                    copies - 1,
                    percent=table.further_copy_percent,
                ),
                further * (copies - 1),
            )
        )
    search = table.search_fee_cents if search_needed else 0
    if search:
        lines.append(FeeLine(_("Suchgebühr (Angaben zum Eintrag unvollständig)"), search))
    return Quote(tuple(lines), search)


def refund_on_rejection(
    paid_cents: int, quote_: Quote, *, searched: bool, table: FeeTable | None = None
) -> int:
    """What goes back to the citizen when the registry office rejects the order."""
    table = table or fee_table()
    kept = table.rejection_fee_cents
    if searched and table.keep_search_fee_on_rejection:
        kept += quote_.search_fee_cents
    return max(0, paid_cents - kept)
