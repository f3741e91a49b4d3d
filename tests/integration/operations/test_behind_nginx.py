"""`portal serve` behind Debian's nginx as the TLS-terminating proxy, configured as
docs/deploy/nginx.conf says, with ``TRUSTED_PROXIES=1``: every citizen has a rate-limit bucket
of their own, a forged ``X-Forwarded-For`` buys nothing, and the portal knows it is on HTTPS."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter

from server.migrate import upgrade
from tests.conftest import make_test_app
from tests.factories import make_fine_case
from tests.integration.operations.test_commands import CHECKOUT, PORTAL, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCUMENTED = CHECKOUT / "docs" / "deploy" / "nginx.conf"


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def nginx_config(
    directory: Path, port: int, upstream: int | list[int], cert: Path, key: Path
) -> Path:
    """The documented server block with this test's certificate and ports (one app server or
    several), in a main config that keeps nginx's files in ``directory``. Each response names
    the app server that answered (``X-Test-Upstream``, this test's own header)."""
    server = DOCUMENTED.read_text()
    upstreams = upstream if isinstance(upstream, list) else [upstream]
    servers = "\n    ".join(f"server 127.0.0.1:{each};" for each in upstreams)
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        ("/etc/ssl/certs/portal.example.de.pem", str(cert)),
        ("/etc/ssl/private/portal.example.de.key", str(key)),
        ("server 127.0.0.1:8000;", servers),
        (
            "proxy_pass http://portal;",
            "proxy_pass http://portal;\n        add_header X-Test-Upstream $upstream_addr always;",
        ),
    ):
        assert old in server, f"docs/deploy/nginx.conf no longer says {old!r}"
        server = server.replace(old, new)
    (directory / "portal.conf").write_text(server)
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = directory / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {directory}/portal.conf;
}}
"""
    )
    return main


class FromAddress(HTTPAdapter):
    """Connections from one loopback address: each stands for another citizen's phone."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def phone(address: str, cert: Path) -> requests.Session:
    session = requests.Session()
    session.mount("https://", FromAddress(address))
    session.trust_env = False  # REQUESTS_CA_BUNDLE would win over the session's own CA
    session.verify = str(cert)
    return session


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.fixture
def behind_nginx(tmp_path: Path) -> Iterator[tuple[str, Path, Path, dict[str, str]]]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed (apt-get install nginx-light)")
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade(database)
    case = make_fine_case(make_test_app(database))
    cert, key = self_signed(tmp_path)
    nginx_port, portal_port = free_port(), free_port()
    base = f"https://127.0.0.1:{nginx_port}"
    portal_log = tmp_path / "portal.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(CHECKOUT),
        "DATABASE_URL": database,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "n" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "PORTAL_BASE_URL": base,
        "TRUSTED_PROXIES": "1",
        "FINES_ACCESS_RATE_LIMIT": "3 per minute",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with portal_log.open("wb") as output:
        portal = subprocess.Popen(
            [str(PORTAL), "serve", "--bind", f"127.0.0.1:{portal_port}", "--workers", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    config = nginx_config(tmp_path, nginx_port, portal_port, cert, key)
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert portal.poll() is None, portal_log.read_text()
            assert nginx.poll() is None, (tmp_path / "error.log").read_text()
            assert time.monotonic() < deadline, "the portal did not answer through nginx"
            try:
                if requests.get(f"{base}/healthz", verify=str(cert), timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        yield base, cert, portal_log, case
    finally:
        stop(nginx)
        stop(portal)


def try_code(
    session: requests.Session, base: str, aktenzeichen: str, code: str, **headers: str
) -> requests.Response:
    page = session.get(f"{base}/bussgeld", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return session.post(
        f"{base}/bussgeld",
        data={"csrf_token": token.group(1), "aktenzeichen": aktenzeichen, "access_code": code},
        headers={"Referer": f"{base}/bussgeld", **headers},
        allow_redirects=False,
        timeout=10,
    )


def test_each_citizen_behind_nginx_has_their_own_limit(
    behind_nginx: tuple[str, Path, Path, dict[str, str]],
) -> None:
    base, cert, portal_log, case = behind_nginx
    guesser = phone("127.0.0.2", cert)
    for _ in range(3):
        assert try_code(guesser, base, case["aktenzeichen"], "WRONG-CODE").status_code == 422
    assert try_code(guesser, base, case["aktenzeichen"], "WRONG-CODE").status_code == 429
    # Claiming to be someone else in the header the client writes itself changes nothing.
    forged = try_code(
        guesser, base, case["aktenzeichen"], "WRONG-CODE", **{"X-Forwarded-For": "10.9.8.7"}
    )
    assert forged.status_code == 429

    # Another citizen, who also tries to pass as the guesser, opens their case at once.
    citizen = phone("127.0.0.3", cert)
    opened = try_code(
        citizen,
        base,
        case["aktenzeichen"],
        case["access_code"],
        **{"X-Forwarded-For": "127.0.0.2"},
    )
    assert opened.status_code == 302, opened.text[:500]
    page = citizen.get(base + opened.headers["Location"], timeout=10)
    assert case["aktenzeichen"] in page.text

    # The portal knows it is on HTTPS: a POST without a Referer is refused as the CSRF rule
    # for HTTPS requires.
    stranger = phone("127.0.0.4", cert)
    form = stranger.get(f"{base}/bussgeld", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    no_referer = stranger.post(
        f"{base}/bussgeld",
        data={"csrf_token": token.group(1), "aktenzeichen": "X", "access_code": "Y"},
        timeout=10,
    )
    assert no_referer.status_code == 400

    # The access log names the citizens, not the proxy.
    time.sleep(0.5)
    access = [line for line in portal_log.read_text().splitlines() if "/bussgeld" in line]
    assert any(line.startswith("127.0.0.2 ") for line in access), access
    assert any(line.startswith("127.0.0.3 ") for line in access), access
    assert not any(line.startswith("127.0.0.1 ") for line in access), access
    assert not any(line.startswith("10.9.8.7 ") for line in access), access
