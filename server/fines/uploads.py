"""Files attached to a hearing statement and the authority's evidence photos: checked by content,
images re-encoded, kept in the file storage (``server.files.storage``, local or S3) under
server-chosen keys, removed with the case.

A file's key is ``fines/<case id>/<stored name>``: with the local storage that is its path under
``UPLOAD_DIR``, where the fines area has always kept it, so rows written before the storage held
them are read the same way."""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from server.extensions import db
from server.files.checks import FileRejected, check_file
from server.files.storage import StorageError, storage
from server.fines.models import FineCase, Upload
from server.logs import get_logger

log = get_logger("fines")


UploadRejected = FileRejected  # the name the fines area has always used


def _key(case_id: int, stored_name: str) -> str:
    return f"fines/{case_id}/{stored_name}"


def key_of(upload: Upload) -> str:
    """Where the storage keeps the upload's content."""
    return _key(upload.case_id, upload.stored_name)


def accept_upload(case: FineCase, file: FileStorage, *, evidence: bool = False) -> Upload:
    """Store one file for the case: a citizen's (not yet part of a statement) or, with
    ``evidence``, one of the authority's evidence photos. Runs its own transaction."""
    from flask_babel import gettext as _

    config = current_app.config
    checked = check_file(
        file,
        max_bytes=config["UPLOAD_MAX_FILE_BYTES"],
        # The authority's evidence is photos only; a citizen may also send PDFs.
        accept=("image",) if evidence else ("image", "pdf"),
    )
    content, content_type, suffix, name = (
        checked.content,
        checked.content_type,
        checked.suffix,
        checked.name,
    )
    digest = hashlib.sha256(content).hexdigest()
    pending = pending_uploads(case)
    if not evidence:
        # The same file again (a second tap, the attachments step visited again with the
        # browser's draft refilling its file input) is the attachment already there.
        same = next((upload for upload in pending if upload.sha256 == digest), None)
        if same is not None:
            return same
        if len(pending) >= config["UPLOAD_MAX_FILES"]:
            raise UploadRejected(
                _(
                    "Sie können höchstens %(count)s Dateien anhängen.",
                    count=config["UPLOAD_MAX_FILES"],
                )
            )
    stored = uuid.uuid4().hex + suffix
    key = _key(case.id, stored)
    storage().put(key, content, content_type)
    try:
        with db.transaction() as session:
            upload = Upload(
                case_id=case.id,
                stored_name=stored,
                original_name=name,
                content_type=content_type,
                size=len(content),
                sha256=digest,
                evidence=evidence,
            )
            session.add(upload)
    except IntegrityError:
        # The same file at the same moment (a double click): the database keeps one.
        storage().delete(key)
        if evidence:
            raise UploadRejected(_("Dieses Beweisfoto ist schon angelegt.")) from None
        same = next((u for u in pending_uploads(case) if u.sha256 == digest), None)
        if same is None:
            raise
        return same
    log.info(
        "upload stored",
        extra={
            "aktenzeichen": case.aktenzeichen,
            "size": len(content),
            "content_type": content_type,
        },
    )
    return upload


def pending_uploads(case: FineCase) -> list[Upload]:
    return list(
        db.session.scalars(
            select(Upload)
            .where(
                Upload.case_id == case.id,
                Upload.statement_id.is_(None),
                Upload.evidence.is_(False),
            )
            .order_by(Upload.id)
        )
    )


def remove_pending(case: FineCase, upload_id: int) -> None:
    upload = db.session.get(Upload, upload_id)
    if (
        upload is None
        or upload.case_id != case.id
        or upload.statement_id is not None
        or upload.evidence
    ):
        return
    storage().delete(key_of(upload))
    with db.transaction() as session:
        session.delete(upload)


def content_of(upload: Upload) -> bytes:
    """The upload's content, read back through the storage (``StorageError`` if it is gone)."""
    return storage().get(key_of(upload))


def get_upload(upload_id: int) -> Upload | None:
    return db.session.get(Upload, upload_id)


def remove_case_files(case: FineCase) -> None:
    """With the case go its files (the rows go by ON DELETE CASCADE afterwards)."""
    keys = db.session.scalars(select(Upload.stored_name).where(Upload.case_id == case.id))
    for stored_name in list(keys):
        try:
            storage().delete(_key(case.id, stored_name))
        except StorageError as error:
            # The case goes all the same; the file is logged to be removed by hand.
            log.warning(
                "case file not removed",
                extra={"aktenzeichen": case.aktenzeichen, "error": str(error)},
            )
