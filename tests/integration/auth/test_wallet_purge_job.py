"""The scheduled job ``wallet-purge`` deletes wallet logins past their expiry, with the nonces,
states and encryption keys they hold, and leaves the running ones alone."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from server.auth.wallet import transactions
from server.auth.wallet.models import Flow, WalletTransaction
from server.auth.wallet.setup import verifier_settings
from server.db import utcnow
from server.extensions import db
from server.jobs.catalogue import find_job
from server.jobs.models import Trigger
from server.jobs.runs import run_job


def test_expired_wallet_logins_are_purged(app: Flask) -> None:
    with app.app_context():
        settings = verifier_settings()  # the development wallet's, outside production
        for started_at in (utcnow() - timedelta(hours=2), utcnow()):
            with db.transaction():
                transactions.start(
                    settings,
                    flow=Flow.CROSS_DEVICE,
                    response_uri="http://localhost/auth/wallet/antwort",
                    request_uri=lambda request_id: f"http://localhost/r/{request_id}",
                    now=started_at,
                )
        job = find_job("wallet-purge")
        assert job is not None
        result = run_job(job, trigger=Trigger.COMMAND)
        assert result.error is None
        left = db.session.scalar(select(func.count()).select_from(WalletTransaction))
        assert left == 1
