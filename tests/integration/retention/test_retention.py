"""The retention job (issue 18): what is due goes with its stored files, what is not yet due or
still has money open stays, every run writes its counts to the audit log, a second run finds
nothing, and `portal retention report` says what will go when. On SQLite and PostgreSQL, with
the files on local disk and in an S3-compatible store."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.appointments.models import Appointment, AppointmentStatus
from server.audit.models import AuditEntry
from server.db import utcnow
from server.extensions import db
from server.files.storage import StorageError, storage
from server.fines.models import CaseStatus, FineCase, HearingStatement, Upload
from server.forms.models import FormStatusEvent, FormSubmission, FormUpload
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from server.payments.models import (
    Booking,
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    ClarificationState,
    OnlinePayment,
    PaymentState,
    Receivable,
)
from server.retention import RunReport, outlook, run_due
from server.retention.deleter import delete_submission
from server.retention.policy import Kind, year_cutoff
from tests.checking_client import CheckingClient
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_fine_case, make_receivable
from tests.integration.appointments.helpers import book, first_time, make_office
from tests.integration.appointments.test_booking import AUSWEIS, bookings
from tests.integration.files.test_upload_storage import (  # noqa: F401 (a fixture)
    s3_endpoint,
    s3_settings,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
LONG_AGO = datetime(2015, 3, 1, 12, 0, tzinfo=UTC)  # before every period's start
LAST_MONTH = NOW - timedelta(days=30)


def _exists(key: str) -> bool:
    try:
        storage().get(key)
    except StorageError:
        return False
    return True


def _put(key: str) -> str:
    storage().put(key, b"\xff\xd8 a photo", "image/jpeg")
    return key


def _pay_in_full(receivable_id: int, at: datetime) -> None:
    with db.transaction() as session:
        receivable = session.get(Receivable, receivable_id)
        assert receivable is not None
        session.add(
            Booking(
                receivable_id=receivable_id,
                kind=BookingKind.PAYMENT.value,
                amount_cents=receivable.amount_cents,
                source=BookingSource.BANK.value,
                source_ref=f"test:{uuid.uuid4().hex}",
                booked_at=at,
            )
        )


def _decided_case(app: Flask, status: CaseStatus, closed_at: datetime, *, paid: bool) -> int:
    made = make_fine_case(app)
    case_id = int(made["case_id"])
    with app.app_context():
        with db.transaction() as session:
            session.execute(
                update(FineCase)
                .where(FineCase.id == case_id)
                .values(status=status.value, closed_at=closed_at)
            )
        case = db.session.get(FineCase, case_id)
        assert case is not None
        assert case.receivable_id is not None
        if paid:
            _pay_in_full(case.receivable_id, closed_at)
    return case_id


def _with_files(case_id: int) -> dict[str, str]:
    """An evidence photo and a statement with one attachment; returns their storage keys."""
    keys = {
        "evidence": _put(f"fines/{case_id}/e{uuid.uuid4().hex}.jpg"),
        "attachment": _put(f"fines/{case_id}/a{uuid.uuid4().hex}.jpg"),
    }
    with db.transaction() as session:
        statement = HearingStatement(
            case_id=case_id,
            submission_id=uuid.uuid4().hex,
            kind="nominate",
            text="Ich bin nicht gefahren.",
            person_name="Erika Mustermann",
            person_street="Hauptstraße 5",
            person_postcode_city="12345 Musterstadt",
            driver_name="Max Mustermann",
        )
        session.add(statement)
        session.flush()
        for name, key in keys.items():
            session.add(
                Upload(
                    case_id=case_id,
                    statement_id=statement.id if name == "attachment" else None,
                    stored_name=key.rpartition("/")[2],
                    original_name="foto.jpg",
                    content_type="image/jpeg",
                    size=10,
                    sha256=uuid.uuid4().hex,
                    evidence=name == "evidence",
                )
            )
    return keys


def _submission(
    service: str, status: str, changed_at: datetime, *, kassenzeichen: str | None = None
) -> tuple[int, str]:
    key = _put(f"forms/{uuid.uuid4().hex}.jpg")
    with db.transaction() as session:
        submission = FormSubmission(
            submission_id=str(uuid.uuid4()),
            reference=f"T-{uuid.uuid4().hex[:12]}",
            service=service,
            role="test",
            answers={"name": "Erika Mustermann"},
            status=status,
            received_at=changed_at,
            status_changed_at=changed_at,
            kassenzeichen=kassenzeichen,
        )
        session.add(submission)
        session.flush()
        session.add(
            FormStatusEvent(submission_id=submission.id, status=status, actor="test", at=changed_at)
        )
        session.add(
            FormUpload(
                submission_id=submission.id,
                field="nachweis",
                storage_key=key,
                original_name="foto.jpg",
                content_type="image/jpeg",
                size=10,
                sha256=uuid.uuid4().hex,
            )
        )
    return submission.id, key


def _entries(action: str = "retention.run") -> dict[str, str]:
    rows = db.session.execute(
        select(AuditEntry.record_id, AuditEntry.detail).where(AuditEntry.action == action)
    )
    return {record_id: detail for record_id, detail in rows}


def test_fine_cases_and_statements_go_with_their_files_unless_money_is_open(app: Flask) -> None:
    due = _decided_case(app, CaseStatus.PAID, LONG_AGO, paid=True)
    unpaid = _decided_case(app, CaseStatus.DISCONTINUED, LONG_AGO, paid=False)
    recent = _decided_case(app, CaseStatus.PAID, LAST_MONTH, paid=True)
    undecided = int(make_fine_case(app)["case_id"])
    with app.app_context():
        files = {case: _with_files(case) for case in (due, unpaid, recent, undecided)}
        with db.transaction() as session:  # an old case, still waiting for a decision
            session.execute(
                update(FineCase).where(FineCase.id == undecided).values(created_at=LONG_AGO)
            )

        report = run_due(NOW)

        kept = set(db.session.scalars(select(FineCase.id)))
        assert due not in kept
        assert {unpaid, recent, undecided} <= kept
        assert not _exists(files[due]["evidence"])
        assert not _exists(files[due]["attachment"])
        for case in (unpaid, recent, undecided):
            assert _exists(files[case]["evidence"])
        # Statements go by their own period; the unpaid case's is decided long ago too.
        assert not _exists(files[unpaid]["attachment"])
        assert _exists(files[recent]["attachment"])
        assert _exists(files[undecided]["attachment"])
        statements = set(db.session.scalars(select(HearingStatement.case_id)))
        assert statements == {recent, undecided}
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 5

        assert report.result(Kind.HEARING_STATEMENTS).deleted == 2
        assert report.result(Kind.HEARING_STATEMENTS).files == 2
        assert (report.result(Kind.FINE_CASES).deleted, report.result(Kind.FINE_CASES).files) == (
            1,
            1,
        )
        entries = _entries()
        assert entries["fine_cases"] == "deleted=1 files=1 failed=0 anonymised=0"
        assert entries["hearing_statements"] == "deleted=2 files=2 failed=0 anonymised=0"
        assert set(entries) == {kind.value for kind in Kind}

        again = run_due(NOW)
        assert all(r.deleted == r.files == r.failed == 0 for r in again.results)
        assert db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention.run")
        ) == 2 * len(Kind)


def test_a_case_forwarded_from_goes_and_the_new_case_stays(app: Flask) -> None:
    old = _decided_case(app, CaseStatus.FORWARDED, LONG_AGO, paid=True)
    new = int(make_fine_case(app)["case_id"])
    with app.app_context():
        with db.transaction() as session:
            session.execute(
                update(FineCase).where(FineCase.id == new).values(forwarded_from_id=old)
            )
        run_due(NOW)
        assert set(db.session.scalars(select(FineCase.id))) == {new}


def test_submissions_and_certificate_orders_go_when_final_and_due(app: Flask) -> None:
    open_receivable, kassenzeichen, _token = make_receivable(app)
    with app.app_context():
        _contact_due, contact_file = _submission("kontakt", "erledigt", LONG_AGO)
        contact_open, open_file = _submission("kontakt", "eingegangen", LONG_AGO)
        contact_recent, recent_file = _submission("kontakt", "beantwortet", LAST_MONTH)
        _order_due, order_file = _submission("urkunden", "versandt", LONG_AGO)
        order_unpaid, unpaid_file = _submission(
            "urkunden", "abgelehnt", LONG_AGO, kassenzeichen=kassenzeichen
        )

        report = run_due(NOW)

        kept = set(db.session.scalars(select(FormSubmission.id)))
        assert kept == {contact_open, contact_recent, order_unpaid}
        assert not _exists(contact_file)
        assert not _exists(order_file)
        assert _exists(open_file)
        assert _exists(recent_file)
        assert _exists(unpaid_file)
        assert db.session.scalar(select(func.count()).select_from(FormUpload)) == 3
        assert db.session.scalar(select(func.count()).select_from(FormStatusEvent)) == 3
        assert report.result(Kind.FORM_SUBMISSIONS).deleted == 1
        assert report.result(Kind.CERTIFICATE_ORDERS).files == 1
        assert db.session.get(Receivable, open_receivable) is not None


def test_a_submission_that_changed_meanwhile_is_kept(app: Flask) -> None:
    with app.app_context():
        submission, key = _submission("kontakt", "erledigt", LONG_AGO)
        cutoff = year_cutoff(Kind.FORM_SUBMISSIONS, NOW)
        with db.transaction() as session:  # a clerk's change between finding and deleting
            session.execute(
                update(FormSubmission)
                .where(FormSubmission.id == submission)
                .values(status_changed_at=LAST_MONTH)
            )
        assert delete_submission(submission, cutoff, Kind.FORM_SUBMISSIONS).records == 0
        assert db.session.get(FormSubmission, submission) is not None
        assert _exists(key)
        # Deleting what another server deleted already is nothing, not an error.
        with db.transaction() as session:
            session.execute(
                update(FormSubmission)
                .where(FormSubmission.id == submission)
                .values(status_changed_at=LONG_AGO)
            )
        assert delete_submission(submission, cutoff, Kind.FORM_SUBMISSIONS).records == 1
        assert delete_submission(submission, cutoff, Kind.FORM_SUBMISSIONS).records == 0


def _old_receivable(app: Flask, *, last_booking: datetime | None, created: datetime) -> int:
    receivable_id, _kz, _token = make_receivable(app)
    with app.app_context():
        with db.transaction() as session:
            session.execute(
                update(Receivable).where(Receivable.id == receivable_id).values(created_at=created)
            )
        if last_booking is not None:
            _pay_in_full(receivable_id, last_booking)
    return receivable_id


def test_the_journal_goes_only_after_ten_years_and_never_with_money_open(app: Flask) -> None:
    eleven_years = datetime(2015, 2, 1, tzinfo=UTC)
    nine_years = datetime(2017, 2, 1, tzinfo=UTC)
    settled = _old_receivable(app, last_booking=eleven_years, created=eleven_years)
    recent = _old_receivable(app, last_booking=nine_years, created=eleven_years)
    unpaid = _old_receivable(app, last_booking=None, created=eleven_years)
    in_question = _old_receivable(app, last_booking=eleven_years, created=eleven_years)
    of_a_case = _decided_case(app, CaseStatus.PAID, LAST_MONTH, paid=False)
    with app.app_context():
        case = db.session.get(FineCase, of_a_case)
        assert case is not None
        assert case.receivable_id is not None
        case_receivable = case.receivable_id
        with db.transaction() as session:
            session.execute(
                update(Receivable)
                .where(Receivable.id == case_receivable)
                .values(created_at=eleven_years)
            )
        _pay_in_full(case_receivable, eleven_years)
        with db.transaction() as session:
            session.add(
                OnlinePayment(
                    request_id=uuid.uuid4().hex,
                    receivable_id=settled,
                    provider="sandbox",
                    amount_cents=2500,
                    state=PaymentState.PAID.value,
                    created_at=eleven_years,
                    updated_at=eleven_years,
                )
            )
            session.add(  # decided long ago: goes with the receivable
                Clarification(
                    reason=ClarificationReason.DUPLICATE_PAYMENT.value,
                    state=ClarificationState.ACCEPTED.value,
                    source_ref=f"test:{uuid.uuid4().hex}",
                    receivable_id=settled,
                    amount_cents=100,
                    created_at=eleven_years,
                    resolved_at=eleven_years,
                )
            )
            session.add(  # undecided: the cash office may still book it there
                Clarification(
                    reason=ClarificationReason.UNKNOWN_REFERENCE.value,
                    state=ClarificationState.OPEN.value,
                    source_ref=f"test:{uuid.uuid4().hex}",
                    suggested_receivable_id=in_question,
                    amount_cents=100,
                    created_at=eleven_years,
                )
            )

        report = run_due(NOW)

        kept = set(db.session.scalars(select(Receivable.id)))
        assert settled not in kept
        assert {recent, unpaid, in_question, case_receivable} <= kept
        assert report.result(Kind.JOURNAL).deleted == 1
        assert (
            db.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.receivable_id == settled)
            )
            == 0
        )
        assert db.session.scalar(select(func.count()).select_from(OnlinePayment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Clarification)) == 1

        # A setting below the statutory ten years deletes nothing sooner.
        app.config["RETENTION_JOURNAL_YEARS"] = 1
        assert run_due(NOW).result(Kind.JOURNAL).deleted == 0
        assert recent in set(db.session.scalars(select(Receivable.id)))


def test_old_audit_entries_go_but_not_the_record_of_deletions(app: Flask) -> None:
    with app.app_context():
        with db.transaction() as session:
            for at, action in (
                (LONG_AGO, "fines.case.view"),
                (LONG_AGO, "retention.run"),
                (LAST_MONTH, "fines.case.view"),
            ):
                session.add(
                    AuditEntry(
                        at=at, actor="clerk:x", action=action, record_type="t", record_id="1"
                    )
                )
        report = run_due(NOW)
        assert report.result(Kind.AUDIT_ENTRIES).deleted == 1
        left = [
            (at.year, action)
            for at, action in db.session.execute(select(AuditEntry.at, AuditEntry.action))
        ]
        assert (LONG_AGO.year, "retention.run") in left
        assert [e for e in left if e[1] == "fines.case.view"] == [(NOW.year, "fines.case.view")]
        assert _entries()["audit_entries"] == "deleted=1 files=0 failed=0 anonymised=0"


def test_the_report_says_what_goes_when(app: Flask) -> None:
    december = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    with app.app_context():
        _submission("kontakt", "erledigt", datetime(2024, 5, 1, tzinfo=UTC))  # 1 January 2027
        _submission("kontakt", "erledigt", datetime(2023, 5, 1, tzinfo=UTC))  # due now
        _submission("kontakt", "erledigt", datetime(2025, 5, 1, tzinfo=UTC))  # 1 January 2028
        seen = {item.kind: item for item in outlook(december)}
        assert seen[Kind.FORM_SUBMISSIONS].due == (1, 2, 2)
        assert "RETENTION_FORM_SUBMISSION_YEARS" in seen[Kind.FORM_SUBMISSIONS].period
        assert seen[Kind.JOURNAL].due == (0, 0, 0)

        today = {item.kind: item.due for item in outlook()}

    result = app.test_cli_runner().invoke(args=["retention", "report"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "kind",
        "due",
        "now",
        "in",
        "30",
        "days",
        "in",
        "90",
        "days",
        "period",
    ]
    row = next(line for line in lines if line.startswith("form_submissions"))
    assert row.split()[1:4] == [str(count) for count in today[Kind.FORM_SUBMISSIONS]]
    assert "2 years after the end of the year (RETENTION_FORM_SUBMISSION_YEARS)" in row
    assert len(lines) == 1 + len(Kind)

    ran = app.test_cli_runner().invoke(args=["retention", "run"])
    assert ran.exit_code == 0, ran.output
    due_now = today[Kind.FORM_SUBMISSIONS][0]
    assert f"form_submissions: {due_now} deleted, {due_now} file(s)" in ran.output


@pytest.fixture
def s3_app(backend: str, s3_endpoint: str) -> Iterator[Flask]:  # noqa: F811
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    app = make_test_app(backend, **s3_settings(s3_endpoint, bucket))
    app.extensions["upload_storage"].client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_files_in_the_object_store_go_too(s3_app: Flask) -> None:
    due = _decided_case(s3_app, CaseStatus.PAID, LONG_AGO, paid=True)
    with s3_app.app_context():
        case_files = _with_files(due)
        submission, form_file = _submission("kontakt", "erledigt", LONG_AGO)
        kept, kept_file = _submission("kontakt", "erledigt", LAST_MONTH)
        client = storage().client  # type: ignore[attr-defined]
        bucket = s3_app.config["UPLOAD_S3_BUCKET"]

        def objects() -> set[str]:
            listed = client.list_objects_v2(Bucket=bucket)
            return {item["Key"] for item in listed.get("Contents", [])}

        assert len(objects()) == 4
        run_due(NOW)
        assert objects() == {f"portal/{kept_file}"}
        assert not _exists(case_files["evidence"])
        assert not _exists(form_file)
        assert set(db.session.scalars(select(FormSubmission.id))) == {kept}
        assert db.session.get(FormSubmission, submission) is None


def test_a_file_the_store_cannot_remove_keeps_its_record_for_the_next_run(app: Flask) -> None:
    with app.app_context():
        submission, key = _submission("kontakt", "erledigt", LONG_AGO)
        real = app.extensions["upload_storage"]

        class Failing:
            def delete(self, key: str) -> None:
                raise StorageError("store unreachable")

        app.extensions["upload_storage"] = Failing()
        try:
            report = run_due(NOW)
        finally:
            app.extensions["upload_storage"] = real
        assert report.result(Kind.FORM_SUBMISSIONS).failed == 1
        assert db.session.get(FormSubmission, submission) is not None
        assert "failed=1" in _entries()["form_submissions"]

        assert run_due(NOW).result(Kind.FORM_SUBMISSIONS).deleted == 1
        assert not _exists(key)


def test_two_servers_running_at_once_delete_each_record_once(app: Flask) -> None:
    cases = [_decided_case(app, CaseStatus.PAID, LONG_AGO, paid=True) for _ in range(3)]
    with app.app_context():
        files = [_with_files(case)["evidence"] for case in cases]
        submissions = [_submission("kontakt", "erledigt", LONG_AGO) for _ in range(6)]
    start = threading.Barrier(2)
    reports: list[RunReport] = []

    def server() -> None:
        with app.app_context():
            start.wait()
            reports.append(run_due(NOW))

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(reports) == 2
    for kind, expected in (
        (Kind.FINE_CASES, 3),
        (Kind.HEARING_STATEMENTS, 3),
        (Kind.FORM_SUBMISSIONS, 6),
    ):
        assert sum(report.result(kind).deleted for report in reports) == expected, kind
    assert all(result.failed == 0 for report in reports for result in report.results)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FineCase)) == 0
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0
        assert not any(_exists(key) for key in files + [key for _id, key in submissions])


def test_the_appointments_purge_runs_with_the_job_and_the_report_counts_it(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    for email in ("alt@example.de", "verfallen@example.de", "neu@example.de"):
        zeit = first_time(client, office, AUSWEIS)
        assert book(client, office, zeit, AUSWEIS, email=email).status_code == 303
    old, lapsed, _recent = bookings(app)
    now = utcnow()
    with app.app_context():
        with db.transaction() as session:
            session.execute(
                update(Appointment)
                .where(Appointment.id == old.id)
                .values(
                    status=AppointmentStatus.CONFIRMED.value,
                    starts_at=now - timedelta(days=170),
                    ends_at=now - timedelta(days=170) + timedelta(minutes=20),
                )
            )
            session.execute(
                update(Appointment)
                .where(Appointment.id == lapsed.id)
                .values(status=AppointmentStatus.EXPIRED.value, created_at=now - timedelta(days=40))
            )
        seen = {item.kind: item for item in outlook()}
        assert seen[Kind.APPOINTMENTS].due == (1, 2, 2)  # the old one is nameless in 13 days
        assert "APPOINTMENT_KEEP_DAYS" in seen[Kind.APPOINTMENTS].period

        result = run_due().result(Kind.APPOINTMENTS)
        assert (result.deleted, result.anonymised) == (1, 0)
        assert _entries()["appointments"] == "deleted=1 files=0 failed=0 anonymised=0"


def _mail(recipient: str, *, sent: datetime | None = None, failed: datetime | None = None) -> int:
    with db.transaction() as session:
        mail = queue_mail(
            recipient=recipient,
            subject="Zahlungsbestätigung",
            body=f"Guten Tag, {recipient}",
            attachment_name="quittung.pdf",
            attachment=b"%PDF-1.7",
            dedupe_key=f"proof:{recipient}",
        )
        session.flush()
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id)
            .values(sent_at=sent, failed_at=failed, last_error="550" if failed else None)
        )
        return mail.id


def test_mails_are_blanked_after_sending_and_failed_ones_deleted(app: Flask) -> None:
    keep = timedelta(days=app.config["MAIL_KEEP_DAYS"])
    with app.app_context():
        old = _mail("alt@example.org", sent=NOW - keep - timedelta(days=1))
        recent = _mail("neu@example.org", sent=NOW - keep + timedelta(days=1))
        gave_up = _mail("weg@example.org", failed=NOW - keep - timedelta(days=1))
        failing = _mail("wartet@example.org", failed=NOW - timedelta(days=1))
        waiting = _mail("bald@example.org")
        assert {item.kind: item for item in outlook(NOW)}[Kind.MAILS].due[0] == 2

        result = run_due(NOW).result(Kind.MAILS)
        assert (result.anonymised, result.deleted) == (1, 1)
        rows = {row.id: row for row in db.session.scalars(select(OutboxMail))}
        assert set(rows) == {old, recent, failing, waiting}  # the given-up one is gone
        blanked = rows[old]
        assert (blanked.recipient, blanked.body, blanked.attachment) == ("", "", None)
        assert blanked.sent_at is not None  # what was sent when stays
        assert rows[recent].recipient == "neu@example.org"
        assert rows[failing].body
        assert rows[waiting].body
        assert gave_up not in rows

        # The row keeps its dedupe key: a proof of payment never goes twice.
        with pytest.raises(IntegrityError), db.transaction():
            queue_mail(
                recipient="x@example.org", subject="s", body="b", dedupe_key="proof:alt@example.org"
            )
        again = run_due(NOW).result(Kind.MAILS)
        assert (again.anonymised, again.deleted) == (0, 0)
