"""Files answering a form's file questions: checked by content (``server.files.checks``), kept
in the upload storage under random keys, limited per file, per question and per submission."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from server.extensions import db
from server.files.checks import CheckedFile, FileRejected, check_file
from server.files.storage import StorageError, storage
from server.forms.engine import Assessment, FieldKind, FormDefinition, RawAnswers
from server.forms.models import FormUpload
from server.logs import get_logger

log = get_logger("forms")


@dataclass
class FileCheck:
    accepted: dict[str, list[CheckedFile]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def counts(self, existing: Mapping[str, int]) -> dict[str, int]:
        names = set(existing) | set(self.accepted)
        return {n: existing.get(n, 0) + len(self.accepted.get(n, [])) for n in names}


def sent_files(files: Mapping[str, Sequence[FileStorage]]) -> dict[str, list[FileStorage]]:
    """The files actually chosen (a file input left empty posts one nameless part)."""
    return {
        name: [f for f in chosen if f and f.filename]
        for name, chosen in files.items()
        if any(f and f.filename for f in chosen)
    }


def check_files(
    definition: FormDefinition,
    files: Mapping[str, Sequence[FileStorage]],
    answers: RawAnswers,
    existing: Sequence[FormUpload] = (),
    assessment: Assessment | None = None,
) -> FileCheck:
    """Check the files sent for the file questions that apply to ``answers`` (and the
    assessment, if given); files for other names are ignored. ``existing`` are the files the
    draft already holds."""
    config = current_app.config
    result = FileCheck()
    count = len(existing)
    total = sum(upload.size for upload in existing)
    shown = {
        f.name
        for step in definition.steps_shown(answers, assessment)
        for f in step.fields_shown(answers, assessment)
    }
    for spec in definition.all_fields():
        if spec.kind != FieldKind.FILES or spec.name not in shown:
            continue
        already = sum(1 for upload in existing if upload.field == spec.name)
        for file in files.get(spec.name, ()):
            problems = result.errors.setdefault(spec.name, [])
            if already + len(result.accepted.get(spec.name, [])) >= spec.max_files:
                problems.append(
                    _("Höchstens %(count)s Dateien für diese Frage.", count=spec.max_files)
                )
                break
            if count >= config["FORM_UPLOAD_MAX_FILES"]:
                problems.append(
                    _(
                        "Höchstens %(count)s Dateien insgesamt.",
                        count=config["FORM_UPLOAD_MAX_FILES"],
                    )
                )
                break
            try:
                checked = check_file(
                    file, max_bytes=config["UPLOAD_MAX_FILE_BYTES"], accept=spec.accept
                )
            except FileRejected as refusal:
                problems.append(str(refusal))
                continue
            if total + len(checked.content) > config["FORM_UPLOAD_MAX_TOTAL_BYTES"]:
                problems.append(
                    _(
                        "„%(name)s“ passt nicht mehr dazu: alle Dateien zusammen dürfen höchstens "
                        "%(mb)s MB groß sein.",
                        name=checked.name,
                        mb=config["FORM_UPLOAD_MAX_TOTAL_BYTES"] // (1024 * 1024),
                    )
                )
                continue
            result.accepted.setdefault(spec.name, []).append(checked)
            count += 1
            total += len(checked.content)
    result.errors = {name: msgs for name, msgs in result.errors.items() if msgs}
    return result


def store(field_name: str, checked: CheckedFile) -> FormUpload:
    """Put the content into the storage; returns the (not yet added) row describing it."""
    key = f"forms/{uuid.uuid4().hex}{checked.suffix}"
    storage().put(key, checked.content, checked.content_type)
    return FormUpload(
        field=field_name,
        storage_key=key,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
    )


def store_all(accepted: Mapping[str, list[CheckedFile]]) -> list[FormUpload]:
    """Store every file or none: when the storage fails part way (``StorageError``), the files
    already stored are removed again, as far as the storage lets us, before the error goes on."""
    stored: list[FormUpload] = []
    try:
        for name, files in accepted.items():
            for checked in files:
                stored.append(store(name, checked))
    except Exception:
        for row in stored:
            try:
                storage().delete(row.storage_key)
            except StorageError:
                # No row will name it; the object store's lifecycle rule or a look at the
                # log finds it.
                log.warning("upload not removed", extra={"key": row.storage_key})
        raise
    return stored


def forget_stored(rows: Sequence[FormUpload]) -> None:
    """Remove content whose rows were never written (a lost race, a failed transaction)."""
    for row in rows:
        storage().delete(row.storage_key)


def attach_to_draft(draft_id: int, accepted: Mapping[str, list[CheckedFile]]) -> None:
    rows = store_all(accepted)
    try:
        with db.transaction() as sql:
            for row in rows:
                row.draft_id = draft_id
                sql.add(row)
    except Exception:
        forget_stored(rows)
        raise


def remove_upload(upload: FormUpload) -> None:
    storage().delete(upload.storage_key)
    with db.transaction() as sql:
        sql.delete(upload)


def content_of(upload: FormUpload) -> bytes:
    return storage().get(upload.storage_key)


def get_upload(upload_id: int) -> FormUpload | None:
    return db.session.get(FormUpload, upload_id)
