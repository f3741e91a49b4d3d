"""Checks of a PID presented as ISO mdoc (``mso_mdoc``, doctype ``eu.europa.ec.eudi.pid.1``):
a base64url ``DeviceResponse`` (ISO/IEC 18013-5 §8.3.2.1.2.2) with one document.

``pymdoccbor`` verifies the issuer's COSE signature over the mobile security object (MSO) and
the value digests of the disclosed elements. It leaves to us, and this module does: the chain of
the document signer's certificate to a configured trust anchor (its own check knows one level
and no CA flags), the digest algorithm (it always hashes with SHA-256), that every disclosed
namespace is covered by the MSO (it skips unknown ones), the MSO's doctype and validity, and the
device signature over the OpenID4VP session transcript (``handover.py``), which binds the mdoc
to this verifier, this transaction's nonce, the encryption key and the response URI: without it
a copied mdoc could be replayed.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from pymdoccbor.mdoc.verifier import MobileDocument

from server.auth.wallet import trust
from server.auth.wallet.context import CLOCK_SKEW, PresentationContext
from server.auth.wallet.dcql import MDOC, PID_DOCTYPE, PID_NAMESPACE
from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.handover import session_transcript
from server.auth.wallet.person import VerifiedPerson, birth_date, required_text, street, text

# COSE algorithms of the device signature: ECDSA with the hash of its curve.
DEVICE_ALGORITHMS: dict[int, tuple[hashes.HashAlgorithm, int]] = {
    -7: (hashes.SHA256(), 32),
    -35: (hashes.SHA384(), 48),
    -36: (hashes.SHA512(), 66),
}
COSE_CURVES: dict[int, ec.EllipticCurve] = {1: ec.SECP256R1(), 2: ec.SECP384R1(), 3: ec.SECP521R1()}


def _decode(presentation: Any) -> dict[str, Any]:
    if not isinstance(presentation, str):
        raise VerificationFailed(Reason.MALFORMED, "an mdoc presentation is a string")
    try:
        raw = base64.urlsafe_b64decode(presentation + "=" * (-len(presentation) % 4))
        response = cbor2.loads(raw)
    except (ValueError, cbor2.CBORDecodeError) as error:
        raise VerificationFailed(Reason.MALFORMED, "not a base64url CBOR DeviceResponse") from error
    if not isinstance(response, dict):
        raise VerificationFailed(Reason.MALFORMED, "the DeviceResponse is not a map")
    return response


def _document(response: dict[str, Any]) -> dict[str, Any]:
    if response.get("status", 0) != 0:
        raise VerificationFailed(Reason.MALFORMED, f"DeviceResponse status {response['status']}")
    documents = response.get("documents")
    if not isinstance(documents, (list, tuple)) or len(documents) != 1:
        raise VerificationFailed(Reason.MALFORMED, "not exactly one document")
    document = documents[0]
    if not isinstance(document, dict) or document.get("docType") != PID_DOCTYPE:
        raise VerificationFailed(Reason.CREDENTIAL_TYPE, "not a PID document")
    for part in ("issuerSigned", "deviceSigned"):
        if not isinstance(document.get(part), dict):
            raise VerificationFailed(Reason.MALFORMED, f"no {part}")
    return document


def _tag24(value: Any, what: str) -> Any:
    if not (
        isinstance(value, cbor2.CBORTag) and value.tag == 24 and isinstance(value.value, bytes)
    ):
        raise VerificationFailed(Reason.MALFORMED, f"{what} is not embedded CBOR")
    return cbor2.loads(value.value)


def _moment(value: Any) -> datetime:
    if isinstance(value, cbor2.CBORTag) and value.tag == 0:
        value = value.value
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise VerificationFailed(Reason.MALFORMED, "validity is not a date-time")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _check_issuer(
    document: dict[str, Any], context: PresentationContext
) -> tuple[dict[str, Any], trust.TrustedIssuer]:
    """The verified MSO and the trusted document signer."""
    issuer_signed = document["issuerSigned"]
    try:
        mobile_document = MobileDocument(
            docType=document["docType"],
            issuerSigned=issuer_signed,
            deviceSigned=document["deviceSigned"],
        )
        chain = mobile_document.issuersigned.issuer_auth.raw_public_keys
    except Exception as error:  # the library's many kinds of "cannot parse this"
        raise VerificationFailed(Reason.MALFORMED, type(error).__name__) from error
    if not all(isinstance(item, bytes) for item in chain):
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "x5chain is not DER")
    issuer = trust.verify_chain(
        trust.certificates_from_der(chain), context.trust_anchors, context.now
    )
    try:
        valid = mobile_document.verify(trusted_root_certs=[issuer.issuer_of_leaf])
        mso = mobile_document.issuersigned.issuer_auth.payload_as_dict
    except Exception as error:
        raise VerificationFailed(Reason.SIGNATURE, type(error).__name__) from error
    if not valid:
        reason = (
            Reason.SIGNATURE if mobile_document.hash_verification is None else Reason.DISCLOSURE
        )
        raise VerificationFailed(reason, "issuer signature or value digests")
    _check_mso(mso, issuer_signed, mobile_document.hash_verification, context)
    return mso, issuer


def _check_mso(
    mso: Any, issuer_signed: dict[str, Any], hashes_checked: Any, context: PresentationContext
) -> None:
    if not isinstance(mso, dict) or mso.get("docType") != PID_DOCTYPE:
        raise VerificationFailed(Reason.CREDENTIAL_TYPE, "the MSO is not for a PID")
    if mso.get("digestAlgorithm") != "SHA-256":
        raise VerificationFailed(Reason.DISCLOSURE, "digest algorithm is not SHA-256")
    digests = mso.get("valueDigests")
    namespaces = issuer_signed.get("nameSpaces")
    if not isinstance(digests, dict) or not isinstance(namespaces, dict):
        raise VerificationFailed(Reason.MALFORMED, "no value digests or namespaces")
    items = sum(len(values) for values in namespaces.values())
    if any(namespace not in digests for namespace in namespaces) or not (
        isinstance(hashes_checked, dict) and hashes_checked.get("verified") == items
    ):
        raise VerificationFailed(Reason.DISCLOSURE, "an element the MSO does not cover")
    validity = mso.get("validityInfo")
    if not isinstance(validity, dict):
        raise VerificationFailed(Reason.MALFORMED, "no validityInfo")
    if _moment(validity.get("validFrom")) > context.now + CLOCK_SKEW:
        raise VerificationFailed(Reason.EXPIRED, "not valid yet")
    if _moment(validity.get("validUntil")) <= context.now - CLOCK_SKEW:
        raise VerificationFailed(Reason.EXPIRED, "validUntil has passed")


def _device_key(mso: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    info = mso.get("deviceKeyInfo")
    key = info.get("deviceKey") if isinstance(info, dict) else None
    if not isinstance(key, dict) or key.get(1) != 2 or key.get(-1) not in COSE_CURVES:
        raise VerificationFailed(Reason.KEY_BINDING, "no EC2 device key")
    x, y = key.get(-2), key.get(-3)
    if not isinstance(x, bytes) or not isinstance(y, bytes):
        raise VerificationFailed(Reason.KEY_BINDING, "device key without coordinates")
    try:
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), COSE_CURVES[key[-1]]
        ).public_key()
    except ValueError as error:
        raise VerificationFailed(Reason.KEY_BINDING, "device key not on its curve") from error


def _check_device_signature(
    document: dict[str, Any], mso: dict[str, Any], context: PresentationContext
) -> None:
    """ISO 18013-5 §9.1.3.6: the device key's COSE_Sign1 over DeviceAuthenticationBytes, its
    payload detached."""
    device_signed = document["deviceSigned"]
    name_spaces_bytes = device_signed.get("nameSpaces")
    _tag24(name_spaces_bytes, "deviceSigned.nameSpaces")
    auth = device_signed.get("deviceAuth")
    signature = auth.get("deviceSignature") if isinstance(auth, dict) else None
    if not isinstance(signature, (list, tuple)) or len(signature) != 4:
        raise VerificationFailed(Reason.KEY_BINDING, "no device signature (a MAC is not taken)")
    protected, _unprotected, payload, raw_signature = signature
    if (
        payload is not None
        or not isinstance(protected, bytes)
        or not isinstance(raw_signature, bytes)
    ):
        raise VerificationFailed(Reason.KEY_BINDING, "malformed device signature")
    header = cbor2.loads(protected) if protected else {}
    alg = header.get(1) if isinstance(header, dict) else None
    algorithm = DEVICE_ALGORITHMS.get(alg) if isinstance(alg, int) else None
    if algorithm is None:
        raise VerificationFailed(Reason.KEY_BINDING, "device signature algorithm")
    digest, size = algorithm
    transcript = session_transcript(
        context.client_id, context.nonce, context.jwk_thumbprint, context.response_uri
    )
    authentication = cbor2.dumps(
        cbor2.CBORTag(
            24,
            cbor2.dumps(["DeviceAuthentication", transcript, PID_DOCTYPE, name_spaces_bytes]),
        )
    )
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", authentication])
    if len(raw_signature) != 2 * size:
        raise VerificationFailed(Reason.KEY_BINDING, "device signature length")
    der = utils.encode_dss_signature(
        int.from_bytes(raw_signature[:size], "big"), int.from_bytes(raw_signature[size:], "big")
    )
    try:
        _device_key(mso).verify(der, to_be_signed, ec.ECDSA(digest))
    except InvalidSignature as error:
        raise VerificationFailed(
            Reason.KEY_BINDING, "the device signature is not over this transaction"
        ) from error


def _elements(document: dict[str, Any]) -> dict[str, Any]:
    items = document["issuerSigned"]["nameSpaces"].get(PID_NAMESPACE)
    if not isinstance(items, (list, tuple)):
        raise VerificationFailed(Reason.MISSING_CLAIM, PID_NAMESPACE)
    elements: dict[str, Any] = {}
    for item in items:
        decoded = _tag24(item, "an IssuerSignedItem")
        name = decoded.get("elementIdentifier") if isinstance(decoded, dict) else None
        if not isinstance(name, str) or name in elements:
            raise VerificationFailed(Reason.DISCLOSURE, "element without or with a repeated name")
        value = decoded.get("elementValue")
        # full-date (1004) and tdate (0) arrive tagged unless cbor2 knew the tag
        elements[name] = value.value if isinstance(value, cbor2.CBORTag) else value
    return elements


def _person(
    elements: dict[str, Any], issuer: trust.TrustedIssuer, context: PresentationContext
) -> VerifiedPerson:
    address = elements if "address" in context.claims else {}
    born = elements.get("birth_date")
    return VerifiedPerson(
        given_name=required_text(elements, "given_name"),
        family_name=required_text(elements, "family_name"),
        birthdate=birth_date(born if isinstance(born, (str, date)) else None, "birth_date"),
        street=street(address.get("resident_street"), address.get("resident_house_number")),
        postal_code=text(address.get("resident_postal_code")),
        locality=text(address.get("resident_city")),
        country=text(address.get("resident_country")),
        issuing_country=text(elements.get("issuing_country")) or issuer.country,
        issuing_authority=text(elements.get("issuing_authority")) or issuer.organization,
        credential_format=MDOC,
        credential_type=PID_DOCTYPE,
        issuer=issuer.certificate.subject.rfc4514_string(),
    )


def verify_presentation(presentation: Any, context: PresentationContext) -> VerifiedPerson:
    """The person an mdoc PID presentation names, if it passes every check;
    ``VerificationFailed`` naming the first that fails otherwise."""
    document = _document(_decode(presentation))
    mso, issuer = _check_issuer(document, context)
    _check_device_signature(document, mso, context)
    return _person(_elements(document), issuer, context)
