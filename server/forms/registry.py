"""The services built on the form engine, by slug."""

from __future__ import annotations

from server.forms.definitions import belege, kita, kontakt, urkunden
from server.forms.engine import FormDefinition

DEFINITIONS: dict[str, FormDefinition] = {
    definition.slug: definition
    for definition in (
        kita.DEFINITION,
        kontakt.DEFINITION,
        belege.DEFINITION,
        urkunden.DEFINITION,
    )
}


def get_definition(slug: str) -> FormDefinition | None:
    return DEFINITIONS.get(slug)
