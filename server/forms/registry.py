"""The services built on the form engine, by slug.

An area publishes its service with ``register_definition`` from its ``init_<area>(app)``, the way
areas register settlement handlers with payments: the engine never imports a service. The
certificate order registers in ``server.certificates.init_certificates``; the services without
an area of their own (``definitions/``: kita, kontakt, belege) register in ``init_forms``.

Registering wires the service into the engine's neighbours once: its work queue in the back
office and, for a service with a fee, the settlement handler, the link back from the receipt and
the recipient of the proof of payment. The neighbours subscribe with ``on_register`` (in
``init_forms``), so the registry imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from server.forms.engine import FormDefinition

#: Filled only by ``register_definition``, at start; read by the engine's views and inboxes.
DEFINITIONS: dict[str, FormDefinition] = {}


class DuplicateDefinition(ValueError):
    """A second, different definition under a slug that is taken: a mistake found at start."""


def register_definition(definition: FormDefinition) -> None:
    """Publish ``definition`` on the engine under its slug. The same definition again changes
    nothing (every app built in one process runs the areas' ``init_<area>`` again); another
    definition under a slug that is taken raises ``DuplicateDefinition``."""
    known = DEFINITIONS.get(definition.slug)
    if known is definition:
        return
    if known is not None:
        raise DuplicateDefinition(
            f"form definition {definition.slug!r} is registered already, refusing a second one"
        )
    DEFINITIONS[definition.slug] = definition
    for wiring in _WIRINGS:
        wiring(definition)


Wiring = Callable[[FormDefinition], None]
_WIRINGS: list[Wiring] = []


def on_register(wiring: Wiring) -> None:
    """Call ``wiring`` for every definition, those registered already and those to come: how
    the engine's neighbours (payment step, proof recipient, work queue) hear of a service
    without the registry importing them."""
    if wiring in _WIRINGS:
        return
    _WIRINGS.append(wiring)
    for definition in list(DEFINITIONS.values()):
        wiring(definition)


def get_definition(slug: str) -> FormDefinition | None:
    return DEFINITIONS.get(slug)
