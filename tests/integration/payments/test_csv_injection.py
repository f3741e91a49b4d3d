"""A debtor's name that is a spreadsheet formula is neutralised in every CSV the portal writes
(command line and back office), and kept as it is in the JSON export."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask

from server.auth.roles import Role
from server.formatting import city_today
from server.payments.statement_import import import_statement_file
from tests.checking_client import checking_client
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_statements import camt, credit, receivable, transfer

FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"


def booked_with_formula_debtor(app: Flask) -> None:
    with app.app_context():
        target = receivable(app, 2500)
        import_statement_file(
            camt(credit("E1", 2500, transfer(2500, rf=target.rf_reference, name=FORMULA)))
        )


def only_row(text: str) -> dict[str, str]:
    [row] = list(csv.DictReader(io.StringIO(text)))
    return row


def test_the_cli_export_neutralises_the_debtor_name(app: Flask) -> None:
    booked_with_formula_debtor(app)
    day = city_today().isoformat()
    runner = app.test_cli_runner()
    as_csv = runner.invoke(args=["payments", "export", "--date", day, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    row = only_row(as_csv.stdout)
    assert row["counterparty_name"] == "'" + FORMULA
    assert row["amount"] == "25.00"
    assert FORMULA not in as_csv.stdout.replace("'" + FORMULA, "")
    as_json = runner.invoke(args=["payments", "export", "--date", day, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    [booking] = json.loads(as_json.stdout)["bookings"]
    assert booking["counterparty_name"] == FORMULA


def test_the_back_office_download_neutralises_the_debtor_name(app: Flask) -> None:
    booked_with_formula_debtor(app)
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "kasse")
    day = city_today().isoformat()
    download = clerk.get(f"/verwaltung/kasse/export?datum={day}")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert only_row(download.get_data(as_text=True))["counterparty_name"] == "'" + FORMULA
    disposition = download.headers["Content-Disposition"]
    disposition.encode("latin-1")
    assert f'filename="buchungen-{day}.csv"' in disposition
    as_json = clerk.get(f"/verwaltung/kasse/export?datum={day}&format=json")
    assert json.loads(as_json.get_data())["bookings"][0]["counterparty_name"] == FORMULA
