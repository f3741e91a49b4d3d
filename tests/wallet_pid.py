"""A PID issuer and a holder for the wallet verifier's tests, built of maintained libraries
(never of the verifier's own code): certificates with ``cryptography``, SD-JWT VCs with the
IETF reference implementation's issuer and holder (``sd-jwt``), mdocs with ``pymdoccbor``'s
issuer, the device signature and the encrypted answer with ``cbor2``, ``cryptography`` and
``jwcrypto``. Each can be told to do one thing wrong, for the verifier to refuse.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID
from jwcrypto import jwe, jwk
from pymdoccbor.mdoc.issuer import MdocCborIssuer
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

PID_DOCTYPE = "eu.europa.ec.eudi.pid.1"
ERIKA = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1964-08-12",
    "address": {
        "street_address": "Heidestraße 17",
        "postal_code": "51147",
        "locality": "Köln",
        "country": "DE",
    },
}
ERIKA_MDOC = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birth_date": "1964-08-12",
    "resident_street": "Heidestraße 17",
    "resident_postal_code": "51147",
    "resident_city": "Köln",
    "resident_country": "DE",
    "issuing_country": "DE",
    "issuing_authority": "DE",
}


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def certificate(
    subject_key: ec.EllipticCurvePrivateKey,
    subject: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    *,
    ca: bool,
    dns_names: tuple[str, ...] = (),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)


def key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def der(certificate_: x509.Certificate) -> bytes:
    return certificate_.public_bytes(serialization.Encoding.DER)


@dataclass
class Authority:
    """A root CA and one issuing certificate (document signer) below it."""

    name: str = "PID Test Root"
    organization: str = "Testbehörde"
    signer_not_after: datetime | None = None
    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    signer_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        root_name = _name(self.name, self.organization)
        self.root = certificate(self.root_key, root_name, self.root_key, root_name, ca=True)
        self.signer = certificate(
            self.signer_key,
            _name(f"{self.name} Signer", self.organization),
            self.root_key,
            root_name,
            ca=False,
            not_after=self.signer_not_after,
        )

    @property
    def signer_jwk(self) -> jwk.JWK:
        return jwk.JWK.from_pem(key_pem(self.signer_key).encode())


@dataclass
class VerifierPki:
    host: str = "localhost"
    organization: str = "Stadt Musterstadt"

    def __post_init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name("Verifier Test CA", self.organization)
        self.root = certificate(self.root_key, root_name, self.root_key, root_name, ca=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.leaf = certificate(
            self.key,
            _name(self.host, self.organization),
            self.root_key,
            root_name,
            ca=False,
            dns_names=(self.host,),
        )

    @property
    def chain_pem(self) -> str:
        return pem(self.leaf, self.root)

    @property
    def key_pem(self) -> str:
        return key_pem(self.key)


def _sd(value: Any) -> Any:
    """Every claim and every address member selectively disclosable, as PIDs are issued."""
    if isinstance(value, dict):
        return {SDObj(key): _sd(item) for key, item in value.items()}
    return value


def issue_sd_jwt(
    authority: Authority,
    holder_key: jwk.JWK | None,
    *,
    claims: dict[str, Any] | None = None,
    vct: str = "urn:eudi:pid:de:1",
    typ: str = "dc+sd-jwt",
    lifetime: timedelta = timedelta(days=30),
    x5c: list[x509.Certificate] | None = None,
) -> str:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": "https://pid-issuer.test",
        "vct": vct,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "issuing_country": "DE",
        "issuing_authority": "DE",
    }
    payload.update(_sd(claims if claims is not None else ERIKA))
    chain = x5c if x5c is not None else [authority.signer]
    issuer = SDJWTIssuer(
        payload,
        authority.signer_jwk,
        holder_key,
        sign_alg="ES256",
        extra_header_parameters={
            "typ": typ,
            "x5c": [base64.b64encode(der(c)).decode() for c in chain],
        },
    )
    return str(issuer.sd_jwt_issuance)


def present_sd_jwt(
    issuance: str,
    holder_key: jwk.JWK,
    *,
    nonce: str,
    aud: str,
    disclose: dict[str, Any] | None = None,
) -> str:
    holder = SDJWTHolder(issuance)
    holder.create_presentation(
        disclose
        if disclose is not None
        else {
            "given_name": True,
            "family_name": True,
            "birthdate": True,
            "address": {
                "street_address": True,
                "postal_code": True,
                "locality": True,
                "country": True,
            },
        },
        nonce=nonce,
        aud=aud,
        holder_key=holder_key,
        sign_alg="ES256",
    )
    return str(holder.sd_jwt_presentation)


def holder_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="EC", crv="P-256")


def _coordinates(key: ec.EllipticCurvePrivateKey) -> tuple[bytes, bytes]:
    numbers = key.public_key().public_numbers()
    return numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")


def issue_mdoc(
    authority: Authority,
    device_key: ec.EllipticCurvePrivateKey,
    *,
    elements: dict[str, Any] | None = None,
    doctype: str = PID_DOCTYPE,
    expiry: date | None = None,
) -> dict[str, Any]:
    """An mdoc PID as its issuer hands it out: ``{"version", "documents": [...]}``."""
    x, y = _coordinates(authority.signer_key)
    issuer = MdocCborIssuer(
        private_key={
            "KTY": "EC2",
            "CURVE": "P_256",
            "ALG": "ES256",
            "D": authority.signer_key.private_numbers().private_value.to_bytes(32, "big"),
            "X": x,
            "Y": y,
        },
        alg="ES256",
    )
    dx, dy = _coordinates(device_key)
    today = datetime.now(UTC).date()
    issuer.new(
        data={PID_DOCTYPE: dict(elements if elements is not None else ERIKA_MDOC)},
        doctype=doctype,
        validity={
            "issuance_date": today.isoformat(),
            "expiry_date": (expiry or today + timedelta(days=30)).isoformat(),
        },
        devicekeyinfo={"KTY": "EC2", "CURVE": "P_256", "X": dx, "Y": dy},
        x509_chain=[der(authority.signer)],
    )
    # Through CBOR and back, as a wallet stores it.
    return dict(cbor2.loads(issuer.dump()))


def openid4vp_session_transcript(
    client_id: str, nonce: str, thumbprint: bytes | None, response_uri: str
) -> list[Any]:
    """OpenID4VP 1.0 B.2.6.1, written here again from the spec for the holder's side."""
    info = cbor2.dumps([client_id, nonce, thumbprint, response_uri])
    return [None, None, ["OpenID4VPHandover", hashlib.sha256(info).digest()]]


def present_mdoc(
    issued: dict[str, Any],
    device_key: ec.EllipticCurvePrivateKey,
    transcript: list[Any],
    *,
    sign: bool = True,
) -> str:
    """A base64url DeviceResponse with the device's signature over the session transcript."""
    document = dict(issued["documents"][0])
    name_spaces = cbor2.CBORTag(24, cbor2.dumps({}))
    protected = cbor2.dumps({1: -7})
    authentication = cbor2.dumps(
        cbor2.CBORTag(
            24,
            cbor2.dumps(["DeviceAuthentication", transcript, document["docType"], name_spaces]),
        )
    )
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", authentication])
    r, s = utils.decode_dss_signature(device_key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    device_auth: dict[str, Any] = (
        {"deviceSignature": [protected, {}, None, signature]} if sign else {}
    )
    document["deviceSigned"] = {"nameSpaces": name_spaces, "deviceAuth": device_auth}
    response = {"version": "1.0", "documents": [document], "status": 0}
    return base64.urlsafe_b64encode(cbor2.dumps(response)).rstrip(b"=").decode()


def encrypt_answer(
    public_jwk: dict[str, Any], payload: dict[str, Any], enc: str = "A128GCM"
) -> str:
    """The wallet's direct_post.jwt answer: ECDH-ES to the verifier's key, with its kid."""
    key = jwk.JWK(**public_jwk)
    header = {"alg": "ECDH-ES", "enc": enc, "kid": public_jwk["kid"]}
    token = jwe.JWE(json.dumps(payload).encode(), protected=json.dumps(header))
    token.add_recipient(key)
    return str(token.serialize(compact=True))
