"""The test persons' PIDs as ISO mdoc (doctype ``eu.europa.ec.eudi.pid.1``): issued with
``pymdoccbor``'s issuer (mobile security object signed by the development issuer, its
certificate in ``x5chain``), presented as a DeviceResponse with only the elements asked for and
the device key's signature (``pycose``'s COSE_Sign1, payload detached) over the OpenID4VP
session transcript (OpenID4VP 1.0 B.2.6.1, ISO 18013-5 §9.1.3.6).

As with the SD-JWT VC, each presentation gets a PID issued afresh to a fresh device key.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk
from jwcrypto.common import base64url_decode
from pycose.algorithms import Es256
from pycose.headers import Algorithm
from pycose.keys.cosekey import CoseKey
from pycose.keys.ec2 import EC2Key
from pycose.messages.sign1message import Sign1Message
from pymdoccbor.mdoc.issuer import MdocCborIssuer

from server.auth.dev_idp.persons import TestPerson
from server.auth.dev_wallet.pid import VALIDITY
from server.auth.dev_wallet.pki import Issuer, key_pem
from server.auth.wallet.dcql import PID_DOCTYPE, PID_NAMESPACE
from server.auth.wallet.handover import session_transcript


def mdoc_elements(person: TestPerson) -> dict[str, Any]:
    """The person's PID data elements as the mdoc PID names them (``birth_date``,
    ``resident_*``)."""
    elements: dict[str, Any] = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birth_date": person.birthdate,
        "nationality": ["DE"],
        "issuing_country": "DE",
        "issuing_authority": "DE",
    }
    if person.address is not None:
        elements.update(
            {
                "resident_street": person.address["street_address"],
                "resident_postal_code": person.address["postal_code"],
                "resident_city": person.address["locality"],
                "resident_country": person.address["country"],
            }
        )
    return elements


def _cose_key(key: ec.EllipticCurvePrivateKey) -> EC2Key:
    found = CoseKey.from_pem_private_key(key_pem(key), optional_params={"ALG": "ES256"})
    assert isinstance(found, EC2Key)
    return found


def _coordinates(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {
        "KTY": "EC2",
        "CURVE": "P_256",
        "X": numbers.x.to_bytes(32, "big"),
        "Y": numbers.y.to_bytes(32, "big"),
    }


def issue_mdoc(
    person: TestPerson,
    issuer: Issuer,
    device_key: ec.EllipticCurvePrivateKey,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The mdoc as its issuer hands it out: ``{"version", "documents": [...], "status"}``."""
    today = (now or datetime.now(UTC)).date()
    mdoc = MdocCborIssuer(private_key=_cose_key(issuer.signer.key), alg="ES256")
    mdoc.new(
        data={PID_NAMESPACE: mdoc_elements(person)},
        doctype=PID_DOCTYPE,
        validity={
            "issuance_date": today.isoformat(),
            "expiry_date": (today + VALIDITY).isoformat(),
        },
        devicekeyinfo=_coordinates(device_key),
        x509_chain=[issuer.signer.certificate.public_bytes(serialization.Encoding.DER)],
    )
    issued: dict[str, Any] = cbor2.loads(mdoc.dump())
    return issued


def _element_identifier(item: Any) -> str | None:
    value = cbor2.loads(item.value) if isinstance(item, cbor2.CBORTag) else item
    found = value.get("elementIdentifier") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _selected(document: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    """The issuer-signed items asked for (``[namespace, element]`` paths), nothing else."""
    wanted: dict[str, set[str]] = {}
    for path in paths:
        if len(path) == 2:
            wanted.setdefault(path[0], set()).add(path[1])
    issuer_signed = dict(document["issuerSigned"])
    issuer_signed["nameSpaces"] = {
        namespace: [item for item in items if _element_identifier(item) in wanted[namespace]]
        for namespace, items in issuer_signed["nameSpaces"].items()
        if namespace in wanted
    }
    return issuer_signed


def thumbprint(public_jwk: dict[str, Any] | None) -> bytes | None:
    """The RFC 7638 SHA-256 thumbprint of the key the answer is encrypted to, as bytes."""
    if public_jwk is None:
        return None
    return bytes(base64url_decode(jwk.JWK(**public_jwk).thumbprint()))


def _device_signature(
    device_key: ec.EllipticCurvePrivateKey, transcript: list[Any], name_spaces: cbor2.CBORTag
) -> list[Any]:
    authentication = cbor2.dumps(
        cbor2.CBORTag(
            24,
            cbor2.dumps(["DeviceAuthentication", transcript, PID_DOCTYPE, name_spaces]),
        )
    )
    message = Sign1Message(phdr={Algorithm: Es256}, key=_cose_key(device_key))
    signed: list[Any] = cbor2.loads(message.encode(tag=False, detached_payload=authentication))
    return signed


def mdoc_presentation(
    person: TestPerson,
    issuer: Issuer,
    paths: tuple[tuple[str, ...], ...],
    *,
    client_id: str,
    nonce: str,
    response_uri: str,
    encryption_key: dict[str, Any] | None,
) -> str:
    """A base64url DeviceResponse with the elements at ``paths``, bound to this transaction."""
    device_key = ec.generate_private_key(ec.SECP256R1())
    issued = issue_mdoc(person, issuer, device_key)
    document = dict(issued["documents"][0])
    document["issuerSigned"] = _selected(document, paths)
    name_spaces = cbor2.CBORTag(24, cbor2.dumps({}))  # nothing device-signed of its own
    transcript = session_transcript(client_id, nonce, thumbprint(encryption_key), response_uri)
    document["deviceSigned"] = {
        "nameSpaces": name_spaces,
        "deviceAuth": {"deviceSignature": _device_signature(device_key, transcript, name_spaces)},
    }
    response = {"version": "1.0", "documents": [document], "status": 0}
    return base64.urlsafe_b64encode(cbor2.dumps(response)).rstrip(b"=").decode("ascii")
