"""Files attached to a hearing statement: checked by content, images re-encoded, stored outside
the web root under server-chosen names, removed with the case."""

from __future__ import annotations

import hashlib
import io
import shutil
import uuid
import warnings
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from server.extensions import db
from server.fines.models import FineCase, Upload
from server.logs import get_logger

log = get_logger("fines")
MAX_IMAGE_SIDE = 3000  # pixels; phone photos are larger than any evidence needs
MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs


class UploadRejected(ValueError):
    """A file the portal does not accept; the message is for the citizen (translated)."""


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _case_dir(case: FineCase) -> Path:
    return upload_root() / "fines" / str(case.id)


def _read_limited(file: FileStorage, limit: int) -> bytes:
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        from flask_babel import gettext as _

        raise UploadRejected(
            _(
                "„%(name)s“ ist größer als %(mb)s MB.",
                name=file.filename or "",
                mb=limit // (1024 * 1024),
            )
        )
    return data


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _reencode_image(data: bytes) -> bytes | None:
    """A clean JPEG of the picture (no metadata, no hidden payload), or None if it is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                picture = ImageOps.exif_transpose(image).convert("RGB")
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ):
            return None
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def accept_upload(case: FineCase, file: FileStorage, *, evidence: bool = False) -> Upload:
    """Store one file for the case: a citizen's (not yet part of a statement) or, with
    ``evidence``, one of the authority's evidence photos. Runs its own transaction."""
    from flask_babel import gettext as _

    config = current_app.config
    pending = pending_uploads(case)
    if not evidence and len(pending) >= config["UPLOAD_MAX_FILES"]:
        raise UploadRejected(
            _("Sie können höchstens %(count)s Dateien anhängen.", count=config["UPLOAD_MAX_FILES"])
        )
    data = _read_limited(file, config["UPLOAD_MAX_FILE_BYTES"])
    name = Path(file.filename or "datei").name[:200]
    if _is_pdf(data) and not evidence:
        content, content_type, suffix = data, "application/pdf", ".pdf"
    else:
        reencoded = _reencode_image(data)
        if reencoded is None:
            raise UploadRejected(
                _("„%(name)s“ ist kein Foto (JPEG, PNG, WebP) und kein PDF.", name=name)
            )
        content, content_type, suffix = reencoded, "image/jpeg", ".jpg"
        name = str(Path(name).with_suffix(".jpg"))
    stored = uuid.uuid4().hex + suffix
    directory = _case_dir(case)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored).write_bytes(content)
    with db.transaction() as session:
        upload = Upload(
            case_id=case.id,
            stored_name=stored,
            original_name=name,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            evidence=evidence,
        )
        session.add(upload)
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


def evidence_of(case: FineCase) -> list[Upload]:
    return list(
        db.session.scalars(
            select(Upload)
            .where(Upload.case_id == case.id, Upload.evidence.is_(True))
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
    path_of(upload).unlink(missing_ok=True)
    with db.transaction() as session:
        session.delete(upload)


def path_of(upload: Upload) -> Path:
    return upload_root() / "fines" / str(upload.case_id) / upload.stored_name


def get_upload(upload_id: int) -> Upload | None:
    return db.session.get(Upload, upload_id)


def remove_case_files(case: FineCase) -> None:
    """With the case go its files (the rows go by ON DELETE CASCADE)."""
    shutil.rmtree(_case_dir(case), ignore_errors=True)
