"""Extension objects: created here once, bound to the app by ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

from server.db import Database

db = Database()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()
compress = Compress()
# No default limits: each limit is a named setting on the view it protects.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
