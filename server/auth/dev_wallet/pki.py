"""The development wallet's certificates: a development PID issuer (root CA and the issuing
certificate whose key signs the PIDs) and a development verifier CA whose certificate for this
portal's host signs the wallet login's request objects.

Created once per folder (``DEV_WALLET_DIR``, under the instance folder, never in the source
tree) and kept, so that every worker process of one installation and every restart signs and
trusts the same keys. Every certificate names ``DEVELOPMENT_ORGANIZATION`` as its organisation:
the verifier's settings refuse them in production wherever they are configured.

Creating is race-free between processes: the CAs are written into a temporary folder that is
renamed into place (only one rename can win; the others throw theirs away and read the
winner's), and a host's verifier certificate is a single file published with a hard link,
which fails for everyone but the first.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.auth.wallet.settings import DEVELOPMENT_ORGANIZATION

CA_FOLDER = "pki"
VERIFIER_FOLDER = "verifier"
ISSUER_ROOT = "issuer-root.pem"
ISSUER = "issuer.pem"  # the PID issuer's certificate and key
VERIFIER_ROOT = "verifier-root.pem"  # the verifier CA's certificate and key
# Long enough for a development machine; delete the folder to start over.
LIFETIME = timedelta(days=10 * 365)
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


@dataclass(frozen=True)
class KeyPair:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issuer:
    """The development PID issuer: its root CA (the verifier's trust anchor) and the issuing
    certificate with its key (signs the PIDs, named in their ``x5c``)."""

    root: x509.Certificate
    signer: KeyPair


@dataclass(frozen=True)
class Verifier:
    """The portal's development verifier certificate for one host, with its CA."""

    root: x509.Certificate
    leaf: KeyPair

    @property
    def chain_pem(self) -> str:
        """Leaf first, as ``WALLET_VERIFIER_CERTIFICATES`` wants it."""
        return pem(self.leaf.certificate, self.root)

    @property
    def key_pem(self) -> str:
        return key_pem(self.leaf.key)


def pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEVELOPMENT_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: KeyPair | None,
    *,
    ca: bool,
    alternative_names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """A certificate for ``key``, signed by ``issuer`` (itself when None: a root)."""
    now = datetime.now(UTC)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    if alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(alternative_names), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def _new_pair(common_name: str, issuer: KeyPair | None, *, ca: bool) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    return KeyPair(_certificate(_name(common_name), key, issuer, ca=ca), key)


def _pair_pem(pair: KeyPair) -> str:
    return key_pem(pair.key) + pem(pair.certificate)


def _read_pair(path: Path) -> KeyPair:
    data = path.read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return KeyPair(x509.load_pem_x509_certificate(data), key)


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text)


class DevelopmentPki:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    # -- the two CAs, created together once ----------------------------------------------------

    def _cas(self) -> Path:
        folder = self.directory / CA_FOLDER
        if not folder.is_dir():
            self._create_cas(folder)
        return folder

    def _create_cas(self, folder: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = Path(tempfile.mkdtemp(dir=self.directory, prefix=".pki-"))
        try:
            issuer_root = _new_pair("Entwicklung PID-Aussteller Wurzel-CA", None, ca=True)
            signer = _new_pair("Entwicklung PID-Aussteller", issuer_root, ca=False)
            verifier_root = _new_pair("Entwicklung Verifier-CA", None, ca=True)
            # The issuer root's key signed the issuing certificate and is not needed again.
            (temporary / ISSUER_ROOT).write_text(pem(issuer_root.certificate), encoding="ascii")
            _write_private(temporary / ISSUER, _pair_pem(signer))
            _write_private(temporary / VERIFIER_ROOT, _pair_pem(verifier_root))
            os.rename(temporary, folder)  # fails if another process was first
        except OSError:
            if not folder.is_dir():
                raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def issuer(self) -> Issuer:
        folder = self._cas()
        root = x509.load_pem_x509_certificate((folder / ISSUER_ROOT).read_bytes())
        return Issuer(root=root, signer=_read_pair(folder / ISSUER))

    def verifier_root(self) -> x509.Certificate:
        return _read_pair(self._cas() / VERIFIER_ROOT).certificate

    # -- the verifier certificate of each host -------------------------------------------------

    def verifier(self, host: str) -> Verifier:
        """The verifier certificate for ``host`` (the host of ``PORTAL_BASE_URL``): a DNS name
        in its subject alternative names for ``x509_san_dns``, or the IP address, for which
        only ``x509_hash`` works."""
        ca = _read_pair(self._cas() / VERIFIER_ROOT)
        path = self.directory / VERIFIER_FOLDER / f"{_UNSAFE.sub('_', host)}.pem"
        if not path.exists():
            self._create_leaf(path, host, ca)
        return Verifier(root=ca.certificate, leaf=_read_pair(path))

    def _create_leaf(self, path: Path, host: str, ca: KeyPair) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        name: x509.GeneralName = (
            x509.IPAddress(ipaddress.ip_address(host))
            if is_ip_address(host)
            else x509.DNSName(host)
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(_name(host), key, ca, ca=False, alternative_names=[name])
        descriptor, name_of_temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        temporary = Path(name_of_temporary)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:  # mode 0600
                file.write(_pair_pem(KeyPair(leaf, key)))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
