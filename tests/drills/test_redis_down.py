"""Drill: Redis, where the rate-limit counters live, is killed under a running portal and
started again (issue 21).

What must hold: code entry and logins refuse with a clear "try again in a moment" (503,
``Retry-After``) rather than guessing uncounted; everything else keeps working; ``/readyz``
names the failed storage; the portal heals by itself when Redis is back (no restart), and
counts in Redis again (not in a process's memory)."""

from __future__ import annotations

import pytest
import redis
import requests

from server.audit.models import AuditEntry
from tests.drills.common import count_rows, csrf_token, seed_fine_case
from tests.drills.conftest import Serve, production_settings
from tests.drills.processes import PortalProcess, PrivateRedis, browser

pytestmark = pytest.mark.drill


@pytest.fixture
def fine_case(database: str) -> dict[str, str]:
    return seed_fine_case(database)


@pytest.fixture
def portal(database: str, redis_up: PrivateRedis, serve: Serve) -> PortalProcess:
    return serve(
        production_settings(
            database, RATELIMIT_STORAGE_URI=redis_up.url, FINES_ACCESS_RATE_LIMIT="3 per minute"
        )
    )


def enter_code(
    citizen: requests.Session, portal: PortalProcess, case: dict[str, str], code: str
) -> requests.Response:
    form = citizen.get(f"{portal.url}/bussgeld", timeout=10)
    return citizen.post(
        f"{portal.url}/bussgeld",
        data={
            "csrf_token": csrf_token(form),
            "aktenzeichen": case["aktenzeichen"],
            "access_code": code,
        },
        headers={"Referer": f"{portal.url}/bussgeld"},
        allow_redirects=False,
        timeout=10,
    )


def assert_try_again(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert int(answer.headers["Retry-After"]) > 0
    assert "Bitte versuchen Sie es gleich noch einmal" in answer.text
    assert "Traceback" not in answer.text
    assert "redis" not in answer.text.lower()


def test_code_entry_and_logins_refuse_while_redis_is_down_and_heal_after(
    portal: PortalProcess, redis_up: PrivateRedis, fine_case: dict[str, str], database: str
) -> None:
    citizen = browser()
    assert enter_code(citizen, portal, fine_case, "WRONG-CODE").status_code == 422
    assert requests.get(f"{portal.url}/readyz", timeout=10).status_code == 200

    redis_up.kill()
    before = count_rows(database, AuditEntry)

    # Code entry (a guessing door) fails closed: neither the right nor a wrong code is tried.
    assert_try_again(enter_code(citizen, portal, fine_case, fine_case["access_code"]))
    assert_try_again(enter_code(citizen, portal, fine_case, "WRONG-CODE"))
    # A clerk's password login, and a citizen's.
    clerk = browser()
    login = clerk.get(f"{portal.url}/verwaltung/anmelden", timeout=10)
    assert login.status_code == 200
    assert_try_again(
        clerk.post(
            f"{portal.url}/verwaltung/anmelden",
            data={"csrf_token": csrf_token(login), "username": "x", "password": "y" * 12},
            headers={"Referer": f"{portal.url}/verwaltung/anmelden"},
            timeout=10,
        )
    )
    account = citizen.get(f"{portal.url}/konto", timeout=10)
    assert_try_again(
        citizen.post(
            f"{portal.url}/konto/anmelden",
            data={
                "csrf_token": csrf_token(account),
                "email": "erika@example.org",
                "password": "irgendein-passwort",
            },
            headers={"Referer": f"{portal.url}/konto"},
            timeout=10,
        )
    )
    # Nothing was looked at: no failed access or login is in the audit log.
    assert count_rows(database, AuditEntry) == before
    # Everything else works: pages, and a limit of the group that fails open.
    assert citizen.get(f"{portal.url}/", timeout=10).status_code == 200
    assert citizen.get(f"{portal.url}/bussgeld", timeout=10).status_code == 200
    forgot = citizen.get(f"{portal.url}/konto/passwort-vergessen", timeout=10)
    sent = citizen.post(
        f"{portal.url}/konto/passwort-vergessen",
        data={"csrf_token": csrf_token(forgot), "email": "erika@example.org"},
        headers={"Referer": f"{portal.url}/konto/passwort-vergessen"},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code in (200, 302, 303), sent.text[:300]
    # The operators' view: ready no more, and which check failed; alive all the same.
    ready = requests.get(f"{portal.url}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "database": "ok",
        "rate_limit_storage": "failed",
        "file_storage": "ok",
    }
    assert requests.get(f"{portal.url}/healthz", timeout=10).status_code == 200
    assert '"ratelimit.storage_unreachable"' in portal.output()

    redis_up.start()
    # The same process heals: no restart of the portal.
    assert requests.get(f"{portal.url}/readyz", timeout=10).status_code == 200
    answers = [enter_code(citizen, portal, fine_case, "WRONG-CODE").status_code for _ in range(3)]
    # One wrong code before the outage is gone with Redis' memory; three more reach the limit,
    # counted in Redis again (its keys are there), not in the process's memory.
    assert answers == [422, 422, 422]
    assert enter_code(citizen, portal, fine_case, "WRONG-CODE").status_code == 429
    assert redis.Redis.from_url(redis_up.url).keys("LIMITS*")


def test_a_city_may_let_code_entry_through_uncounted(
    database: str,
    redis_up: PrivateRedis,
    serve: Serve,
    fine_case: dict[str, str],
) -> None:
    """``RATELIMIT_FAIL_CLOSED=none``: every limit lets requests through while Redis is down
    (logged), a choice the city makes knowingly."""
    portal = serve(
        production_settings(
            database, RATELIMIT_STORAGE_URI=redis_up.url, RATELIMIT_FAIL_CLOSED="none"
        )
    )
    redis_up.kill()
    citizen = browser()
    assert enter_code(citizen, portal, fine_case, "WRONG-CODE").status_code == 422
    opened = enter_code(citizen, portal, fine_case, fine_case["access_code"])
    assert opened.status_code in (302, 303), opened.text[:300]
    assert '"let through"' in portal.output()
