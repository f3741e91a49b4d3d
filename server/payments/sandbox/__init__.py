"""The sandbox payment platform: a stand-in for a real XBezahldienste platform.

It speaks the same protocol as real platforms (``server.payments.providers.xbezahldienste``), so
switching to a real one is configuration. It lives in this process under ``/sandbox-zahlung/``,
only where ``SANDBOX_PAYMENTS`` is on (never in production), and shows a payment page on which the
tester decides the outcome. Its notifications are signed, and on purpose delayed, duplicated and
reordered, as real networks deliver them.
"""
