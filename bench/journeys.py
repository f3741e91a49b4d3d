"""Locustfile: the journey mix of issue 17, played against the portal in production settings.

``bench/journey_mix.py`` sets everything up and runs this file with Locust 2.x, headless::

    locust -f bench/journeys.py --headless --host http://127.0.0.1:<portal port>

It reads its setting from the environment (the driver writes them):

- ``JOURNEY_SEED``: the seed file of ``bench/journey_seed.py`` (letters' QR paths, notices,
  clerks with their TOTP secrets);
- ``JOURNEY_PUBLIC_URL``: the portal's ``PORTAL_BASE_URL`` (``https://...``): absolute links
  and redirects to it are followed on the app server;
- ``JOURNEY_STAGES``: the stages as JSON, ``[{"name", "rate", "seconds", "settle"}]``: each
  offers ``rate`` requests per second for ``seconds``; the first ``settle`` seconds of a stage
  are not counted (the users are being started or stopped). A stage named ``search`` ends the
  run once its p95 passes ``JOURNEY_SEARCH_P95_MS`` or it has errors;
- ``JOURNEY_RESULTS``: where the per-stage numbers go (JSON).

The users play the TLS proxy in front of the portal as ``docs/deploy/nginx.conf`` does: every
request carries ``Host`` of the public URL, ``X-Forwarded-Proto: https`` and ``X-Forwarded-For``
with the simulated citizen's address (the portal runs with ``TRUSTED_PROXIES=1``), so the rate
limits per address see one citizen each, as behind the real proxy, and stay on. Each journey is
a new citizen: a new address from 10.0.0.0/8 and an empty cookie jar. Secure cookies are sent
over the plain connection to the app server, as the proxy passes them on.

One task is one request to the portal: a user sends on average one a second
(``JOURNEY_USER_RATE``) at random times (a Poisson process: exponential gaps, drawn apart from
the answers), the shape starts as many users as the stage's rate needs. Citizens do not agree on
when to tap: Locust starts a stage's users in one batch each second, and users paced at fixed
intervals from their start all sent in the same few hundred milliseconds of every second, a
burst of the whole second's requests that no city's citizens make. The requests to the payment
platform (its payment page) are made in the same task as the portal request before them and
counted apart.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
import pyotp
from locust import FastHttpUser, LoadTestShape, events, task
from locust.contrib.fasthttp import FastResponse
from locust.exception import StopUser

# Locust loads this file by its path: the repository root must be importable for bench's own
# modules.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.kita_answers import kita_steps  # noqa: E402  (the root must be importable first)

SEED: dict[str, Any] = json.loads(Path(os.environ["JOURNEY_SEED"]).read_text())
PUBLIC_URL = os.environ["JOURNEY_PUBLIC_URL"].rstrip("/")
PUBLIC_HOST = urlsplit(PUBLIC_URL).netloc
STAGES: list[dict[str, Any]] = json.loads(os.environ["JOURNEY_STAGES"])
RESULTS = os.environ.get("JOURNEY_RESULTS")
SEARCH_P95_MS = float(os.environ.get("JOURNEY_SEARCH_P95_MS", "100"))
USER_RATE = float(os.environ.get("JOURNEY_USER_RATE", "1"))
# Share of the requests that come from clerks working their queues.
CLERK_SHARE = float(os.environ.get("JOURNEY_CLERK_SHARE", "0.05"))

# How often each citizen journey starts (weights): with their lengths (7, 3 and 15 requests to
# the portal) about 57 % of the citizens' requests are fines paid from the letter, 16 % notice
# look-ups and 27 % Kita registrations.
JOURNEY_WEIGHTS = {"fine": 45, "lookup": 30, "kita": 10}
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36 portal-journeys"
)
KITA = "/antraege/kita-anmeldung"
# Who comes next and from where: a simulation, nothing secret.
CHANCE = random.Random()  # noqa: S311
SECURE_HERE = ("https", "wss", "http")
KITA_INBOX = "/verwaltung/antraege/kita-anmeldung/"

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PAY_FORM = re.compile(r'action="([^"]*/bezahlen)"')
PROOF_LINK = re.compile(r'href="([^"]*/zahlungsbestaetigung\.pdf)"')
METHOD = re.compile(r'name="method"[^>]*value="([^"]+)"')
SUBMISSION_ID = re.compile(r'name="submission_id" value="([^"]+)"')
INBOX_LINK = re.compile(r'href="(/verwaltung/antraege/kita-anmeldung/\d+)"')


# --------------------------------------------------------------------------- seed handed out


class Pool:
    """Hands out the seeded letters and notices, each once while they last (then again)."""

    def __init__(self, items: list[Any]) -> None:
        self._items = itertools.cycle(items)
        self.size = len(items)
        self.taken = 0
        self._lock = threading.Lock()

    def take(self) -> Any:
        with self._lock:
            self.taken += 1
            return next(self._items)


LETTERS = Pool(SEED["letters"])
NOTICES = Pool(SEED["notices"])
CLERKS = Pool(SEED["clerks"])


# --------------------------------------------------------------------------- what was measured


@dataclass
class Sample:
    name: str
    journey: str
    ms: float
    ok: bool


@dataclass
class Recorder:
    """Every request's time by stage; Locust's own statistics are cumulative."""

    stage: str = "setup"
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    windows: dict[str, list[float]] = field(default_factory=dict)  # stage -> [start, end]
    stopped_because: str = ""

    def add(self, sample: Sample) -> None:
        if self.stage.startswith("settle"):
            return
        self.samples.setdefault(self.stage, []).append(sample)

    def enter(self, stage: str, now: float) -> None:
        previous = self.windows.get(self.stage)
        if previous is not None:
            previous[1] = now
        self.stage = stage
        if not stage.startswith("settle"):
            self.windows[stage] = [now, now]


RECORDER = Recorder()


@events.request.add_listener
def on_request(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    exception: BaseException | None,
    context: dict[str, Any],
    **_: Any,
) -> None:
    RECORDER.add(Sample(name, context.get("journey", "?"), response_time, exception is None))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (what wrk and Locust report)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(samples: list[Sample], seconds: float) -> dict[str, Any]:
    times = [s.ms for s in samples]
    return {
        "requests": len(samples),
        "requests_per_s": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times, default=0.0), 1),
        "errors": sum(1 for s in samples if not s.ok),
    }


def stage_results(stage: str) -> dict[str, Any]:
    samples = RECORDER.samples.get(stage, [])
    start, end = RECORDER.windows.get(stage, [0.0, 0.0])
    seconds = end - start
    portal = [s for s in samples if s.journey not in ("platform", "setup")]
    by_journey = {
        journey: summary([s for s in portal if s.journey == journey], seconds)
        for journey in (*JOURNEY_WEIGHTS, "clerk")
    }
    names = sorted({s.name for s in portal})
    return {
        "seconds": round(seconds, 1),
        "portal": summary(portal, seconds),
        "journeys": by_journey,
        "platform": summary([s for s in samples if s.journey == "platform"], seconds),
        "requests": {
            name: summary([s for s in portal if s.name == name], seconds) for name in names
        },
    }


@events.quitting.add_listener
def write_results(environment: Any, **_: Any) -> None:
    RECORDER.enter("end", time.monotonic())
    if not RESULTS:
        return
    stages = [
        {**stage, **stage_results(stage["label"])}
        for stage in STAGES
        if stage["label"] in RECORDER.windows
    ]
    Path(RESULTS).write_text(
        json.dumps(
            {
                "stages": stages,
                "stopped_because": RECORDER.stopped_because,
                "letters_used": LETTERS.taken,
                "letters_seeded": LETTERS.size,
                "notices_used": NOTICES.taken,
                "notices_seeded": NOTICES.size,
            },
            indent=2,
        )
    )


# --------------------------------------------------------------------------- the stages


def stage_labels() -> list[dict[str, Any]]:
    """Each stage with a unique label (search steps are named by their rate)."""
    labelled = []
    for stage in STAGES:
        label = stage["name"]
        if stage["name"] == "search":
            label = f"search {stage['rate']}"
        labelled.append({**stage, "label": label})
    return labelled


STAGES = stage_labels()
CURRENT_RATE = {"rate": 0.0}


class JourneyShape(LoadTestShape):
    """The stages one after the other; the search ends at the first step over the p95 bound."""

    def __init__(self) -> None:
        super().__init__()
        self._index = -1
        self._stage_started = 0.0

    def _users(self, rate: float) -> int:
        citizens = math.ceil(rate * (1 - CLERK_SHARE) / USER_RATE)
        return citizens + CLERKS.size

    def _search_failed(self, label: str) -> bool:
        result = stage_results(label)["portal"]
        if result["errors"]:
            RECORDER.stopped_because = f"{label}: {result['errors']} errors"
            return True
        if result["p95_ms"] > SEARCH_P95_MS:
            RECORDER.stopped_because = f"{label}: p95 {result['p95_ms']} ms > {SEARCH_P95_MS:g}"
            return True
        return False

    def tick(self) -> tuple[int, float] | None:
        now = time.monotonic()
        if self._index < 0 or now - self._stage_started >= STAGES[self._index]["seconds"]:
            if self._index >= 0:
                finished = STAGES[self._index]
                if finished["name"] == "search" and self._search_failed(finished["label"]):
                    return None
            self._index += 1
            if self._index >= len(STAGES):
                RECORDER.stopped_because = RECORDER.stopped_because or "all stages run"
                return None
            self._stage_started = now
            stage = STAGES[self._index]
            CURRENT_RATE["rate"] = float(stage["rate"])
            RECORDER.enter(f"settle {stage['label']}", now)
        stage = STAGES[self._index]
        if RECORDER.stage.startswith("settle") and now - self._stage_started >= stage["settle"]:
            RECORDER.enter(stage["label"], now)
        users = self._users(float(stage["rate"]))
        return users, max(50.0, float(users))


# --------------------------------------------------------------------------- the users


def citizen_address() -> str:
    return f"10.{CHANCE.randrange(256)}.{CHANCE.randrange(256)}.{CHANCE.randrange(1, 255)}"


def local_path(url: str) -> str:
    """A link or redirect to the portal's public address, as a path on the app server."""
    if url.startswith(PUBLIC_URL):
        return url[len(PUBLIC_URL) :] or "/"
    return url


class Refused(Exception):
    """A response that is not what the journey expects: counted as an error."""


class Portal(FastHttpUser):
    """What every portal user shares: the proxy's headers, paced requests, checked answers."""

    abstract = True
    # Pages are read by whoever sends them; the proxy does not wait for Locust's defaults.
    network_timeout = 30.0
    connection_timeout = 10.0
    journey = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = citizen_address()
        self.steps: Iterator[None] | None = None
        self._due = 0.0  # when this user's next request is due (time.monotonic())
        # The proxy hands the browser's Secure cookies on over its plain connection to the app
        # server; Locust's fast client would keep them back on http://.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=SECURE_HERE))

    def per_user_rate(self) -> float:
        return USER_RATE

    def gap(self) -> float:
        """Seconds from one request's start to the next one's: exponential, so that the
        users' requests together arrive as a Poisson stream at the stage's rate."""
        return CHANCE.expovariate(max(self.per_user_rate(), 0.001))

    def on_start(self) -> None:
        """The first request after a gap of its own, not with the rest of Locust's batch."""
        self._due = time.monotonic() + self.gap()
        gevent.sleep(self._due - time.monotonic())

    def wait_time(self) -> float:
        """Until the next request is due; at once if the last answer took longer than the
        gap (late requests are not made up for: the schedule goes on from now)."""
        now = time.monotonic()
        self._due = max(self._due + self.gap(), now)
        return self._due - now

    def new_citizen(self) -> None:
        self.address = citizen_address()
        self.client.cookiejar.clear()

    def headers(self, referer: str | None = None) -> dict[str, str]:
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "User-Agent": PHONE,
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "de-DE,de;q=0.9",
        }
        if referer:
            headers["Referer"] = PUBLIC_URL + referer
        return headers

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: int = 200,
        data: dict[str, str] | None = None,
        referer: str | None = None,
        contains: str | None = None,
    ) -> FastResponse:
        with self.client.request(
            method,
            path,
            name=name,
            data=data,
            headers=self.headers(referer),
            allow_redirects=False,
            catch_response=True,
            context={"journey": self.journey},
        ) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}, expected {expect}")
                raise Refused(name)
            if contains is not None and contains not in (response.text or ""):
                response.failure(f"answer without {contains!r}")
                raise Refused(name)
            response.success()
            return response

    def get(self, path: str, name: str, **options: Any) -> FastResponse:
        return self.call("GET", path, name, **options)

    def post(self, path: str, name: str, **options: Any) -> FastResponse:
        return self.call("POST", path, name, **options)

    def location(self, response: FastResponse) -> str:
        return local_path(location_of(response))

    def journeys(self) -> Iterator[None]:
        raise NotImplementedError

    @task
    def step(self) -> None:
        """One request of the current journey; a refused answer ends the journey."""
        if self.steps is None:
            self.steps = self.journeys()
        try:
            next(self.steps)
        except (Refused, StopIteration):
            self.steps = None


def location_of(response: FastResponse) -> str:
    headers = response.headers
    return str((headers.get("Location") if headers is not None else None) or "")


def csrf(response: FastResponse) -> str:
    found = CSRF.search(response.text or "")
    if found is None:
        raise Refused("page without CSRF token")
    return found.group(1)


class Citizen(Portal):
    """A citizen on a phone: one journey after the other, each as somebody else."""

    weight = 1

    def journeys(self) -> Iterator[None]:
        kinds, weights = zip(*JOURNEY_WEIGHTS.items(), strict=True)
        while True:
            self.journey = CHANCE.choices(kinds, weights)[0]
            self.new_citizen()
            yield from getattr(self, f"journey_{self.journey}")()

    def journey_fine(self) -> Iterator[None]:
        """The letter's QR code, the case, paying on the platform, the receipt."""
        qr = self.get(LETTERS.take(), "fine: letter QR /b/<token>", expect=302)
        case_path = self.location(qr)
        yield
        case = self.get(case_path, "fine: case page")
        yield
        form = PAY_FORM.search(case.text or "")
        if form is None:  # a case paid in an earlier round of the letters
            return
        started = self.post(
            form.group(1),
            "fine: pay online",
            expect=302,
            data={"csrf_token": csrf(case)},
            referer=case_path,
        )
        yield
        back = self.pay_on_platform(location_of(started))
        returned = self.get(back, "fine: back from the platform", expect=302)
        yield
        notice_path = self.location(returned)
        notice = self.get(
            notice_path,
            "fine: notice paid /zahlungen/<kz>",
            contains="Ihre Zahlung ist eingegangen und verbucht",
        )
        yield
        self.get(case_path, "fine: case page paid", contains="Bezahlt")
        yield
        proof = PROOF_LINK.search(notice.text or "")
        if proof is None:
            raise Refused("paid notice without its proof of payment")
        self.get(proof.group(1), "fine: receipt PDF /zahlungen/<kz>/zahlungsbestaetigung.pdf")
        yield

    def pay_on_platform(self, url: str) -> str:
        """The platform's payment page: look, pay; returns where it sends the citizen back."""
        context = {"journey": "platform"}
        with self.client.get(
            url,
            name="platform: payment page",
            context=context,
            allow_redirects=False,
            catch_response=True,
        ) as page:
            if page.status_code != 200:
                page.failure(f"HTTP {page.status_code}")
                raise Refused("platform page")
            token = csrf(page)
            method = METHOD.search(page.text or "")
        with self.client.post(
            url,
            name="platform: pay",
            data={
                "csrf_token": token,
                "outcome": "PAYED",
                "method": method.group(1) if method else "PayPal",
            },
            headers={"Referer": url},
            context=context,
            allow_redirects=False,
            catch_response=True,
        ) as paid:
            if paid.status_code != 302:
                paid.failure(f"HTTP {paid.status_code}")
                raise Refused("platform pay")
            return local_path(location_of(paid))

    def journey_lookup(self) -> Iterator[None]:
        """Bescheid bezahlen: find the notice by Kassenzeichen and amount."""
        notice = NOTICES.take()
        page = self.get("/zahlungen/", "lookup: form /zahlungen/")
        yield
        found = self.post(
            "/zahlungen/",
            "lookup: send Kassenzeichen and amount",
            expect=302,
            data={
                "csrf_token": csrf(page),
                "kassenzeichen": notice["kassenzeichen"],
                "amount": notice["amount"],
            },
            referer="/zahlungen/",
        )
        yield
        self.get(self.location(found), "lookup: notice /zahlungen/<kz>", contains="Kassenzeichen")
        yield

    def journey_kita(self) -> Iterator[None]:
        """A Kita registration step by step without JavaScript, checked and sent."""
        child = CHANCE.randrange(1_000_000)
        begin = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400))
        steps = kita_steps(child, begin)
        path = f"{KITA}/kind"
        page = self.get(path, "kita: step page")
        yield
        for step, values in steps:
            sent = self.post(
                f"{KITA}/{step}",
                "kita: send a step",
                expect=303,
                data={"csrf_token": csrf(page), **values},
                referer=path,
            )
            yield
            path = self.location(sent)
            name = "kita: check page" if path.endswith("/pruefen") else "kita: step page"
            page = self.get(path, name)
            yield
        submission = SUBMISSION_ID.search(page.text or "")
        if submission is None:
            raise Refused("check page without submission id")
        sent = self.post(
            f"{KITA}/absenden",
            "kita: submit",
            expect=303,
            data={"csrf_token": csrf(page), "submission_id": submission.group(1)},
            referer=path,
        )
        yield
        self.get(self.location(sent), "kita: confirmation", contains="Eingangsnummer")
        yield


class Clerk(Portal):
    """A clerk of the fines office, the youth office and the cash office at the queues."""

    fixed_count = CLERKS.size
    journey = "clerk"

    def per_user_rate(self) -> float:
        return max(CURRENT_RATE["rate"] * CLERK_SHARE / max(CLERKS.size, 1), 0.05)

    def on_start(self) -> None:
        """Password, then the authenticator's code (the login is not part of the mix)."""
        super().on_start()
        account = CLERKS.take()
        self.journey = "setup"
        try:
            page = self.get("/verwaltung/anmelden", "setup: clerk login page")
            self.post(
                "/verwaltung/anmelden",
                "setup: clerk password",
                expect=302,
                data={
                    "csrf_token": csrf(page),
                    "username": account["username"],
                    "password": account["password"],
                },
                referer="/verwaltung/anmelden",
            )
            code_page = self.get("/verwaltung/anmelden/code", "setup: clerk code page")
            self.post(
                "/verwaltung/anmelden/code",
                "setup: clerk code",
                expect=302,
                data={
                    "csrf_token": csrf(code_page),
                    "code": pyotp.TOTP(account["totp_secret"]).now(),
                },
                referer="/verwaltung/anmelden/code",
            )
        except Refused as refused:
            raise StopUser() from refused
        finally:
            self.journey = "clerk"

    def journeys(self) -> Iterator[None]:
        while True:
            self.get("/verwaltung/", "clerk: overview /verwaltung/")
            yield
            self.get("/verwaltung/bussgeld/", "clerk: fines queue")
            yield
            inbox = self.get(KITA_INBOX, "clerk: Kita inbox")
            yield
            links = INBOX_LINK.findall(inbox.text or "")
            if links:
                self.get(CHANCE.choice(links), "clerk: Kita registration")
                yield
            self.get("/verwaltung/kasse/klaerung", "clerk: clarification queue")
            yield
