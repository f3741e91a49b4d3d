"""§ 6 Abs. 3 PStV: the trust level of a certificate order, per document kind × the city's
setting × the login's level, written out as a table."""

from __future__ import annotations

import pytest

from server.certificates.documents import DocumentKind
from server.certificates.levels import (
    entry_level,
    level_for,
    may_order,
    orderable,
    parse_lowered,
)

BIRTH, EXTRACT, MARRIAGE, PARTNERSHIP, DEATH = (
    DocumentKind.BIRTH_CERTIFICATE,
    DocumentKind.BIRTH_EXTRACT,
    DocumentKind.MARRIAGE_CERTIFICATE,
    DocumentKind.PARTNERSHIP_CERTIFICATE,
    DocumentKind.DEATH_CERTIFICATE,
)
NONE: frozenset[DocumentKind] = frozenset()
SOME = frozenset({BIRTH, DEATH})
ALL = frozenset(DocumentKind)
SESSIONS = (None, "low", "substantial", "high")

# document, setting → may a login at None / low / substantial / high order it online?
Y, N = True, False
TABLE = [
    (BIRTH, NONE, (N, N, N, Y)),
    (EXTRACT, NONE, (N, N, N, Y)),
    (MARRIAGE, NONE, (N, N, N, Y)),
    (PARTNERSHIP, NONE, (N, N, N, Y)),
    (DEATH, NONE, (N, N, N, Y)),
    (BIRTH, SOME, (N, Y, Y, Y)),
    (EXTRACT, SOME, (N, N, N, Y)),
    (MARRIAGE, SOME, (N, N, N, Y)),
    (PARTNERSHIP, SOME, (N, N, N, Y)),
    (DEATH, SOME, (N, Y, Y, Y)),
    (BIRTH, ALL, (N, Y, Y, Y)),
    (EXTRACT, ALL, (N, Y, Y, Y)),
    (MARRIAGE, ALL, (N, Y, Y, Y)),
    (PARTNERSHIP, ALL, (N, Y, Y, Y)),
    (DEATH, ALL, (N, Y, Y, Y)),
]


@pytest.mark.parametrize(("document", "lowered", "allowed"), TABLE)
def test_the_level_per_document_setting_and_login(
    document: DocumentKind, lowered: frozenset[DocumentKind], allowed: tuple[bool, ...]
) -> None:
    assert tuple(may_order(document, lowered, level) for level in SESSIONS) == allowed
    assert level_for(document, lowered) == ("low" if allowed[1] else "high")


def test_the_table_covers_every_document_for_each_setting() -> None:
    for setting in (NONE, SOME, ALL):
        assert {row[0] for row in TABLE if row[1] == setting} == set(DocumentKind)


@pytest.mark.parametrize(
    ("lowered", "level"), [(NONE, "high"), (frozenset({DEATH}), "low"), (ALL, "low")]
)
def test_an_order_begins_at_the_lowest_level_any_document_needs(
    lowered: frozenset[DocumentKind], level: str
) -> None:
    assert entry_level(lowered) == level


def test_what_a_login_may_order_in_the_catalogues_order() -> None:
    assert orderable(NONE, "low") == ()
    assert orderable(SOME, "low") == (BIRTH, DEATH)
    assert orderable(SOME, "high") == (BIRTH, EXTRACT, MARRIAGE, PARTNERSHIP, DEATH)
    assert orderable(SOME, None) == ()
    # A level the portal does not know reaches nothing.
    assert orderable(ALL, "elevated") == ()


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("", NONE),
        (" , ", NONE),
        ("geburtsurkunde", frozenset({BIRTH})),
        (" sterbeurkunde , geburtsurkunde,", SOME),
        (("sterbeurkunde", "geburtsurkunde"), SOME),
        (",".join(kind.value for kind in DocumentKind), ALL),
    ],
)
def test_the_setting_is_read(value: str | tuple[str, ...], kinds: frozenset[DocumentKind]) -> None:
    assert parse_lowered(value) == kinds


@pytest.mark.parametrize("value", ["Geburtsurkunde", "geburtsurkunde,heiratsurkunde", "alle"])
def test_an_unknown_document_kind_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="unknown document kinds") as refused:
        parse_lowered(value)
    assert "known: geburtsurkunde, registerausdruck-geburt" in str(refused.value)
