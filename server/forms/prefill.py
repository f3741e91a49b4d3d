"""What a logged-in citizen's account already says, for questions that ask for it."""

from __future__ import annotations

from server.auth.models import Citizen


def citizen_values(citizen: Citizen) -> dict[str, str]:
    postcode_city = " ".join(p for p in (citizen.postal_code, citizen.locality) if p)
    return {
        "given_name": citizen.given_name,
        "family_name": citizen.family_name,
        "full_name": f"{citizen.given_name} {citizen.family_name}".strip(),
        "street": citizen.street or "",
        "postcode_city": postcode_city,
        "address": "\n".join(p for p in (citizen.street, postcode_city) if p),
        "email": citizen.email or "",
        "birthdate": citizen.birthdate.isoformat() if citizen.birthdate else "",
    }
