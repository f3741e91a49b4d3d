"""The instance folder: what a running portal writes, and which part belongs to which database.

The instance folder (``INSTANCE_DIR``) holds the default SQLite database and, unless their own
settings name other places, the uploads, the mails of the ``file`` backend, the development
identity provider's state and the demo's letters. These files belong to the records of one
database: a mail's file is named by its outbox id, an upload's by its record. So outside
production a database other than the instance's own keeps them in a folder of its own,
``databases/<name>-<digest>/`` under the instance folder, and two demos started at once on
different databases never write over each other's mails or letters. The digest is taken of where
the database is (the SQLite file, or a server's dialect, host, port and database name), never of
a user or password. Production runs one database per instance and keeps the files straight in
the instance folder, so that a moved database server or a rotated password never points the
portal at another, empty folder.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy.engine import make_url

from server import resources

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_instance_dir() -> Path:
    """The checkout's ``instance/`` (where ``./run demo`` has always kept it); for an installed
    package ``instance`` in the working directory, because a package never writes into its own
    folder in site-packages."""
    if resources.INSTALLED:
        return Path.cwd() / "instance"
    return resources.PACKAGE.parent / "instance"


def default_database_url(instance: Path) -> str:
    return f"sqlite:///{instance / 'portal.db'}"


def files_dir(instance: Path, database_url: str, *, production: bool) -> Path:
    """The folder for the files of ``database_url``'s records (see the module's docstring)."""
    if production or _location(database_url) == _location(default_database_url(instance)):
        return instance
    return instance / "databases" / folder_name(database_url)


def folder_name(database_url: str) -> str:
    """A readable name (the database's) and a digest of its location: two databases of one name
    in different places get different folders."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        in_memory = url.database in (None, "", ":memory:")
        readable = "memory" if in_memory else Path(str(url.database)).stem
    else:
        readable = url.database or url.get_backend_name()
    digest = hashlib.sha256(_location(database_url).encode()).hexdigest()[:12]
    return f"{_UNSAFE.sub('-', readable)[:40]}-{digest}"


def _location(database_url: str) -> str:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        # SQLite opens a relative path from the working directory, so that is where it is.
        database = url.database or ":memory:"
        return f"sqlite:{database if database == ':memory:' else Path(database).absolute()}"
    return f"{backend}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
