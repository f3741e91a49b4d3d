"""Is a credential's issuer certificate trusted? Its chain (``x5c`` of an SD-JWT, ``x5chain``
of an mdoc's issuer signature) must lead to one of the configured PID issuer trust anchors.

The path is built and checked by ``cryptography``'s X.509 verification (RFC 5280 path
validation: signatures, validity at the given time, CA flags, path length). Its Web PKI defaults
do not fit here: PID issuer certificates carry no TLS usages and no subject alternative names,
and an mdoc's document signer has the ISO 18013-5 extended key usage. So the policies are
relaxed to what matters: every certificate above the leaf is a CA (basic constraints) allowed to
sign certificates (key usage, when present), and the leaf may sign (key usage, when present).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from server.auth.wallet.errors import Reason, VerificationFailed


@dataclass(frozen=True)
class TrustedIssuer:
    """The leaf certificate of a verified chain, whose key signed the credential."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # leaf first, trust anchor last

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise VerificationFailed(Reason.SIGNATURE, "the issuer key is not an EC key")
        return key

    @property
    def issuer_of_leaf(self) -> x509.Certificate:
        """The certificate that signed the leaf (the leaf itself when it is the anchor)."""
        return self.chain[1] if len(self.chain) > 1 else self.chain[0]

    def subject_attribute(self, oid: x509.ObjectIdentifier) -> str | None:
        values = self.certificate.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    @property
    def country(self) -> str | None:
        return self.subject_attribute(NameOID.COUNTRY_NAME)

    @property
    def organization(self) -> str | None:
        return self.subject_attribute(NameOID.ORGANIZATION_NAME)


def _is_ca(
    _policy: verification.Policy, _certificate: x509.Certificate, value: x509.BasicConstraints
) -> None:
    if not value.ca:
        raise ValueError("not a CA")


def _may_sign_certificates(
    _policy: verification.Policy, _certificate: x509.Certificate, value: x509.KeyUsage | None
) -> None:
    if value is not None and not value.key_cert_sign:
        raise ValueError("key usage does not allow signing certificates")


def _may_sign(
    _policy: verification.Policy, _certificate: x509.Certificate, value: x509.KeyUsage | None
) -> None:
    if value is not None and not value.digital_signature:
        raise ValueError("key usage does not allow digital signatures")


def _policies() -> tuple[verification.ExtensionPolicy, verification.ExtensionPolicy]:
    ca = (
        verification.ExtensionPolicy.permit_all()
        .require_present(x509.BasicConstraints, verification.Criticality.AGNOSTIC, _is_ca)
        .may_be_present(x509.KeyUsage, verification.Criticality.AGNOSTIC, _may_sign_certificates)
    )
    leaf = verification.ExtensionPolicy.permit_all().may_be_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, _may_sign
    )
    return ca, leaf


def verify_chain(
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    moment: datetime,
) -> TrustedIssuer:
    """The chain's leaf (first) as a ``TrustedIssuer`` if a path leads from it over the other
    certificates to an anchor, valid at ``moment``; else ``VerificationFailed``."""
    if not chain:
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "no certificate chain")
    if not anchors:
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "no trust anchors configured")
    ca_policy, leaf_policy = _policies()
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(list(anchors)))
        .time(moment)
        .max_chain_depth(4)
        .extension_policies(ca_policy=ca_policy, ee_policy=leaf_policy)
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(chain[0], list(chain[1:]))
    except (verification.VerificationError, ValueError) as error:
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, str(error)) from error
    return TrustedIssuer(certificate=chain[0], chain=tuple(verified.chain))


def certificates_from_der(items: Sequence[bytes]) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(item) for item in items]
    except ValueError as error:
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "unreadable certificate") from error
