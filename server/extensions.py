"""Extension objects: created here once, bound to the app by ``create_app``."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

from server.db import Database

_Exempted = TypeVar("_Exempted")


class CsrfProtection(Protocol):
    """What the portal uses of Flask-WTF's ``CSRFProtect``, which ships no type information."""

    def init_app(self, app: Flask) -> None: ...

    def exempt(self, view: _Exempted) -> _Exempted:
        """Leave a view function or a blueprint out of the check; returns it unchanged."""

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check this request's token (aborts with 400), skipping exempted views if asked."""


db = Database()
csrf: CsrfProtection = CSRFProtect()
htmx = HTMX()
babel = Babel()
compress = Compress()
# No default limits: each limit is a named setting on the view it protects.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
