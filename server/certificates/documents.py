"""The documents a citizen can order, and the register each comes from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Register(StrEnum):
    BIRTH = "geburt"  # Geburtenregister
    MARRIAGE = "ehe"  # Eheregister
    PARTNERSHIP = "lebenspartnerschaft"  # Lebenspartnerschaftsregister
    DEATH = "sterbefall"  # Sterberegister


class DocumentKind(StrEnum):
    BIRTH_CERTIFICATE = "geburtsurkunde"
    BIRTH_EXTRACT = "registerausdruck-geburt"  # beglaubigter Registerausdruck
    MARRIAGE_CERTIFICATE = "eheurkunde"
    PARTNERSHIP_CERTIFICATE = "lebenspartnerschaftsurkunde"
    DEATH_CERTIFICATE = "sterbeurkunde"


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    register: Register
    label: LazyString
    # Internationale (mehrsprachige) Urkunden exist for births, marriages and deaths (CIEC
    # conventions of 1976 and 2014); a register extract is always German.
    multilingual: bool
    #: A certified register extract shows the whole entry including later notes (e.g. an
    #: adoption): § 63 PStG restricts it.
    is_extract: bool = False


DOCUMENTS: dict[DocumentKind, Document] = {
    document.kind: document
    for document in (
        Document(DocumentKind.BIRTH_CERTIFICATE, Register.BIRTH, _l("Geburtsurkunde"), True),
        Document(
            DocumentKind.BIRTH_EXTRACT,
            Register.BIRTH,
            _l("Beglaubigter Registerausdruck aus dem Geburtenregister"),
            False,
            is_extract=True,
        ),
        Document(DocumentKind.MARRIAGE_CERTIFICATE, Register.MARRIAGE, _l("Eheurkunde"), True),
        Document(
            DocumentKind.PARTNERSHIP_CERTIFICATE,
            Register.PARTNERSHIP,
            _l("Lebenspartnerschaftsurkunde"),
            True,
        ),
        Document(DocumentKind.DEATH_CERTIFICATE, Register.DEATH, _l("Sterbeurkunde"), True),
    )
}
