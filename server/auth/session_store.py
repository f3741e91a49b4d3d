"""Server-side sessions: the browser holds a random token, the database holds the session.

Flask's default session lives in a signed cookie, which the server cannot take back: logging out
on one device could not end the session on another, and a stolen cookie would stay valid until it
expires. Here every session is a row of ``web_sessions``, so that

- logging out deletes the row (the cookie becomes worthless at once),
- a login issues a new token (an id planted before the login never becomes authenticated),
- a session ends after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_ABSOLUTE_MINUTES``
  after it began, whatever the browser does,
- a citizen sees their sessions and can end all of them ("überall abmelden").

Rows are written with SQLAlchemy Core on their own connection, so that saving the session never
commits or rolls back the work of the request itself.

A visitor who only reads pages costs no row: as long as the session holds nothing but the CSRF
secret (every page with a form has one), the secret travels in the same cookie, signed with the
``SECRET_KEY`` and dated (``a.`` and an itsdangerous timestamped signature of the secret alone:
no JSON and no compression, for it is made on every new visitor's first page). The first thing
worth keeping (a login, a grant, a message) moves it into a row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, Request, Response, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature
from sqlalchemy import Table, bindparam, delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from server.auth.models import WebSession
from server.db import as_utc, unreachable, utcnow
from server.extensions import db
from server.prepared_reads import PreparedRead
from server.security import vary_on
from server.signing import KeptKeySigner

_serializer = TaggedJSONSerializer()
_table = cast(Table, WebSession.__table__)
# A request only refreshes ``last_seen_at`` when it is older than this: one write per minute of
# activity instead of one per request.
_TOUCH_AFTER = timedelta(seconds=60)
# What an anonymous visitor's session may hold and still live in the cookie alone.
_CSRF_KEY = "csrf_token"
_COOKIE_ONLY_KEYS = frozenset({_CSRF_KEY})
_ANONYMOUS = "a."
_SIGNER = "portal_anonymous_session_signer"


def _signer(app: Flask) -> KeptKeySigner:
    """The anonymous cookie's signer, made once per app and key rather than for each request
    (a new visitor's first page makes and signs a cookie: issue 17)."""
    key = app.secret_key or ""
    made: tuple[str | bytes, KeptKeySigner] | None = app.extensions.get(_SIGNER)
    if made is None or made[0] != key:
        made = (key, KeptKeySigner(key, salt="portal-anonymous-csrf"))
        app.extensions[_SIGNER] = made
    return made[1]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session of one request; ``regenerate()`` and ``revoke()`` say what to do at its end."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
        expired: bool = False,
        anonymous: bool = False,
        unavailable: Exception | None = None,
    ) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        #: The browser sent a token whose session has timed out or was revoked.
        self.expired = expired
        #: The session came in the cookie alone (no row): see the module's docstring.
        self.anonymous = anonymous
        #: The database could not be asked for the session's row (down, restarting): the
        #: request is answered 503 (``refuse_without_database``) and nothing is written.
        self.unavailable = unavailable
        self.modified = False
        self.rotate = False
        self.revoked = False

    def regenerate(self) -> None:
        """Give this session a new token and a new start (on login)."""
        self.rotate = True
        self.modified = True

    def revoke(self) -> None:
        """End this session: its row is deleted and the cookie removed."""
        self.clear()
        self.revoked = True


class ServerSessionInterface(SessionInterface):
    serializer = _serializer

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        if token.startswith(_ANONYMOUS):
            try:
                secret = _signer(app).unsign(
                    token[len(_ANONYMOUS) :], max_age=int(absolute_timeout(app).total_seconds())
                )
            except (BadSignature, ValueError):
                secret = b""
            data = {_CSRF_KEY: secret.decode("ascii")} if secret.isascii() and secret else {}
            return ServerSession(data, anonymous=True)
        try:
            row = _load(_digest(token))
            now = utcnow()
            if row is None:
                return ServerSession(expired=True)
            created, seen = as_utc(row.created_at), as_utc(row.last_seen_at)
            if now - seen > idle_timeout(app) or now - created > absolute_timeout(app):
                _delete(_digest(token))
                return ServerSession(expired=True)
        except Exception as error:
            # Flask opens the session before any error handler could answer: keep the error
            # for the first before-request function, which raises it where they can.
            if not unreachable(error):
                raise
            return ServerSession(token=token, unavailable=error)
        try:
            data = self.serializer.loads(row.data)
        except ValueError:
            data = {}
        return ServerSession(data, token=token, created_at=created, last_seen_at=seen)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.unavailable is not None:
            return  # the row and the cookie stay as they were, for when the database is back
        # The request's work is done (what it did not commit is rolled back at teardown
        # anyway): its connection goes back to the pool before the session row takes one.
        # Holding both lets N parallel requests, each with one connection and waiting for a
        # second, use up the pool and wait for each other until the pool's timeout.
        try:
            db.release()
        except Exception as error:
            # The database went away after the view had answered: the connection is dropped
            # by the pool; what the view did not commit was never kept anyway.
            if not unreachable(error):
                raise
        if session.revoked and session.token is not None:
            _delete(_digest(session.token))
            # Whatever was stored after the logout (a message for the next page) gets a new,
            # anonymous session.
            session.token = None
            if not session:
                self._delete_cookie(app, response)
                return
        old = session.token
        if old is None:
            if set(session) <= _COOKIE_ONLY_KEYS:
                self._save_in_cookie(app, session, response)
            else:
                self._insert_row(app, session, response)
        elif not session:
            _delete(_digest(old))
            self._delete_cookie(app, response)
        elif session.rotate:
            _delete(_digest(old))
            self._insert_row(app, session, response)
        else:
            self._update_row(app, session, response, old)

    def _save_in_cookie(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not session:
            # A stale token is left alone, not deleted: this request may have raced a login in
            # the same browser (the service worker's update check, a prefetch), and deleting
            # the cookie here would delete the new session's cookie with it.
            if session.anonymous:
                self._delete_cookie(app, response)
            return
        if session.modified or not session.anonymous:
            response.set_cookie(
                self.get_cookie_name(app),
                _ANONYMOUS + _signer(app).sign(str(session[_CSRF_KEY])).decode("ascii"),
                expires=utcnow() + absolute_timeout(app),
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )
        vary_on(response, "Cookie")

    def _insert_row(self, app: Flask, session: ServerSession, response: Response) -> None:
        now = utcnow()
        session.token = secrets.token_urlsafe(32)
        session.created_at = now
        _insert(_digest(session.token), self._values(session, now, response))
        self._set_cookie(app, session, response)

    def _update_row(
        self, app: Flask, session: ServerSession, response: Response, token: str
    ) -> None:
        now = utcnow()
        if session.modified:
            # No row: the session ended while this request ran (a logout, or a login in the
            # same browser that replaced it); its cookie must not come back.
            if _update(_digest(token), self._values(session, now, response)):
                self._set_cookie(app, session, response)
        elif session.last_seen_at is None or now - session.last_seen_at > _TOUCH_AFTER:
            try:
                _update(_digest(token), {"last_seen_at": now})
            except Exception as error:
                # Only the idle clock: not worth failing an answer that is ready. A change of
                # the session above is (it raises, and the citizen gets the 503 page).
                if not unreachable(error):
                    raise
        vary_on(response, "Cookie")

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
        )

    def _values(self, session: ServerSession, now: datetime, response: Response) -> dict[str, Any]:
        citizen_id = session.get("citizen_id")
        clerk_id = session.get("clerk_id")
        return {
            "data": self.serializer.dumps(dict(session)),
            "citizen_id": citizen_id if isinstance(citizen_id, int) else None,
            "clerk_id": clerk_id if isinstance(clerk_id, int) else None,
            "user_agent": (request.user_agent.string or "")[:255],
            "created_at": session.created_at or now,
            "last_seen_at": now,
        }

    def _set_cookie(self, app: Flask, session: ServerSession, response: Response) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            session.token or "",
            expires=(session.created_at or utcnow()) + absolute_timeout(app),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        vary_on(response, "Cookie")


def idle_timeout(app: Flask) -> timedelta:
    return timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])


def absolute_timeout(app: Flask) -> timedelta:
    return timedelta(minutes=app.config["SESSION_ABSOLUTE_MINUTES"])


# Every request with a session cookie reads its row (issue 17).
_LOAD = PreparedRead(
    select(_table.c.data, _table.c.created_at, _table.c.last_seen_at).where(
        _table.c.id == bindparam("digest")
    )
)


def _load(digest: str) -> Any:
    return _LOAD.first(db.single_reads, {"digest": digest})


def _insert(digest: str, values: dict[str, Any]) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(_table).values(id=digest, **values))


def _update(digest: str, values: dict[str, Any]) -> int:
    with db.engine.begin() as connection:
        result = connection.execute(update(_table).where(_table.c.id == digest).values(**values))
        return result.rowcount or 0


def _delete(digest: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(_table).where(_table.c.id == digest))


# --- what the account page and the login code need -----------------------------------------


@dataclass(frozen=True)
class ActiveSession:
    id: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def sessions_of_citizen(citizen_id: int, current_token: str | None) -> list[ActiveSession]:
    """The citizen's live sessions, most recently used first."""
    current = _digest(current_token) if current_token else None
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(_table.c.id, _table.c.user_agent, _table.c.created_at, _table.c.last_seen_at)
            .where(_table.c.citizen_id == citizen_id)
            .order_by(_table.c.last_seen_at.desc())
        ).all()
    return [
        ActiveSession(
            row.id[:12],
            row.user_agent,
            as_utc(row.created_at),
            as_utc(row.last_seen_at),
            row.id == current,
        )
        for row in rows
    ]


def end_sessions_of_citizen(citizen_id: int, *, except_token: str | None = None) -> int:
    """End every session of the citizen (but ``except_token``'s); returns how many ended."""
    statement = delete(_table).where(_table.c.citizen_id == citizen_id)
    if except_token:
        statement = statement.where(_table.c.id != _digest(except_token))
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount or 0


def end_sessions_of_clerk(clerk_id: int) -> int:
    with db.engine.begin() as connection:
        return connection.execute(delete(_table).where(_table.c.clerk_id == clerk_id)).rowcount or 0


def end_session_by_id(citizen_id: int, short_id: str) -> bool:
    """End one of the citizen's sessions, named by the prefix shown on the account page."""
    if len(short_id) != 12:
        return False
    with db.engine.begin() as connection:
        result = connection.execute(
            delete(_table).where(
                _table.c.citizen_id == citizen_id, _table.c.id.startswith(short_id, autoescape=True)
            )
        )
        return bool(result.rowcount)


def prune_expired(app: Flask) -> int:
    """Delete sessions past their idle or absolute timeout; run it from cron now and then."""
    now = utcnow()
    with db.engine.begin() as connection:
        result = connection.execute(
            delete(_table).where(
                (_table.c.last_seen_at < now - idle_timeout(app))
                | (_table.c.created_at < now - absolute_timeout(app))
            )
        )
        return result.rowcount or 0


def refuse_without_database() -> None:
    """Answer a request whose session could not be read as the database is down with the 503
    of ``server.web.errors``, not as an anonymous visitor (a clerk would be sent to the login,
    a form refused as expired)."""
    if isinstance(session, ServerSession) and session.unavailable is not None:
        raise session.unavailable


def init_sessions(app: Flask) -> None:
    app.session_interface = ServerSessionInterface()
    app.before_request(refuse_without_database)
