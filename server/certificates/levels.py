"""Which login a certificate order needs: § 6 Abs. 3 PStV as data plus the city's exceptions.

§ 6 Abs. 3 Personenstandsverordnung (in force since 1 November 2022): electronic application
procedures to the registry office that the Personenstandsgesetz admits must meet the trust level
"high" of the eIDAS regulation (Art. 8 Abs. 2 lit. c eIDAS-VO). In the portal that is the eID
(Online-Ausweis) at level "high"; the EU digital identity wallet will be another way.

The city's legal office may decide that a document kind is ordered at a lower level
(``CERTIFICATE_LOWER_LEVEL_DOCUMENTS``, empty by default): for those kinds any logged-in citizen
orders, and who is not identified by the eID sends a copy of their ID
(``eligibility.needs_id_copy``). The decision and its responsibility are the city's; the default
follows the regulation.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.certificates.documents import DOCUMENTS, DocumentKind

#: § 6 Abs. 3 PStV: the trust level of an electronic application to the registry office.
REQUIRED_LEVEL = "high"
#: The level of a document kind the city lowered: any login (e-mail and password: "low").
LOWERED_LEVEL = "low"
#: The legal basis, as pages and the printed application cite it.
LEGAL_BASIS = "§ 6 Abs. 3 PStV"
#: The setting naming the document kinds the city lowered.
SETTING = "CERTIFICATE_LOWER_LEVEL_DOCUMENTS"

# The trust levels of eIDAS in their order (as ``server.auth.session.TRUST_ORDER``).
_RANK = {"low": 0, "substantial": 1, "high": 2}


def parse_lowered(value: str | Iterable[str]) -> frozenset[DocumentKind]:
    """The document kinds of the setting (comma-separated, or already a list); an unknown kind
    is a ``ValueError`` naming it and the kinds there are, so that a typo refuses the start
    instead of silently keeping the level high (or lowering another document)."""
    words = value.split(",") if isinstance(value, str) else list(value)
    kinds: set[DocumentKind] = set()
    unknown: list[str] = []
    for word in (str(w).strip() for w in words):
        if not word:
            continue
        try:
            kinds.add(DocumentKind(word))
        except ValueError:
            unknown.append(word)
    if unknown:
        known = ", ".join(kind.value for kind in DOCUMENTS)
        raise ValueError(f"unknown document kinds {', '.join(unknown)} (known: {known})")
    return frozenset(kinds)


def level_for(document: DocumentKind, lowered: frozenset[DocumentKind]) -> str:
    """The trust level an order of ``document`` needs."""
    return LOWERED_LEVEL if document in lowered else REQUIRED_LEVEL


def entry_level(lowered: frozenset[DocumentKind]) -> str:
    """The level to begin an order at all: the lowest any document needs. Below it nothing can
    be ordered online, so the citizen learns so before the first question."""
    return min((level_for(kind, lowered) for kind in DOCUMENTS), key=_RANK.__getitem__)


def reaches(session_level: str | None, needed: str) -> bool:
    """A login at ``session_level`` (None: nobody logged in) is enough for ``needed``."""
    if session_level is None:
        return False
    return _RANK.get(session_level, -1) >= _RANK[needed]


def may_order(
    document: DocumentKind, lowered: frozenset[DocumentKind], session_level: str | None
) -> bool:
    """A citizen logged in at ``session_level`` may order ``document`` online."""
    return reaches(session_level, level_for(document, lowered))


def orderable(
    lowered: frozenset[DocumentKind], session_level: str | None
) -> tuple[DocumentKind, ...]:
    """The document kinds a citizen at ``session_level`` may order online, in the catalogue's
    order."""
    return tuple(kind for kind in DOCUMENTS if may_order(kind, lowered, session_level))
