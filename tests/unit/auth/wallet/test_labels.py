from __future__ import annotations

from server.auth.wallet.errors import Reason
from server.auth.wallet.labels import AGAIN, FAILED, NOT_ACCEPTED, REFUSED, failure_label


def test_every_reason_has_words(app_context):
    assert failure_label("wallet:access_denied") is REFUSED
    assert failure_label(Reason.UNTRUSTED_ISSUER) is NOT_ACCEPTED
    assert failure_label(Reason.NOT_AVAILABLE) is AGAIN
    assert failure_label(Reason.SIGNATURE) is FAILED
    assert all(str(failure_label(reason)) for reason in Reason)
