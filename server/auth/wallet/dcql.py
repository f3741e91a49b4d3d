"""What the portal asks the wallet for: the PID (person identification data) with only the
claims a login needs, as a DCQL query (OpenID4VP 1.0 §6), in either format the wallet holds.

The two PID formats name the same facts differently (PID rulebook of the ARF): the SD-JWT VC
has ``birthdate`` and an ``address`` object, the mdoc ``birth_date`` and ``resident_*``
elements. ``CLAIMS`` maps each logical claim the ``WALLET_CLAIMS`` setting may name to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SD_JWT_VC = "dc+sd-jwt"
MDOC = "mso_mdoc"
FORMATS = (SD_JWT_VC, MDOC)
PID_DOCTYPE = "eu.europa.ec.eudi.pid.1"
PID_NAMESPACE = "eu.europa.ec.eudi.pid.1"
# Credential query ids: the keys of the wallet's ``vp_token`` object.
QUERY_IDS = {SD_JWT_VC: "pid_sd_jwt", MDOC: "pid_mdoc"}


@dataclass(frozen=True)
class Claim:
    sd_jwt_paths: tuple[tuple[str, ...], ...]
    mdoc_elements: tuple[str, ...]


CLAIMS: dict[str, Claim] = {
    "given_name": Claim((("given_name",),), ("given_name",)),
    "family_name": Claim((("family_name",),), ("family_name",)),
    "birthdate": Claim((("birthdate",),), ("birth_date",)),
    "address": Claim(
        (
            ("address", "street_address"),
            ("address", "postal_code"),
            ("address", "locality"),
            ("address", "country"),
        ),
        ("resident_street", "resident_postal_code", "resident_city", "resident_country"),
    ),
}
# A login identifies a person by these: the setting may leave out the address, not these.
REQUIRED_CLAIMS = ("given_name", "family_name", "birthdate")


def _sd_jwt_query(claims: tuple[str, ...], vct_values: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": QUERY_IDS[SD_JWT_VC],
        "format": SD_JWT_VC,
        "meta": {"vct_values": list(vct_values)},
        "claims": [{"path": list(path)} for name in claims for path in CLAIMS[name].sd_jwt_paths],
    }


def _mdoc_query(claims: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": QUERY_IDS[MDOC],
        "format": MDOC,
        "meta": {"doctype_value": PID_DOCTYPE},
        # The portal keeps name, birth date and address in the citizen's record: say so.
        "claims": [
            {"path": [PID_NAMESPACE, element], "intent_to_retain": True}
            for name in claims
            for element in CLAIMS[name].mdoc_elements
        ],
    }


def pid_query(
    claims: tuple[str, ...], formats: tuple[str, ...], vct_values: tuple[str, ...]
) -> dict[str, Any]:
    """The DCQL query: one credential query per offered format; with both, a credential set
    whose options let the wallet answer with either (the first it can, in the given order)."""
    credentials = [
        _sd_jwt_query(claims, vct_values) if format_ == SD_JWT_VC else _mdoc_query(claims)
        for format_ in formats
    ]
    query: dict[str, Any] = {"credentials": credentials}
    if len(credentials) > 1:
        query["credential_sets"] = [{"options": [[c["id"]] for c in credentials]}]
    return query


def client_metadata_formats(formats: tuple[str, ...]) -> dict[str, Any]:
    """``vp_formats_supported`` (OpenID4VP 1.0 B.2.2, B.3.3): what the verifier checks."""
    supported: dict[str, Any] = {}
    if SD_JWT_VC in formats:
        supported[SD_JWT_VC] = {
            "sd-jwt_alg_values": ["ES256", "ES384", "ES512"],
            "kb-jwt_alg_values": ["ES256"],
        }
    if MDOC in formats:
        supported[MDOC] = {"issuerauth_alg_values": [-7, -35, -36], "deviceauth_alg_values": [-7]}
    return supported
