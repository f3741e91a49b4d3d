"""The README's demo command and the production server, started as a user starts them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

PORTAL = Path(sys.executable).parent / "portal"
# The commands of this checkout, even where the venv's editable install points at another one.
CHECKOUT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{process.stdout.read()}")  # type: ignore[union-attr]
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


def start(
    args: list[str], env: dict[str, str], started: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [str(PORTAL), *args],
        env={**os.environ, "PYTHONPATH": str(CHECKOUT), **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started.append(process)
    return process


def test_portal_demo_migrates_seeds_serves_and_says_how_to_log_in(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    """One demo, on a port of its own, as a tester uses it: the clerk's login with the code the
    instructions name, a payment through its own sandbox, the eID and the wallet logins at its
    own development services; then what it printed. (One demo process for all: each start
    migrates and seeds, seconds of the suite's 15 minutes.)"""
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PORTAL_ENV": "development",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "DEV_EID_DIR": str(tmp_path / "dev-eid"),
        "DEV_WALLET_DIR": str(tmp_path / "dev-wallet"),
    }
    process = start(["demo", "--port", str(port)], env, started)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/healthz", process)
    _clerk_logs_in_with_the_printed_code(port, env)
    _pays_through_its_own_sandbox(base)
    _logs_in_at_its_development_identity_provider(base)
    _logs_in_with_its_development_wallet(base)

    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output
    assert "admin" in output
    assert "demo-admin-2026" in output
    assert "MRSW23ZNORXXI4BNMFSG22LOFUWS2LJN" in output  # admin's TOTP secret
    assert "portal clerks code" in output
    assert f"eID login: {base}/konto" in output
    assert "Erika Mustermann" in output
    assert "Leonie Weber" in output
    assert f"EUDI wallet login: {base}/konto" in output
    assert f"{base}/entwicklung/wallet" in output


def _clerk_logs_in_with_the_printed_code(port: int, env: dict[str, str]) -> None:
    session = requests.Session()
    page = session.get(f"http://127.0.0.1:{port}/verwaltung/anmelden", timeout=5)
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = session.post(
        f"http://127.0.0.1:{port}/verwaltung/anmelden",
        timeout=5,
        data={"csrf_token": token, "username": "admin", "password": "demo-admin-2026"},
    )
    assert login.url.endswith("/verwaltung/anmelden/code")
    # The second factor, as the demo's instructions say: the code from `portal clerks code`.
    code = subprocess.run(
        [str(PORTAL), "clerks", "code", "admin"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    overview = session.post(login.url, timeout=5, data={"csrf_token": token, "code": code})
    assert overview.url.endswith("/verwaltung/")
    assert "Arbeitsübersicht" in overview.text


def test_clerks_code_is_refused_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "x" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
    }
    result = subprocess.run(
        [str(PORTAL), "clerks", "code", "admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "refused in production" in result.stderr


def _pays_through_its_own_sandbox(base: str) -> None:
    """Letters, return addresses and sandbox callbacks follow the port the demo serves on."""
    browser = requests.Session()
    lookup = browser.get(f"{base}/zahlungen/", timeout=5)
    token = re.search(r'name="csrf_token" value="([^"]+)"', lookup.text)
    assert token
    notice = browser.post(
        f"{base}/zahlungen/",
        timeout=5,
        data={"csrf_token": token.group(1), "kassenzeichen": "400000000010", "amount": "30,00"},
    )
    assert "30,00" in notice.text
    action = re.search(r'action="(/zahlungen/\d+/online)"', notice.text)
    assert action
    started_payment = browser.post(
        base + action.group(1),
        timeout=10,
        allow_redirects=False,
        data={"csrf_token": token.group(1)},
    )
    paypage = started_payment.headers["Location"]
    assert paypage.startswith(f"{base}/sandbox-zahlung/bezahlen/")
    form = browser.get(paypage, timeout=10).text
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert form_token
    receipt = browser.post(
        paypage,
        timeout=10,
        data={"csrf_token": form_token.group(1), "outcome": "PAYED", "method": "Wero"},
    )
    assert "Vielen Dank. Ihre Zahlung ist eingegangen" in receipt.text


def _logs_in_at_its_development_identity_provider(base: str) -> None:
    """The eID button completes a real code flow against the demo's own threaded server."""
    browser = requests.Session()
    start_login = browser.get(f"{base}/auth/eid/login", timeout=10, allow_redirects=False)
    assert start_login.status_code == 302, start_login.text[-1500:]
    authorization = start_login.headers["Location"]
    assert authorization.startswith(f"{base}/dev-eid/authorize?")
    page = browser.get(authorization, timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    account = browser.post(
        authorization,
        timeout=30,
        data={"csrf_token": token.group(1), "person": "erika", "action": "login"},
    )
    assert account.url == f"{base}/konto"
    assert "Erika Mustermann" in account.text


def _logs_in_with_its_development_wallet(base: str) -> None:
    """ "Mit EUDI-Wallet anmelden" on this device: the link opens the development wallet of the
    port the demo serves on, which answers over HTTP; the browser comes back logged in."""
    browser = requests.Session()
    choice = browser.get(f"{base}/auth/wallet", timeout=10)
    assert choice.status_code == 200, choice.text[-1500:]
    token = re.search(r'name="csrf_token" value="([^"]+)"', choice.text)
    assert token
    to_wallet = browser.post(
        f"{base}/auth/wallet/start",
        data={"csrf_token": token.group(1), "flow": "same", "next": ""},
        timeout=10,
        allow_redirects=False,
    )
    link = to_wallet.headers["Location"]
    # An IP address as host: the client id is the certificate's hash.
    assert link.startswith(f"{base}/entwicklung/wallet?client_id=x509_hash%3A")
    page = browser.get(link, timeout=30).text
    fields = dict(
        re.findall(r'name="(csrf_token|request_object)" type="hidden" value="([^"]+)"', page)
    )
    assert set(fields) == {"csrf_token", "request_object"}, page[-1500:]
    account = browser.post(
        link,
        data={**fields, "person": "erika", "credential_format": "dc+sd-jwt", "action": "share"},
        timeout=30,
    )
    assert account.url == f"{base}/konto"
    assert "Erika Mustermann" in account.text


def test_portal_demo_is_refused_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
    }
    result = subprocess.run(
        [str(PORTAL), "demo"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode != 0
    assert "refused in production" in result.stderr


def serving(
    tmp_path: Path, started: list[subprocess.Popen[str]], *options: str
) -> tuple[str, dict[str, str]]:
    """``portal serve`` with production settings on a migrated SQLite database: its URL and
    the settings."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {
        "DATABASE_URL": url,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
    }
    subprocess.run(
        [str(PORTAL), "db", "upgrade"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    process = start(["serve", "--bind", f"127.0.0.1:{port}", *options], env, started)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    return f"http://127.0.0.1:{port}", env


def test_portal_serve_runs_gunicorn(tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
    base, _env = serving(tmp_path, started, "--workers", "1")
    start_page = requests.get(f"{base}/", timeout=5)
    assert "Bürgerportal" in start_page.text
    assert start_page.headers["Server"].startswith("gunicorn")
    # Templates, fonts and the database's first connection were made once, before the fork.
    (process,) = started
    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=30)[0]
    assert "warm start" in output


def workers_of(process: subprocess.Popen[str]) -> list[int]:
    """The pids of gunicorn's workers: the children of ``portal serve``'s process."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_portal_serve_starts_a_worker_per_core_and_one_more(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    expected = min((os.cpu_count() or 1) + 1, 16)
    base, _env = serving(tmp_path, started)
    assert requests.get(f"{base}/healthz", timeout=5).ok
    (process,) = started
    deadline = time.monotonic() + 30
    while len(workers_of(process)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers_of(process)) == expected
    # A worker forked a moment ago has not taken over its own signal handlers yet: a SIGTERM
    # then is lost, and gunicorn waits its graceful timeout (30 s) before it kills the worker.
    time.sleep(1)
    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert output.count("Booting worker with pid") == expected


def test_a_threaded_worker_gives_each_request_a_connection_of_its_own(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    """A kept-alive connection would stick to its worker, and a request sent as the worker
    closes it after its idle time would fail: every answer closes its connection."""
    base, _env = serving(tmp_path, started, "--workers", "1", "--threads", "2")
    with requests.Session() as browser:
        first = browser.get(f"{base}/healthz", timeout=5)
        second = browser.get(f"{base}/healthz", timeout=5)
    assert first.ok
    assert second.ok
    assert first.headers["Connection"] == "close"
    assert second.headers["Connection"] == "close"


def test_a_sync_worker_gives_every_request_a_context_of_its_own(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    """With ``--threads 1`` gunicorn's sync worker serves in the thread it was forked from:
    requests there once shared the command's app context, and with it one ``g``: every visitor
    got the first one's CSP nonce and CSRF token, without the secret in their own session, and
    every form they sent was refused."""
    base, _env = serving(tmp_path, started, "--workers", "1", "--threads", "1")
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    answers = [requests.get(f"{base}/zahlungen/", timeout=5) for _ in range(3)]
    nonces = {answer.headers["Content-Security-Policy"].split("'nonce-")[1] for answer in answers}
    assert len(nonces) == 3
    tokens = [token.search(answer.text) for answer in answers]
    assert len({found.group(1) for found in tokens if found}) == 3
    last, found = answers[-1], tokens[-1]
    assert found is not None
    # The session cookie is Secure (production): sent back by hand over plain HTTP.
    cookie = last.headers["Set-Cookie"].split(";")[0]
    sent = requests.post(
        f"{base}/zahlungen/",
        data={"csrf_token": found.group(1), "kassenzeichen": "123", "amount": "1,00"},
        headers={"Cookie": cookie, "Referer": f"{base}/zahlungen/"},
        allow_redirects=False,
        timeout=5,
    )
    assert sent.status_code != 400, sent.text[:300]
    assert "abgelaufen" not in sent.text


def test_the_wsgi_entry_takes_the_app_out_of_the_collector_s_passes(tmp_path: Path) -> None:
    """What ``gunicorn 'server.wsgi:app'`` loads lives as long as the process; each full
    collection of the cycle collector walked it all (about 150 ms, issue 17)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}",
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
    }
    frozen = subprocess.run(
        [sys.executable, "-c", "import gc, server.wsgi; print(gc.get_freeze_count())"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert int(frozen.stdout.split()[-1]) > 100_000
