"""The README's demo command and the production server, started as a user starts them."""

from __future__ import annotations

import os
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{process.stdout.read()}")  # type: ignore[union-attr]
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
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
        env={**os.environ, **env},
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
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "PORTAL_ENV": "development"}
    process = start(["demo", "--port", str(port)], env, started)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process)

    session = requests.Session()
    page = session.get(f"http://127.0.0.1:{port}/verwaltung/anmelden", timeout=5)
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = session.post(
        f"http://127.0.0.1:{port}/verwaltung/anmelden",
        timeout=5,
        data={"csrf_token": token, "username": "admin", "password": "demo-admin-2026"},
    )
    assert login.url.endswith("/verwaltung/")
    assert "Arbeitsübersicht" in login.text

    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output
    assert "admin" in output
    assert "demo-admin-2026" in output


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


def test_portal_serve_runs_gunicorn(tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
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
    process = start(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env, started)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    start_page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert "Bürgerportal" in start_page.text
    assert start_page.headers["Server"].startswith("gunicorn")
