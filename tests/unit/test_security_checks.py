"""CI's security checks: the dependency audit (``.ci/audit``) and the bandit triage convention.

The audit runs the real pip-audit against a vulnerability database on localhost (the OSV API's
shape), so no test needs the internet.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / ".ci" / "audit"
VULNERABLE = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001"],
    "summary": "Test vulnerability in flask",
    "affected": [
        {
            "package": {"name": "flask", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}],
        }
    ],
}


class FakeOsv(BaseHTTPRequestHandler):
    """OSV's ``/v1/query``: flask has a vulnerability, every other package none."""

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {"vulns": [VULNERABLE]} if query["package"]["name"] == "flask" else {}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def audit(
    tmp_path: Path, requirements: str, osv: str, ignore: str = ""
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    (tmp_path / "ignore").write_text(ignore, encoding="utf-8")
    args = ["-r", str(tmp_path / "requirements.txt"), "--no-deps", "--disable-pip"]
    return subprocess.run(
        [sys.executable, str(AUDIT), *args, "--vulnerability-service", "osv", "--osv-url", osv],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),  # pip-audit's cache, fresh
            "AUDIT_IGNORE_FILE": str(tmp_path / "ignore"),
            "NO_PROXY": "127.0.0.1,localhost",
        },
    )


def test_an_unreachable_database_is_said_clearly_and_does_not_fail(tmp_path: Path) -> None:
    result = audit(tmp_path, "flask==0.1\n", f"http://127.0.0.1:{closed_port()}/v1/query")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Dependency audit skipped: the vulnerability database is not reachable ("
    )
    assert "Connection refused" in result.stdout or "ConnectionError" in result.stdout


def test_a_known_vulnerability_fails_the_audit(tmp_path: Path, osv_url: str) -> None:
    result = audit(tmp_path, "flask==0.1\nitsdangerous==2.2.0\n", osv_url)
    assert result.returncode == 1
    assert "1 known vulnerabilities" in result.stderr
    assert "flask 0.1: PYSEC-2099-1 (fixed in: 9.9)" in result.stderr


def test_an_ignored_vulnerability_is_shown_with_its_reason(tmp_path: Path, osv_url: str) -> None:
    ignore = "# why\nCVE-2099-0001 only the CLI is affected, which the portal never runs\n"
    result = audit(tmp_path, "flask==0.1\n", osv_url, ignore)
    assert result.returncode == 0, result.stderr
    assert "no known vulnerabilities" in result.stdout
    assert "PYSEC-2099-1 (ignored: only the CLI is affected" in result.stdout


def test_an_ignored_id_needs_a_reason(tmp_path: Path, osv_url: str) -> None:
    result = audit(tmp_path, "flask==0.1\n", osv_url, "PYSEC-2099-1\n")
    assert result.returncode == 1
    assert "PYSEC-2099-1 needs a reason" in result.stderr


def test_a_clean_environment_passes(tmp_path: Path, osv_url: str) -> None:
    result = audit(tmp_path, "itsdangerous==2.2.0\n", osv_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Dependency audit: 1 packages, no known vulnerabilities."


@pytest.fixture(scope="module")
def audit_module() -> ModuleType:
    loader = SourceFileLoader("ci_audit", str(AUDIT))
    spec = spec_from_loader("ci_audit", loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_not_found_for_every_package_is_no_audit(audit_module: Any) -> None:
    """An offline mirror answers 404 for every package; pip-audit alone would report success."""
    report = {
        "dependencies": [
            {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be"},
            {"name": "buergerportal", "skip_reason": "distribution marked as editable"},
        ]
    }
    code, message = audit_module.analyse(report, {})
    assert code == 0
    assert message.startswith(audit_module.SKIPPED)


def test_every_nosec_names_its_test_and_gives_a_reason() -> None:
    bare = []
    for path in sorted((REPO / "server").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "nosec" in line and not re.search(r"# nosec B\d{3}  # \S", line):
                bare.append(f"{path.relative_to(REPO)}:{number}")
    assert bare == [], "write '# nosec BXXX  # <reason>'"
