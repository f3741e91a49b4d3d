"""The services built on the form engine, by slug.

An area publishes its service with ``register_definition`` from its ``init_<area>(app)``, the way
areas register settlement handlers with payments: the engine never imports a service. The
certificate order registers in ``server.certificates.init_certificates``; the services without
an area of their own (``definitions/``: kita, kontakt, belege) register in ``init_forms``.

Registering wires the service into the engine's neighbours once: its work queue in the back
office and, for a service with a fee, the settlement handler, the link back from the receipt and
the recipient of the proof of payment.
"""

from __future__ import annotations

from functools import partial

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
    _wire(definition)


def _wire(definition: FormDefinition) -> None:
    # Imported here: these modules read the registry themselves.
    from server.backoffice.queues import Queue, register_queue
    from server.forms.payment import register_payment_step
    from server.forms.payment_proof import register_proof_recipient_of
    from server.forms.submissions import count_open

    register_payment_step(definition)
    register_proof_recipient_of(definition)
    register_queue(
        Queue(
            definition.queue_key or definition.slug,
            definition.queue_title or definition.title,
            definition.role,
            partial(count_open, (definition.slug,)),
            "forms_office.inbox",
            (("service", definition.slug),),
        )
    )


def get_definition(slug: str) -> FormDefinition | None:
    return DEFINITIONS.get(slug)
