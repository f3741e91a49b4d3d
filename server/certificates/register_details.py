"""Which details of a register entry the office needs to find it without a search.

Without them the office must search the registers, which the fee table charges for. The register
number (Registernummer) alone is always enough.
"""

from __future__ import annotations

from server.certificates.documents import Register

#: Details without which the entry must be searched for, per register.
ESSENTIAL = {
    Register.BIRTH: frozenset({"name", "event_date", "parents"}),
    Register.MARRIAGE: frozenset({"name", "partner_name", "event_date"}),
    Register.PARTNERSHIP: frozenset({"name", "partner_name", "event_date"}),
    Register.DEATH: frozenset({"name", "event_date"}),
}


def search_needed(register: Register, known: set[str], register_number: str | None) -> bool:
    if register_number and register_number.strip():
        return False
    return not ESSENTIAL[register] <= known
