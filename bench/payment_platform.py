"""The sandbox payment platform as a server of its own, for the journey mix.

Production refuses the sandbox inside the portal (``SANDBOX_PAYMENTS``), so the journey mix runs
it as what it stands in for: an XBezahldienste platform beside the portal, here the portal's own
code in development mode serving ``/sandbox-zahlung/``, under gunicorn::

    BENCH_NOTIFY_URL=https://portal.../zahlungen/benachrichtigung/xbezahldienste \\
        gunicorn bench.payment_platform:app

The production portal talks to it as to any platform (``PAYMENT_PROVIDER=xbezahldienste``), and
the platform's signed notifications go to the portal's notification URL (``BENCH_NOTIFY_URL``)
instead of its own: in one process the sandbox notifies its own portal.
"""

from __future__ import annotations

import os

from server import create_app
from server.payments.sandbox.notifier import Notifier

app = create_app()
_notifier = app.extensions.get("sandbox_notifier")
if not isinstance(_notifier, Notifier):
    raise RuntimeError("the payment platform needs SANDBOX_PAYMENTS on")
_notifier.url = os.environ["BENCH_NOTIFY_URL"]
