"""What the audit log's page shows instead of its codes: who (``clerk:kasse``, ``citizen:12``),
what (``fines.case.view``), which record (``fine_case``) and codes in the detail
(``security_key``). The log stores the codes; readers get words in their language.

The log knows no area: each area names its own actions and record types when the app is
created (``register_labels`` in its ``init_<area>``). A code nobody named is shown as it is, so
nothing is hidden; the clerk-pages test finds such gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_babel import LazyString
from flask_babel import gettext as _

Label = LazyString | str
#: Turns an action's stored detail into what a reader understands (codes named).
DetailFormatter = Callable[[str], str]

_ACTIONS: dict[str, Label] = {}
_RECORDS: dict[str, Label] = {}
_DETAILS: dict[str, DetailFormatter] = {}


def register_labels(
    *,
    actions: Mapping[str, Label] | None = None,
    records: Mapping[str, Label] | None = None,
    details: Mapping[str, DetailFormatter] | None = None,
) -> None:
    """Name an area's actions, record types and, per action, how to read its detail. Naming
    the same code again (another app in the same process) replaces the name."""
    _ACTIONS.update(actions or {})
    _RECORDS.update(records or {})
    _DETAILS.update(details or {})


def action_label(action: str) -> str:
    return str(_ACTIONS.get(action, action))


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """The filter's choices: (code, label), by label."""
    return sorted(((action, action_label(action)) for action in actions), key=lambda c: c[1])


def record_label(record_type: str, record_id: str) -> str:
    name = _RECORDS.get(record_type)
    if name is None:
        return f"{record_type} {record_id}"
    return f"{name} {record_id}"


def detail_text(action: str, detail: str) -> str:
    formatter = _DETAILS.get(action)
    return formatter(detail) if formatter is not None and detail else detail


def actor_label(actor: str) -> str:
    """``clerk:kasse`` is the clerk's username; citizens by their account number; the portal's
    own steps and unknown visitors by name."""
    kind, _sep, ident = actor.partition(":")
    if kind == "clerk" and ident:
        return ident
    if kind == "citizen" and ident:
        return _("Bürger/in (Konto %(id)s)", id=ident)
    return {
        "citizen": _("Bürger/in"),
        "anonymous": _("nicht angemeldet"),
        "system": _("Portal (automatisch)"),
        "payments": _("Zahlungsverkehr (automatisch)"),
    }.get(actor, actor)
