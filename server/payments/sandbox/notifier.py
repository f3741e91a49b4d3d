"""The sandbox's notifications: signed, and delivered as a real network would.

Each change is announced once or twice (a duplicate), possibly together with a stale earlier
status, each after its own random delay, so they may arrive in any order; a delivery the portal
does not answer with 2xx is retried with growing pauses.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field

import requests

from server.logs import get_logger
from server.payments.providers.xbezahldienste import SIGNATURE_HEADER, sign_notification

log = get_logger("sandbox")
RETRY_PAUSES = (1, 2, 4, 8, 16)


@dataclass
class Notifier:
    url: str
    secret: str
    max_delay_seconds: float
    session: requests.Session = field(default_factory=requests.Session)
    synchronous: bool = False  # tests: deliver in the caller's thread, in the drawn order
    rng: random.Random = field(default_factory=random.Random)
    delivered: list[tuple[str, str, int]] = field(default_factory=list)

    def announce(self, transaction_id: str, status: str, previous: str = "INITIAL") -> None:
        hints = [status]
        if self.rng.random() < 0.5:
            hints.append(status)  # a duplicate
        if self.rng.random() < 0.5:
            hints.append(previous)  # a stale one, possibly overtaking the fresh one
        self.rng.shuffle(hints)
        for hint in hints:
            delay = self.rng.uniform(0, self.max_delay_seconds)
            if self.synchronous:
                self._deliver(transaction_id, hint, 0)
            else:
                threading.Thread(
                    target=self._deliver, args=(transaction_id, hint, delay), daemon=True
                ).start()

    def _deliver(self, transaction_id: str, hint: str, delay: float) -> None:
        time.sleep(delay)
        body = json.dumps({"transactionId": transaction_id, "status": hint}).encode()
        for attempt, pause in enumerate((*RETRY_PAUSES, None), start=1):
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign_notification(self.secret, body, int(time.time())),
            }
            try:
                answer = self.session.post(self.url, data=body, headers=headers, timeout=10)
                status_code = answer.status_code
            except requests.RequestException as error:
                log.warning("sandbox notification failed", extra={"error": str(error)})
                status_code = 0
            self.delivered.append((transaction_id, hint, status_code))
            if 200 <= status_code < 300:
                return
            if pause is None or self.synchronous:
                log.warning(
                    "sandbox notification given up",
                    extra={"transaction_id": transaction_id, "attempts": attempt},
                )
                return
            time.sleep(pause)
