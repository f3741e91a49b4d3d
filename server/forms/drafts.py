"""Answers given so far, kept on the server between steps.

A browser's draft is found by a random key its (signed cookie) session holds: the answers
themselves would not fit into a cookie. A logged-in citizen's draft belongs to the citizen and is
found on any device. Drafts nobody touched for ``FORM_DRAFT_DAYS`` are removed with their files
(``portal forms purge-drafts``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import cache

from flask import current_app, session
from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from server.db import lock_row, utcnow
from server.extensions import db
from server.forms.engine import FieldKind, FormDefinition, Step
from server.forms.models import FormDraft, FormUpload

SESSION_KEY = "form_drafts"
MAX_VALUES = 20  # per field: more than any question needs
MAX_VALUE_CHARS = 10_000


def _session_keys() -> dict[str, str]:
    keys = session.get(SESSION_KEY)
    return dict(keys) if isinstance(keys, dict) else {}


def find_draft(definition: FormDefinition, citizen_id: int | None) -> FormDraft | None:
    return _find(definition, citizen_id, with_uploads=False)[0]


def find_with_uploads(
    definition: FormDefinition, citizen_id: int | None
) -> tuple[FormDraft | None, list[FormUpload]]:
    """The draft as ``find_draft`` finds it, and the files it holds (``draft_uploads``), read
    together: every step page and the check page need both."""
    return _find(definition, citizen_id, with_uploads=True)


def _find(
    definition: FormDefinition, citizen_id: int | None, *, with_uploads: bool
) -> tuple[FormDraft | None, list[FormUpload]]:
    if citizen_id is not None:
        owned, uploads = _read(
            _owned(with_uploads), with_uploads, citizen=citizen_id, service=definition.slug
        )
        if owned is not None:
            return owned, uploads
    key = _session_keys().get(definition.slug)
    if not key:
        return None, []
    draft, uploads = _read(_keyed(with_uploads), with_uploads, key=key)
    if draft is None or draft.service != definition.slug:
        return None, []
    if draft.citizen_id is not None and draft.citizen_id != citizen_id:
        return None, []  # someone else logged in on this browser since
    if citizen_id is not None and draft.citizen_id is None:
        with db.transaction():
            draft.citizen_id = citizen_id  # begun before logging in: now the citizen's
    return draft, uploads


def open_draft(definition: FormDefinition, citizen_id: int | None) -> FormDraft:
    return open_with_uploads(definition, citizen_id)[0]


def open_with_uploads(
    definition: FormDefinition, citizen_id: int | None
) -> tuple[FormDraft, list[FormUpload]]:
    """The draft (a new one if there is none yet) and the files it holds."""
    draft, uploads = find_with_uploads(definition, citizen_id)
    if draft is not None:
        return draft, uploads
    created = _create(definition, citizen_id)
    if created is not None:
        return created, []
    # The citizen's other device made the draft at the same moment (one per citizen and
    # service): both go on with that one.
    found, uploads = find_with_uploads(definition, citizen_id)
    if found is None:
        raise RuntimeError("a draft made at the same moment was removed at once")
    return found, uploads


def _create(definition: FormDefinition, citizen_id: int | None) -> FormDraft | None:
    """A new draft, kept in the session; None when the citizen's other device made theirs at
    the same moment (one per citizen and service)."""
    try:
        with db.transaction() as sql:
            draft = FormDraft(
                key=secrets.token_urlsafe(32),
                service=definition.slug,
                citizen_id=citizen_id,
                answers={},
            )
            sql.add(draft)
    except IntegrityError:
        db.session.rollback()
        if citizen_id is None:
            raise
        return None
    keys = _session_keys()
    keys[definition.slug] = draft.key
    session[SESSION_KEY] = keys
    return draft


# A draft alone, or with the files it holds.
DraftQuery = Select[FormDraft] | Select[FormDraft, FormUpload]

# The statements of every form request, built once (only their values change): building a
# select costs more than the cached SQL it compiles to. Built when first used, not at import,
# when the other areas' models may not be mapped yet.


def _held() -> ColumnElement[bool]:
    return and_(FormUpload.draft_id == FormDraft.id, FormUpload.submission_id.is_(None))


@cache
def _owned(with_uploads: bool) -> DraftQuery:
    criteria = (
        FormDraft.citizen_id == bindparam("citizen"),
        FormDraft.service == bindparam("service"),
    )
    if not with_uploads:
        return select(FormDraft).where(*criteria)
    return (
        select(FormDraft, FormUpload)
        .outerjoin(FormUpload, _held())
        .where(*criteria)
        .order_by(FormUpload.id)
    )


@cache
def _keyed(with_uploads: bool) -> DraftQuery:
    criteria = FormDraft.key == bindparam("key")
    if not with_uploads:
        return select(FormDraft).where(criteria)
    return (
        select(FormDraft, FormUpload)
        .outerjoin(FormUpload, _held())
        .where(criteria)
        .order_by(FormUpload.id)
    )


@cache
def _uploads() -> Select[FormUpload]:
    return (
        select(FormUpload)
        .where(FormUpload.draft_id == bindparam("draft"), FormUpload.submission_id.is_(None))
        .order_by(FormUpload.id)
    )


def _read(
    statement: DraftQuery, with_uploads: bool, **values: object
) -> tuple[FormDraft | None, list[FormUpload]]:
    """The one draft the statement finds (a row per file it holds when joined with them)."""
    if not with_uploads:
        return db.session.scalar(statement, values), []
    rows = db.session.execute(statement, values).all()
    if not rows:
        return None, []
    return rows[0][0], [row[1] for row in rows if row[1] is not None]


def answers_of(draft: FormDraft | None) -> dict[str, list[str]]:
    if draft is None or not isinstance(draft.answers, dict):
        return {}
    return {
        str(name): [str(v) for v in values]
        for name, values in draft.answers.items()
        if isinstance(values, list)
    }


def sanitise(definition: FormDefinition, answers: Mapping[str, object]) -> dict[str, list[str]]:
    """Only the service's own (non-file) fields, as lists of bounded strings: a draft may be
    incomplete or wrong, but not of unbounded size."""
    kept: dict[str, list[str]] = {}
    for spec in definition.all_fields():
        if spec.kind == FieldKind.FILES or spec.name not in answers:
            continue
        raw = answers[spec.name]
        values: Sequence[object] = raw if isinstance(raw, list) else [raw]
        kept[spec.name] = [
            str(value)[:MAX_VALUE_CHARS]
            for value in values[:MAX_VALUES]
            if isinstance(value, str | int | float | bool)
        ]
    return kept


def _merged(
    held: dict[str, list[str]], step: Step, answers: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """``held`` with the step's answers in place of what it had for the step's fields."""
    merged = dict(held)
    for spec in step.fields:
        if spec.kind == FieldKind.FILES:
            continue
        merged.pop(spec.name, None)
        if spec.name in answers:
            merged[spec.name] = [str(v)[:MAX_VALUE_CHARS] for v in answers[spec.name]][:MAX_VALUES]
    return merged


def save_step(draft: FormDraft, step: Step, answers: Mapping[str, Sequence[str]]) -> bool:
    """The step's answers replace what the draft held for its fields (an unticked box is
    absent from a post, so it must not survive from before). Merged into the draft as this
    request read it, if no other device saved it since (one conditional UPDATE), else into the
    draft as it is now, under its row lock: what another device saved meanwhile stays. False
    (nothing saved) when the draft is gone, sent or discarded elsewhere meanwhile."""
    read = answers_of(draft)
    if replace_answers(draft, _merged(read, step, answers), step.slug, based_on=draft.revision):
        return True
    with db.transaction() as sql:
        current = lock_row(sql, FormDraft, draft.id)
        if current is None:
            return False
        current.answers = _merged(answers_of(current), step, answers)
        current.step = step.slug
        current.revision += 1
        current.updated_at = utcnow()
    return True


def open_and_save_step(
    definition: FormDefinition,
    citizen_id: int | None,
    step: Step,
    answers: Mapping[str, Sequence[str]],
) -> tuple[FormDraft, list[FormUpload]]:
    """The draft and its files (``open_with_uploads``) with the step's answers saved; after a
    draft sent or discarded on another device meanwhile, in a new one: nothing typed is lost."""
    draft, uploads = open_with_uploads(definition, citizen_id)
    if not save_step(draft, step, answers):
        draft, uploads = open_with_uploads(definition, citizen_id)
        save_step(draft, step, answers)
    return draft, uploads


def replace_answers(
    draft: FormDraft, answers: dict[str, list[str]], step: str, *, based_on: int | None = None
) -> bool:
    """The draft's answers and step replaced. With ``based_on``, only if the draft still has
    that revision (one conditional UPDATE: two devices saving at once cannot both succeed);
    False (nothing changed) when it has another or is gone."""
    statement = update(FormDraft).where(FormDraft.id == draft.id)
    if based_on is not None:
        statement = statement.where(FormDraft.revision == based_on)
    now = utcnow()
    with db.transaction() as sql:
        revision = sql.execute(
            statement.values(
                answers=answers, step=step[:64], revision=FormDraft.revision + 1, updated_at=now
            )
            .returning(FormDraft.revision)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
    if revision is None:
        return False
    for name, value in (
        ("answers", answers),
        ("step", step[:64]),
        ("revision", revision),
        ("updated_at", now),
    ):
        set_committed_value(draft, name, value)
    return True


class StaleDraft(Exception):
    """A client's answers were based on a revision the draft no longer has (changed on another
    device meanwhile), or on a draft that is gone (sent or discarded): ``current`` is the draft
    as it is now, None when gone."""

    def __init__(self, current: FormDraft | None) -> None:
        super().__init__("the draft changed since the client's answers were based on it")
        self.current = current


def put(
    definition: FormDefinition,
    citizen_id: int,
    answers: dict[str, list[str]],
    step: str,
    based_on: int | None,
) -> FormDraft:
    """The drafts client's answers replace the citizen's draft, if they are based on the
    revision it has now (0: on none; then a new draft is made). A page opened before its
    answers changed on another device therefore cannot undo that change: it hears of it
    (``StaleDraft``) and takes it over first. ``based_on`` None (a page of an older release)
    replaces in any case, as before."""
    draft = find_draft(definition, citizen_id)
    if draft is None:
        if based_on:
            raise StaleDraft(None)
        created = _create(definition, citizen_id)
        if created is not None:
            draft = created
            based_on = None if based_on is None else created.revision
        else:  # made by another device at the same moment
            draft = find_draft(definition, citizen_id)
            if draft is None or based_on is not None:
                raise StaleDraft(draft)
    elif based_on == 0:
        raise StaleDraft(draft)
    if not replace_answers(draft, answers, step, based_on=based_on):
        raise StaleDraft(db.session.get(FormDraft, draft.id, populate_existing=True))
    return draft


def forget_in_session(definition: FormDefinition) -> None:
    keys = _session_keys()
    if keys.pop(definition.slug, None) is not None:
        session[SESSION_KEY] = keys


def discard(draft: FormDraft) -> None:
    """Remove a draft with the files still attached to it."""
    from server.forms.uploads import remove_upload

    for upload in draft_uploads(draft):
        remove_upload(upload)
    with db.transaction() as sql:
        # By id, not through the ORM: a discard from another device at the same moment may
        # have removed the row already, and a draft that is gone is discarded.
        sql.execute(delete(FormDraft).where(FormDraft.id == draft.id))
    if draft in db.session:
        db.session.expunge(draft)


def draft_uploads(draft: FormDraft | None) -> list[FormUpload]:
    if draft is None:
        return []
    return list(db.session.scalars(_uploads(), {"draft": draft.id}))


def purge_old_drafts() -> int:
    """Remove drafts untouched for ``FORM_DRAFT_DAYS``; returns how many."""
    cutoff = utcnow() - timedelta(days=current_app.config["FORM_DRAFT_DAYS"])
    old = list(db.session.scalars(select(FormDraft).where(FormDraft.updated_at < cutoff)))
    for draft in old:
        discard(draft)
    return len(old)
