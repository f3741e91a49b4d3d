"""The race harness: N independent browsers against a live portal, released at once.

Every state-changing route of the portal (every url_map rule accepting POST, PUT, PATCH or
DELETE) is either COVERED by a scenario in this package, which sends the same action N times in
parallel and proves that it takes effect exactly once, or EXEMPT with a one-line reason.
``test_coverage.py`` fails when a new state-changing route is in neither mapping.

A scenario asserts, with ``assert_race``:
- no 5xx anywhere (neither the answer nor a page a redirect led to);
- exactly one effect, counted in the database (rows, bookings, refunds, audit entries);
- every request but the one that won got a clear, translated answer: its page (after following
  redirects) says that the thing is already done ("schon erledigt", "bereits entschieden", ...)
  or, where a repeat is harmless by design, the answer the scenario names (the same
  confirmation page, the same JSON).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.auth import totp
from server.auth.roles import Role
from server.extensions import db
from tests.checking_client import csrf_in, page_text
from tests.conftest import LiveServer, serving
from tests.factories import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET, make_clerk
from tests.threads import Wait, together

# Parallel requests per scenario: a dozen released at once by one barrier still race for the
# same rows (a race needs two); twenty only made the suite longer (147 s against 93 s).
N = 12
TIMEOUT = 60

# endpoint -> the scenario (module::function in this package) that races it.
COVERED: dict[str, str] = {
    # cash office
    "cash_office.clarification": "test_cash_office::test_clarification_decisions",
    "cash_office.credit_transfers": "test_cash_office::test_credit_transfer_file",
    "cash_office.direct_debits": "test_cash_office::test_direct_debit_file",
    "cash_office.refund_account": "test_cash_office::test_refund_account",
    "cash_office.statement_upload": "test_cash_office::test_statement_upload",
    # citizens paying
    "payments.pay_online": "test_citizen_payments::test_pay_online",
    "payments.provider_notification": "test_citizen_payments::test_provider_notification",
    "payments.lookup": "test_citizen_payments::test_lookup",
    # fine office
    "fines_office.case": "test_fines_office::test_case_decisions",
    "fines_office.letter": "test_fines_office::test_letter_reprint",
    "fines_office.new_letters": "test_fines_office::test_new_letters",
    "fines_office.add_evidence": "test_fines_office::test_add_evidence",
    # citizens and fines
    "fines.hearing_send": "test_citizen_fines::test_hearing_statement",
    "fines.pay": "test_citizen_fines::test_pay_fine",
    "fines.open_case": "test_citizen_fines::test_open_case",
    # forms
    "forms.submit": "test_forms::test_submit",
    "forms.step": "test_forms::test_step",
    "forms.pay": "test_forms::test_pay_application",
    "forms.server_draft": "test_forms::test_server_draft",
    "forms.withdraw": "test_sperrmuell::test_withdraw",
    "forms_office.submission": "test_forms_office::test_status_change",
    # clerk administration
    "clerk_accounts.new_account": "test_clerk_accounts::test_new_account",
    "clerk_accounts.change_roles": "test_clerk_accounts::test_change_roles",
    "clerk_accounts.deactivate": "test_clerk_accounts::test_deactivate_and_reactivate",
    "clerk_accounts.reactivate": "test_clerk_accounts::test_deactivate_and_reactivate",
    "clerk_accounts.reset_password": "test_clerk_accounts::test_reset_password",
    "clerk_accounts.reset_second_factor": "test_clerk_accounts::test_reset_second_factor",
    "security_keys.remove_key": "test_clerk_accounts::test_remove_security_key",
    # citizens' accounts and sessions
    "accounts.register_account": "test_citizen_accounts::test_register",
    "accounts.confirm_account": "test_citizen_accounts::test_confirm",
    "accounts.reset_password": "test_citizen_accounts::test_reset_password",
    "accounts.personal_data": "test_citizen_accounts::test_personal_data",
    "auth.end_one_session": "test_citizen_accounts::test_end_one_session",
    "auth.sign_out_everywhere": "test_citizen_accounts::test_sign_out_everywhere",
    # appointments
    "appointments.details": "test_appointments::test_book_the_same_time",
    "appointments.confirm": "test_appointments::test_confirm",
    "appointments.cancel": "test_appointments::test_cancel",
    "appointments.move": "test_appointments::test_move",
    # the Bürgerbüro's appointments
    "appointments_office.visit": "test_appointment_office::test_arrival_steps",
    "appointments_office.close_day": "test_appointment_office::test_close_day",
    # setting up the Bürgerbüro's offices
    "appointments_setup.new_service": "test_appointment_setup::test_create_service",
    "appointments_setup.add_counter": "test_appointment_setup::test_add_counter",
    "appointments_setup.counter": "test_appointment_setup::test_counter_out_of_service",
    "appointments_setup.service_offered": "test_appointment_setup::test_service_no_longer_offered",
}

# endpoint -> why no race scenario (one line each).
EXEMPT: dict[str, str] = {
    "outbox_office.again": "a conditional update (failed and not sent) puts the mail back once; "
    "two admins at once: tests/integration/mail/test_failed_mails.py",
    "appointments_setup.service": "saves a service's form as a whole under its row lock: a "
    "repeat writes the same values again (one effect)",
    "appointments_setup.new_location": "a location's name is unique (insert once): a repeat is "
    "refused; the same path as test_add_counter",
    "appointments_setup.location": "saves name, address and services as a whole under the "
    "location's row lock: a repeat writes the same values (race with bookings: "
    "tests/integration/appointments/test_setup.py)",
    "appointments_setup.hours": "replaces the week's hours as a whole under the location's row "
    "lock: a repeat writes the same week (race with bookings: test_setup.py)",
    "forms_status.lookup": "opens a status page: changes no record, only this browser's session",
    "sandbox_api.create": "the sandbox payment platform's own API: a test peer, not the portal",
    "sandbox_api.refund": "the sandbox payment platform's own API: a test peer, not the portal",
    "sandbox_api.token": "the sandbox payment platform's OAuth token: a test peer",
    "sandbox_page.paypage": "the sandbox platform's pay page: a test peer",
    "dev_eid.authorize": "the development identity provider: a test peer, refused in production",
    "dev_eid.token": "the development identity provider: a test peer, refused in production",
    "dev_eid.userinfo": "the development identity provider: a test peer, refused in production",
    "dev_eid.logout": "the development identity provider: a test peer, refused in production",
    "dev_wallet.wallet": "the development wallet: a test peer, refused in production; the "
    "portal takes one answer per wallet login (wallet.response)",
    "web.switch_language": "only sets a cookie; nothing stored",
    "fines.hearing_step": "a step of the hearing replaces this browser's own draft answers; a "
    "file sent again is the attachment already there, one the citizen sees and may remove",
    "auth.clerk_login": "a login makes a session by design; parallel logins are parallel sessions",
    "auth.clerk_code": "a login; one code, one login (integration/auth/test_clerk_second_factor)",
    "auth.clerk_enrol": "a login with enrolment; the TOTP step is claimed atomically (_claim)",
    "accounts.login": "a login creates a session by design; parallel logins are parallel sessions",
    "wallet.start": "starts a wallet login for this browser: each start is a transaction of its "
    "own by design, the session keeps the latest",
    "wallet.response": "the wallet's answer settles its transaction by one conditional update; a "
    "repeat gets 400 (three at once: integration/auth/test_wallet_transactions.py)",
    "security_keys.login_with_key": "a login with a security key; sessions by design",
    "security_keys.login_options": "a WebAuthn challenge for this browser's session only",
    "security_keys.add_options": "a WebAuthn challenge for this browser's session only",
    "security_keys.add_key": "needs a WebAuthn authenticator; each challenge is single-use",
    "auth.logout": "ends this browser's own session; nothing shared to race",
    "auth.citizen_logout": "ends this browser's own session; nothing shared to race",
    "accounts.resend_confirmation_link": "sends a mail; capped per address by the mail throttle",
    "accounts.renew": "sends a new link mail; capped per address by the mail throttle",
    "accounts.forgot_password": "sends a reset mail; capped per address by the mail throttle",
}

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# A translated "already done": schon/bereits/inzwischen ... erledigt/entschieden/... in one
# sentence.
ALREADY_DONE = re.compile(
    r"\b(schon|bereits|inzwischen)\b[^.!?]{0,80}?\b(erledigt|entschieden|bearbeitet|verbucht|"
    r"erstattet|exportiert|weitergeleitet|eingestellt|angelegt|gespeichert|geändert|gesetzt|"
    r"eingegangen|eingereicht|bezahlt|abgeschrieben|zugeordnet|gedruckt|beendet|bestätigt|"
    r"deaktiviert|aktiviert|zurückgesetzt|gibt es schon)",
    re.IGNORECASE,
)

# Rate limits are not what is tested here: N browsers from one address must all get through.
NO_LIMITS: dict[str, object] = {
    "CLERK_LOGIN_RATE_LIMIT": "100000 per minute",
    "CLERK_CODE_RATE_LIMIT": "100000 per minute",
    "CITIZEN_LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute",
    "CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT": "100000 per minute",
    "ACCOUNT_MAIL_RATE_LIMIT": "100000 per minute",
    "ACCOUNT_MAIL_PER_ADDRESS_LIMIT": "100000 per minute",
    "PAYMENT_LOOKUP_RATE_LIMIT": "100000 per minute",
    "FINES_ACCESS_RATE_LIMIT": "100000 per minute",
    "FINES_ACCESS_GLOBAL_RATE_LIMIT": "100000 per minute",
    "FINES_ACCESS_CASE_RATE_LIMIT": "100000 per minute",
    "PAYMENT_LOOKUP_NOTICE_RATE_LIMIT": "100000 per minute",
    "PAYMENT_LOOKUP_GLOBAL_RATE_LIMIT": "100000 per minute",
    "APPOINTMENT_BOOKING_RATE_LIMIT": "100000 per minute",
    # One in-process server answers all N browsers: a connection for each of its threads, as a
    # gunicorn worker's pool is sized to its threads.
    "DATABASE_POOL_SIZE": N + 5,
}


def visible_text(html: str) -> str:
    return page_text(html, " ")


def csrf_of(html: str) -> str:
    return csrf_in(html)


def form_fields(html: str, action_contains: str = "", *, with_field: str = "") -> dict[str, str]:
    """The hidden fields of the first form whose action contains ``action_contains`` and that
    has a field named ``with_field``: whatever the page sends along (tokens, versions,
    submission ids)."""
    soup = BeautifulSoup(html, "lxml")
    for form in soup.find_all("form"):
        if action_contains and action_contains not in str(form.get("action") or ""):
            continue
        if with_field and form.find(True, attrs={"name": with_field}) is None:
            continue
        return {
            str(field["name"]): str(field.get("value") or "")
            for field in form.find_all("input", attrs={"type": "hidden"})
            if field.get("name")
        }
    raise AssertionError(f"no form with action {action_contains!r} and field {with_field!r}")


@dataclass
class Reply:
    """What one racing request got back, redirects followed."""

    index: int
    status: int
    chain: list[int]  # every status on the way: redirects first, the final one last
    url: str
    content_type: str
    body: bytes
    error: str | None = None  # a connection error or timeout instead of an answer

    @property
    def html(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def text(self) -> str:
        if "html" in self.content_type:
            return visible_text(self.html)
        if self.content_type.startswith(("text/", "application/json")):
            return self.html
        return ""

    @property
    def redirected(self) -> bool:
        return len(self.chain) > 1

    def says_done(self) -> bool:
        return bool(ALREADY_DONE.search(self.text))

    def summary(self) -> str:
        if self.error:
            return f"#{self.index}: {self.error}"
        return f"#{self.index}: {self.chain} {self.url} {self.content_type} {self.text[:300]!r}"


def _reply(index: int, response: requests.Response) -> Reply:
    return Reply(
        index=index,
        status=response.status_code,
        chain=[r.status_code for r in response.history] + [response.status_code],
        url=response.url,
        content_type=response.headers.get("Content-Type", ""),
        body=response.content,
    )


class Browser(requests.Session):
    """One browser: its own cookies (session, CSRF) against the live portal."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        target = url.decode() if isinstance(url, bytes) else url
        if target.startswith("/"):
            target = self.base + target
        kwargs.setdefault("timeout", TIMEOUT)
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, target, *args, **kwargs)

    def page(self, path: str) -> requests.Response:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def csrf(self, path: str = "/") -> str:
        return csrf_of(self.page(path).text)


def race(
    browsers: list[Browser],
    send: Callable[[Browser, int], requests.Response],
    *,
    prepare: Callable[[Browser, int], Any] | None = None,
) -> list[Reply]:
    """Run ``send`` in one thread per browser, all released at once by a barrier. ``prepare``
    runs per browser first (reading a form page, say); its result is ignored."""
    if prepare is not None:  # one after the other: only the raced request runs in parallel
        for index, browser in enumerate(browsers):
            prepare(browser, index)

    def sender(index: int, browser: Browser) -> Callable[[Wait], Reply]:
        def run(wait: Wait) -> Reply:
            wait()
            try:
                return _reply(index, send(browser, index))
            except requests.RequestException as error:  # no answer: judged by assert_race
                return Reply(index, 0, [0], "", "", b"", error=repr(error))

        return run

    # Any other exception in a thread fails the test.
    return together([sender(index, browser) for index, browser in enumerate(browsers)])


def assert_race(
    replies: list[Reply],
    *,
    effects: int,
    what: str,
    loser: Callable[[Reply], bool] = Reply.says_done,
    winner: Callable[[Reply], bool] | None = None,
    expected_effects: int = 1,
) -> None:
    """No 5xx, ``expected_effects`` effects, and every reply but (at most) one says how it
    ended: ``loser`` accepts it. ``winner`` (if given) must accept the replies ``loser`` does
    not."""
    problems: list[str] = []
    failed = [r for r in replies if r.error or any(code >= 500 for code in r.chain)]
    if failed:
        problems.append(
            f"{len(failed)} of {len(replies)} requests failed (5xx or no answer):\n  "
            + "\n  ".join(r.summary() for r in failed[:5])
        )
    if effects != expected_effects:
        problems.append(f"{what}: {effects} effects, expected {expected_effects}")
    unclear = [r for r in replies if r not in failed and not loser(r)]
    if len(unclear) > 1 or (unclear and winner is not None and not winner(unclear[0])):
        problems.append(
            f"{len(unclear)} replies without a clear answer (at most the winner's may lack "
            "'schon erledigt' or the scenario's answer):\n  "
            + "\n  ".join(r.summary() for r in unclear[:5])
        )
    assert not problems, f"{what} (N={len(replies)}):\n" + "\n".join(problems)


@dataclass
class Portal:
    """The live portal of one test module, with logged-in browsers kept per user."""

    live: LiveServer
    _clerks: dict[str, list[Browser]] = field(default_factory=dict)
    _serial: int = 0

    @property
    def app(self) -> Flask:
        return self.live.app

    @property
    def url(self) -> str:
        return self.live.url

    def browser(self) -> Browser:
        return Browser(self.url)

    def browsers(self, count: int = N) -> list[Browser]:
        return [self.browser() for _ in range(count)]

    def unique(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial}{int(time.time() * 1000) % 100000}"

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A database session in a fresh app context (a test request context, for the domain
        functions that build URLs)."""
        with self.app.test_request_context("/"):
            yield db.session

    def count(self, statement: Any) -> int:
        with self.db() as session:
            return int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)

    def clerk(self, username: str, roles: list[Role], *, password: str = DEFAULT_PASSWORD) -> int:
        """The clerk, created if new; returns the id."""
        from server.auth.clerks import find_clerk

        with self.app.app_context():
            found = find_clerk(username)
            if found is not None:
                return found.id
        return make_clerk(self.app, username=username, roles=roles, password=password).id

    def log_in_clerk(
        self, username: str, *, password: str = DEFAULT_PASSWORD, secret: str = DEFAULT_TOTP_SECRET
    ) -> Browser:
        """Password, then the authenticator code. Every code is accepted once per clerk and
        step; the test forgets the clerk's last used step, as if 30 seconds had passed."""
        from server.auth.clerks import find_clerk
        from server.auth.second_factor_models import ClerkTotp

        browser = self.browser()
        page = browser.page("/verwaltung/anmelden")
        sent = browser.post(
            "/verwaltung/anmelden",
            data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
            allow_redirects=False,
        )
        assert sent.status_code == 302, (sent.status_code, visible_text(sent.text)[:500])
        assert sent.headers["Location"].endswith("/verwaltung/anmelden/code")
        code_page = browser.page("/verwaltung/anmelden/code")
        with self.app.app_context():
            clerk = find_clerk(username)
            assert clerk is not None
            with db.transaction() as session:
                session.execute(
                    update(ClerkTotp).where(ClerkTotp.clerk_id == clerk.id).values(last_step=None)
                )
        done = browser.post(
            "/verwaltung/anmelden/code",
            data={"csrf_token": csrf_of(code_page.text), "code": totp.current_code(secret)},
            allow_redirects=False,
        )
        assert done.status_code == 302, (done.status_code, visible_text(done.text)[:500])
        assert "/verwaltung/anmelden" not in done.headers["Location"]
        return browser

    def clerks(self, username: str, roles: list[Role], count: int = N) -> list[Browser]:
        """``count`` browsers, each with its own login as this clerk (kept for the module)."""
        self.clerk(username, roles)
        have = self._clerks.setdefault(username, [])
        while len(have) < count:
            have.append(self.log_in_clerk(username))
        return have[:count]

    def forget_clerk_browsers(self, username: str) -> None:
        self._clerks.pop(username, None)


@contextmanager
def portal_for(backend: str, **overrides: object) -> Iterator[Portal]:
    settings: dict[str, Any] = {**NO_LIMITS, **overrides}
    with serving(backend, None, **settings) as live:
        yield Portal(live)
