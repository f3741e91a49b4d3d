"""Seed a throwaway portal database for the journey mix (``bench/journey_mix.py``).

    <venv>/bin/python -m bench.journey_seed --out seed.json [--cases 5000] [--notices 2000]

Run with the portal's own environment (``DATABASE_URL``, ``SECRET_KEY``, ``PORTAL_ENV``...):
the app is built from it as ``portal serve`` builds it, so the clerks' sealed TOTP secrets and
the Kassenzeichen scheme are the server's. Everything goes through the domain functions (cases
with their receivables and letters, notices, Kita submissions, clerks with a second factor), in
batches of one transaction each. The only shortcut: the letters' typed access codes share one
Argon2 hash (hashing one per letter would take minutes, and the mix opens cases by the letter's
QR link, whose token is each letter's own).

Writes what the load script needs: the letters' QR paths, the notices' Kassenzeichen and
amounts, the clerks' usernames, passwords and TOTP secrets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask, url_for

from server.formatting import city_today

BATCH = 500
# Names as a city's letters print them: their letters vary from one receipt to the next, so a
# receipt's fonts print other glyphs than the last one's as often as in life.
GIVEN_NAMES = (
    "Erika",
    "Jürgen",
    "Özlem",
    "Zoë",
    "Maximilian",
    "Quirin",
    "Yvonne",
    "Xaver",
    "Björn",
    "Françoise",
    "Łucja",
    "Ängela",
    "Kübra",
    "Václav",
    "Joanna",
    "Fynn",
    "Gülşen",
    "Hannah",
)
FAMILY_NAMES = (
    "Mustermann",
    "Groß",
    "Öztürk",
    "Weißbach",
    "Quandt",
    "Yilmaz",
    "Kowalczyk",
    "Dvořák",
    "Schäfer",
    "Jäger",
    "Zimmermann",
    "Vogt",
    "Nguyễn",
    "Ehrlich",
    "Pfeiffer",
    "Lindqvist",
)


def citizen_name(index: int) -> str:
    return (
        f"{GIVEN_NAMES[index % len(GIVEN_NAMES)]} "
        f"{FAMILY_NAMES[(index // len(GIVEN_NAMES)) % len(FAMILY_NAMES)]}"
    )


CLERK_ROLES = ("fines", "youth_office", "cash_office")
KITA_SERVICE = "kita-anmeldung"


def euro_text(cents: int) -> str:
    """The amount as the notice prints it and a citizen types it: ``25,00``."""
    return f"{cents // 100},{cents % 100:02d}"


def seed_clerks(count: int) -> list[dict[str, str]]:
    from server.auth.clerks import create_clerk, find_clerk
    from server.auth.roles import Role
    from server.auth.second_factor import enrol_with_secret

    clerks = []
    for number in range(1, count + 1):
        username = f"bench-clerk-{number}"
        password = secrets.token_urlsafe(18)
        secret = pyotp.random_base32()
        if find_clerk(username) is not None:
            raise SystemExit(f"clerk {username} exists: seed an empty database")
        clerk = create_clerk(
            username=username,
            display_name=f"Bench Clerk {number}",
            password=password,
            roles=[Role(role) for role in CLERK_ROLES],
        )
        enrol_with_secret(clerk, secret)
        clerks.append({"username": username, "password": password, "totp_secret": secret})
    return clerks


def _receivables(session: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert receivables with the next Kassenzeichen of the sequence, as ``add_receivable``
    numbers them, in one statement; returns their ids in order."""
    from sqlalchemy import insert, select

    from server.payments.models import Receivable, Sequence
    from server.payments.receivables import KASSENZEICHEN_SEQUENCE, kassenzeichen_scheme
    from server.payments.references import make_kassenzeichen, rf_reference

    sequence = session.execute(
        select(Sequence).where(Sequence.name == KASSENZEICHEN_SEQUENCE).with_for_update()
    ).scalar_one_or_none()
    if sequence is None:
        sequence = Sequence(name=KASSENZEICHEN_SEQUENCE, last_value=0)
        session.add(sequence)
    scheme = kassenzeichen_scheme()
    for row in rows:
        sequence.last_value += 1
        row["kassenzeichen"] = make_kassenzeichen(sequence.last_value, scheme)
        row["rf_reference"] = rf_reference(row["kassenzeichen"])
        row["access_token_hash"] = hashlib.sha256(secrets.token_bytes(24)).hexdigest()
        row.setdefault("currency", "EUR")
    session.flush()
    inserted = session.execute(
        insert(Receivable).returning(Receivable.id, sort_by_parameter_order=True), rows
    )
    return list(inserted.scalars())


def seed_cases(count: int) -> list[str]:
    """Fine cases with their receivable and first letter, as ``add_case`` and ``claim_letter``
    write them, inserted in bulk; returns the letters' QR paths."""
    from sqlalchemy import insert, update

    from server.db import utcnow
    from server.extensions import db
    from server.fines import credentials
    from server.fines.cases import PAYMENT_PERIOD, PURPOSE, find_offence, sync_offences
    from server.fines.models import CaseEvent, CaseKind, FineCase
    from server.fines.offences_data import OFFENCES
    from server.formatting import city_time, city_today

    sync_offences()
    offences = [find_offence(definition.number) for definition in OFFENCES[:20]]
    shared_code_hash = credentials.hash_access_code(credentials.new_access_code())
    now = utcnow()
    deadline = city_today() + PAYMENT_PERIOD
    paths = []
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        tokens = [credentials.new_url_token() for _ in numbers]
        cases: list[dict[str, Any]] = []
        for index, token in zip(numbers, tokens, strict=True):
            offence = offences[index % len(offences)]
            assert offence is not None
            cases.append(
                {
                    "kind": CaseKind.WARNING.value,
                    "offence_id": offence.id,
                    "offence_at": now - timedelta(days=2 + index % 10, minutes=index % 600),
                    "place": f"Marktplatz {index % 90 + 1}",
                    "plate": f"MU-B {index % 9000 + 1}",
                    "amount_cents": offence.amount_cents,
                    "deadline": deadline,
                    "holder_name": citizen_name(index),
                    "holder_street": f"Hauptstraße {index % 200 + 1}",
                    "holder_postcode_city": "12345 Musterstadt",
                    "url_token_hash": credentials.url_token_hash(token),
                    "access_code_hash": shared_code_hash,
                    "letter_issued_at": now,
                    "letters_issued": 1,
                }
            )
        with db.transaction() as session:
            ids = list(
                session.execute(
                    insert(FineCase).returning(FineCase.id, sort_by_parameter_order=True), cases
                ).scalars()
            )
            files = [
                f"BG-{city_time(c['offence_at']).year}-{i:06d}"
                for c, i in zip(cases, ids, strict=True)
            ]
            receivables = _receivables(
                session,
                [
                    {
                        "purpose": PURPOSE,
                        "purpose_ref": aktenzeichen,
                        "amount_cents": case["amount_cents"],
                        "description": f"Verwarnungsgeld {aktenzeichen}",
                        "debtor_name": case["holder_name"],
                        "due_date": deadline,
                    }
                    for case, aktenzeichen in zip(cases, files, strict=True)
                ],
            )
            session.execute(  # ORM bulk UPDATE by primary key
                update(FineCase),
                [
                    {"id": i, "aktenzeichen": f, "receivable_id": r}
                    for i, f, r in zip(ids, files, receivables, strict=True)
                ],
            )
            session.execute(
                insert(CaseEvent),
                [
                    {"case_id": i, "kind": kind, "detail": detail, "actor": "system"}
                    for i, case in zip(ids, cases, strict=True)
                    for kind, detail in (("created", case["plate"]), ("letter", ""))
                ],
            )
        paths += [url_for("fines.letter_link", token=token) for token in tokens]
    return paths


def seed_notices(count: int) -> list[dict[str, str]]:
    """Notices (Bescheide) to be found by Kassenzeichen and amount."""
    from server.extensions import db

    notices = []
    due = city_today() + timedelta(days=14)
    for start in range(0, count, BATCH):
        rows: list[dict[str, Any]] = [
            {
                "purpose": "notice",
                "amount_cents": 1500 + (index * 250) % 48_500,
                "description": "Gebührenbescheid Sondernutzung",
                "debtor_name": citizen_name(index + 7),
                "due_date": due,
            }
            for index in range(start, min(start + BATCH, count))
        ]
        with db.transaction() as session:
            _receivables(session, rows)
        notices += [
            {"kassenzeichen": row["kassenzeichen"], "amount": euro_text(row["amount_cents"])}
            for row in rows
        ]
    return notices


def kita_answers(index: int) -> dict[str, list[str]]:
    begin = (city_today() + timedelta(days=60 + index % 200)).isoformat()
    answers = {
        "kind_vorname": f"Kind{index}",
        "kind_nachname": "Muster",
        "kind_geburtsdatum": "2024-03-01",
        "eltern_vorname": "Erika",
        "eltern_nachname": "Muster",
        "eltern_strasse": "Hauptstraße 5",
        "eltern_plz_ort": "12345 Musterstadt",
        "eltern_email": f"eltern{index}@example.de",
        "zweite_person": "nein",
        "beginn": begin,
        "umfang": "35",
        "kita_1": "kita-regenbogen",
        "kita_2": "kita-pusteblume",
        "kita_3": "",
        "besonderer_bedarf": "nein",
        "einwilligung_daten": "ja",
        "einwilligung_kitas": "ja",
    }
    return {name: [value] for name, value in answers.items()}


def seed_kita(app: Flask, count: int) -> int:
    """Kita registrations waiting in the youth office's inbox."""
    from server.forms.registry import DEFINITIONS
    from server.forms.submissions import receive

    definition = DEFINITIONS[KITA_SERVICE]
    for index in range(count):
        with app.test_request_context("/"):
            receive(
                definition,
                submission_id=str(uuid.uuid4()),
                answers=kita_answers(index),
                files={},
                draft=None,
                citizen_id=None,
            )
    return count


def seed(app: Flask, *, cases: int, notices: int, kita: int, clerks: int) -> dict[str, Any]:
    started = time.perf_counter()
    with app.test_request_context("/"):
        seeded: dict[str, Any] = {
            "clerks": seed_clerks(clerks),
            "letters": seed_cases(cases),
            "notices": seed_notices(notices),
        }
    seeded["kita_submissions"] = seed_kita(app, kita)
    seeded["seconds"] = round(time.perf_counter() - started, 1)
    seeded["seeded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return seeded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the seed (JSON)")
    parser.add_argument("--cases", type=int, default=5000, help="fine cases with letters")
    parser.add_argument("--notices", type=int, default=2000, help="notices to look up")
    parser.add_argument(
        "--kita",
        type=int,
        default=0,
        help="Kita registrations waiting (slow: each renders its receipt PDF)",
    )
    parser.add_argument("--clerks", type=int, default=4, help="clerks (fines, youth, cash)")
    args = parser.parse_args(argv)

    from server import create_app

    app = create_app()
    seeded = seed(app, cases=args.cases, notices=args.notices, kita=args.kita, clerks=args.clerks)
    args.out.write_text(json.dumps(seeded))
    print(
        f"seeded {args.cases} fine cases, {args.notices} notices, {args.kita} Kita "
        f"registrations, {args.clerks} clerks in {seeded['seconds']} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
