"""Forms: the base form every area builds on, and the declarative form engine (``engine``,
``definitions/``, ``validation``, ``submissions``, ...) that online services are made of.

Only the base form is imported here, so that areas importing ``PortalForm`` do not pull in the
engine (and the engine's models) with it.
"""

from server.forms.base import PortalForm

__all__ = ["PortalForm"]
