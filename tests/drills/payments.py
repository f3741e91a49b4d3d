"""The payment drills' world: the sandbox platform as its own server behind the fault proxy,
the portal on it, one notice to pay, and what the citizen does there."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import requests
from sqlalchemy import create_engine, select

from server.payments.models import OnlinePayment
from server.payments.sandbox.models import SandboxTransaction
from tests.drills.common import csrf_token
from tests.drills.processes import PORTAL, FaultProxy, PortalProcess, browser


@dataclass
class Setup:
    portal: PortalProcess
    proxy: FaultProxy
    database: str
    kassenzeichen: str
    token: str

    def notice(self, citizen: requests.Session) -> requests.Response:
        page = citizen.get(f"{self.portal.url}/zahlungen/z/{self.token}", timeout=10)
        assert page.status_code == 200, page.text[:300]
        return page

    def pay(self, citizen: requests.Session) -> requests.Response:
        """ "online bezahlen" on the notice page; the portal's answer, not followed."""
        page = citizen.get(f"{self.portal.url}/zahlungen/{self.kassenzeichen}", timeout=10)
        return citizen.post(
            f"{self.portal.url}/zahlungen/{self.kassenzeichen}/online",
            data={"csrf_token": csrf_token(page)},
            headers={"Referer": f"{self.portal.url}/zahlungen/{self.kassenzeichen}"},
            allow_redirects=False,
            timeout=30,
        )

    def follow(self, citizen: requests.Session, answer: requests.Response) -> requests.Response:
        return citizen.get(self.portal.url + answer.headers["Location"], timeout=30)

    def poll(self) -> None:
        """``portal payments poll``, as the job (or an old cron line) runs it."""
        polled = subprocess.run(
            [str(PORTAL), "payments", "poll"],
            env=self.portal.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert polled.returncode == 0, polled.stderr[-2000:]


def pay_at_platform(url: str) -> str:
    """The platform's payment page in the citizen's browser (its own cookies: the platform
    shares the host 127.0.0.1 with the portal); returns where it sends the citizen back."""
    platform_tab = browser()
    page = platform_tab.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    paid = platform_tab.post(
        url,
        data={"csrf_token": csrf_token(page), "outcome": "PAYED", "method": "PayPal"},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 302, paid.text[:300]
    return paid.headers["Location"]


def transactions(database: str) -> list[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    select(SandboxTransaction.status).order_by(SandboxTransaction.created_at)
                )
            )
    finally:
        engine.dispose()


def payment_states(database: str) -> list[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(OnlinePayment.state).order_by(OnlinePayment.id)))
    finally:
        engine.dispose()
